"""Runs a service's durable pull consumers so that no message can stop them.

Per fetched batch: every message is checked (subject, CloudEvent, tenant); the event ids the consumer
already applied are looked up in one query (`common.inbox`); each new event's handler runs under a time
limit; the applied ids are recorded in one insert; then the batch is acknowledged. Whatever raises — a
handler, decoding, the inbox, an ack, the dead-letter publish — is logged and the loop goes on: a
failed message is nak'ed with back-off (or dead-lettered once it has had `max_deliver` deliveries, or at
once when it is malformed), and a message whose dead-letter publish fails is nak'ed, not acked, so it
comes back later instead of being lost.

Crash between a handler and its record: the effect is applied but neither recorded nor acked, so
JetStream redelivers after `ack_wait` and the handler runs a second time. That is safe because every
handler is idempotent by design (signal and touchpoint ids are de-duplicated by the store, a tag
assignment that is already active is "unchanged", a stored conversation id is a quiet success); the
record only spares the work and the duplicate side effects in every other case.

A supervisor task checks each loop every second: a loop that died, or that has not pulled for
`stall_after` seconds (a handler that ignores cancellation, a bug), is restarted and reported by
`problems()` — which the service's health watchdog turns into NOT_SERVING — until it pulls again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry.trace import SpanKind, Status, StatusCode
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from common import cloudevents, deadletter
from common.bus import STREAM_MAX_AGE, Consumer, fetch_soon, stream_name
from common.errors import DomainError, InvalidArgument
from common.ids import is_valid_tenant
from common.inbox import Applied, Inbox, applied_key
from common.telemetry import extract_context, tracer

log = logging.getLogger(__name__)
DEAD_LETTER_RETRY_SECONDS = 5.0
DATABASE_RETRY_SECONDS = 1.0
ACK_WAIT_SECONDS = 30.0
MAX_ACK_PENDING = 1000  # nats-server's default per consumer
# Messages decoded between two yields to the event loop: decoding a 4,000-message batch takes ~0.2 s of
# CPU, during which a batch already in flight (Consumer.in_flight) could not send its next command.
YIELD_EVERY = 256


@dataclass(frozen=True)
class _Work:
    msg: Msg
    tenant: str
    event: dict[str, Any]
    key: str


@dataclass(kw_only=True)
class _Loop:
    """One consumer's loop and what the supervisor knows of it."""

    consumer: Consumer
    sub: JetStreamContext.PullSubscription
    task: asyncio.Task[None] | None = None
    heartbeat: float = field(default_factory=time.monotonic)  # last fetch attempt or message finished
    problem: str = ""  # set when restarted; cleared by a completed fetch once `report_for` has passed
    problem_at: float = 0.0
    batches: set[asyncio.Task[None]] = field(default_factory=set)  # in flight (Consumer.in_flight > 1)


class ConsumerRunner:
    """Runs consumers as supervised background tasks, records what they applied, and stops them cleanly."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        root: str,
        service: str,
        db: AsyncDatabase[dict[str, Any]],
        max_deliver: int = 5,
        stall_after: float = 90.0,
        report_for: float = 5.0,
        fetch_timeout: float = 1.0,
    ) -> None:
        self._js = js
        self._root = root
        self._service = service
        self._max_deliver = max_deliver
        # Beyond this many deliveries a message is dead-lettered without running its handler: it was
        # handed out repeatedly without an outcome (it crashes the process, or dead-lettering failed).
        self._give_up_after = 2 * max_deliver
        self._stall_after = stall_after
        # A restart is reported for at least this long, so a health check every few seconds sees it
        # even when the new loop pulls again at once.
        self._report_for = report_for
        self._fetch_timeout = fetch_timeout
        self._inbox = Inbox(db, retention_seconds=STREAM_MAX_AGE)
        self._inbox_ready = False
        self._loops: dict[str, _Loop] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # Set when the database is unreachable: loops stop fetching until it answers again, so an
        # outage costs each in-flight message one delivery instead of walking it into the DLQ.
        self._database_down = False

    async def start(self, consumer: Consumer) -> None:
        """Create or update the durable consumer on the server and start pulling from it."""
        if not self._inbox_ready:
            await self._inbox.ensure_index()
            self._inbox_ready = True
        subject = f"{self._root}.{consumer.filter_subject}"
        stream = stream_name(self._root, consumer.stream_kind)
        # Unlimited deliveries on the server: the runner dead-letters after `max_deliver` itself, and a
        # message whose dead-letter publish failed must still come back (a capped one would be stranded).
        # add_consumer creates or updates, so existing durables pick this configuration up.
        await self._js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=consumer.durable,
                name=consumer.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=-1,
                ack_wait=ACK_WAIT_SECONDS,
                filter_subject=subject,
                # Room for the batches in flight and the next one: a consumer pulling more than the
                # server's default (1,000) unacknowledged messages would otherwise get short batches.
                max_ack_pending=max(MAX_ACK_PENDING, (consumer.in_flight + 1) * consumer.batch),
            ),
        )
        sub = await self._js.pull_subscribe_bind(durable=consumer.durable, stream=stream)
        loop = _Loop(consumer=consumer, sub=sub)
        self._loops[consumer.durable] = loop
        self._spawn(loop)
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"consumers:{self._service}")

    def problems(self) -> list[str]:
        """Why some consumer is not healthy (dead, restarted and not yet pulling, or stalled); [] if all are."""
        now = time.monotonic()
        found = []
        for durable, loop in self._loops.items():
            if loop.problem:
                found.append(loop.problem)
            elif now - loop.heartbeat > self._stall_after:
                found.append(f"consumer {durable} has not pulled for {now - loop.heartbeat:.0f} s")
        return found

    async def stop(self) -> None:
        self._stopping.set()
        tasks = [t for t in [self._supervisor, *(lp.task for lp in self._loops.values())] if t is not None]
        tasks += [t for lp in self._loops.values() for t in lp.batches]
        for task in tasks:
            task.cancel()
        if tasks:
            # A handler that swallows cancellation must not hold the process open forever.
            await asyncio.wait(tasks, timeout=5)
        # An open pull subscription makes the connection's drain wait for its full timeout.
        for loop in self._loops.values():
            with contextlib.suppress(Exception):
                await loop.sub.unsubscribe()
        self._loops.clear()
        self._supervisor = None

    def _spawn(self, loop: _Loop) -> None:
        loop.heartbeat = time.monotonic()
        loop.task = asyncio.create_task(self._run(loop), name=f"consumer:{loop.consumer.durable}")

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(1)
            now = time.monotonic()
            for durable, loop in self._loops.items():
                assert loop.task is not None
                if loop.task.done():
                    error = None if loop.task.cancelled() else loop.task.exception()
                    loop.problem = f"consumer {durable} stopped ({error!r}); restarted"
                elif now - loop.heartbeat > self._stall_after:
                    loop.problem = f"consumer {durable} stalled for {now - loop.heartbeat:.0f} s; restarted"
                    loop.task.cancel()
                else:
                    continue
                log.error("%s", loop.problem)
                loop.problem_at = now
                self._spawn(loop)

    async def _run(self, loop: _Loop) -> None:
        consumer = loop.consumer
        # A replaced loop (stalled in a handler that ignored cancellation) ends once it wakes up.
        while not self._stopping.is_set() and loop.task is asyncio.current_task():
            loop.heartbeat = time.monotonic()
            if self._database_down:
                await self._await_database(loop)
                continue
            try:
                msgs = await fetch_soon(loop.sub, consumer.batch, wait=self._fetch_timeout)
            except (NatsTimeout, TimeoutError):  # an idle fetch; nats-py raises either class
                self._pulled(loop)
                continue
            except Exception:
                log.exception("fetch failed on %s; retrying", consumer.durable)
                await asyncio.sleep(1)
                continue
            self._pulled(loop)
            if consumer.in_flight > 1:
                await self._start_batch(loop, msgs)
                continue
            await self._process_logged(loop, msgs)

    async def _process_logged(self, loop: _Loop, msgs: list[Msg]) -> None:
        try:
            await self._process(loop, msgs)
        except Exception:  # a bug here must not end the loop; unacked messages come back
            log.exception(
                "batch of %s failed; its unacknowledged messages will be redelivered", loop.consumer.durable
            )

    async def _start_batch(self, loop: _Loop, msgs: list[Msg]) -> None:
        """Process `msgs` beside the batches already in flight, waiting while `in_flight` are.

        The next batch is then pulled and decoded while the earlier ones wait on the database, so the
        service's CPU and the database's overlap (Consumer.in_flight). The tasks belong to the loop:
        they are cancelled with it on stop.
        """
        task = asyncio.create_task(self._process_logged(loop, msgs))
        loop.batches.add(task)
        task.add_done_callback(loop.batches.discard)
        while len(loop.batches) >= loop.consumer.in_flight:
            await asyncio.wait(set(loop.batches), return_when=asyncio.FIRST_COMPLETED)

    async def _await_database(self, loop: _Loop) -> None:
        """Ping until the database answers (backing off to 5 s), keeping the loop's heartbeat fresh."""
        delay = 0.5
        while self._database_down and not self._stopping.is_set():
            loop.heartbeat = time.monotonic()
            try:
                await self._inbox.ping()
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            log.info("database answers again; %s resumes", loop.consumer.durable)
            self._database_down = False

    def _pulled(self, loop: _Loop) -> None:
        loop.heartbeat = time.monotonic()
        if loop.problem and loop.heartbeat - loop.problem_at >= self._report_for:
            log.info("consumer %s is pulling again", loop.consumer.durable)
            loop.problem = ""

    async def _process(self, loop: _Loop, msgs: list[Msg]) -> None:
        consumer = loop.consumer
        done: list[Msg] = []
        work: list[_Work] = []
        for index, msg in enumerate(msgs):
            if index and index % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let batches in flight send their next database command
            try:
                item = self._check(consumer, msg)
            except Exception as err:
                await self._failed(consumer, msg, err)
                continue
            if item is None:
                done.append(msg)
            else:
                work.append(item)
        try:
            seen = await self._inbox.applied([w.key for w in work]) if consumer.remember_applied else set()
        except Exception as err:
            log.warning(
                "%s could not read what it applied (%s); the batch comes back later", consumer.durable, err
            )
            self._database_down = self._database_down or isinstance(err, ConnectionFailure)
            for w in work:
                await _settle(w.msg, "nak", delay=DATABASE_RETRY_SECONDS)
            await _ack_all(done)
            return
        await self._prepare(consumer, [w for w in work if w.key not in seen])
        applied: list[Applied] = []
        if consumer.batch_handler is not None:
            await self._apply_batch(consumer, work, seen, applied, done)
            work = []
        touched = time.monotonic()
        for index, w in enumerate(work):
            if self._database_down:  # the rest would fail the same way: hand them back untouched
                for later in work[index:]:
                    await _settle(later.msg, "nak", delay=DATABASE_RETRY_SECONDS)
                break
            if w.key in seen:
                done.append(w.msg)  # already applied (a redelivery): acknowledge, do not apply twice
                continue
            loop.heartbeat = time.monotonic()
            if loop.heartbeat - touched > ACK_WAIT_SECONDS / 3:
                # A slow batch: tell the server the rest is being worked on, so it is not redelivered.
                touched = loop.heartbeat
                await _keep_alive([*done, *(later.msg for later in work[index:])])
            if await self._apply(consumer, w):
                seen.add(w.key)
                applied.append(Applied(w.key, w.tenant))
                done.append(w.msg)
        loop.heartbeat = time.monotonic()
        try:
            if consumer.remember_applied:
                await self._inbox.record(applied, durable=consumer.durable)
        except Exception:  # the effects stand and handlers are idempotent: ack anyway (module docstring)
            log.exception("%s could not record %d applied events", consumer.durable, len(applied))
        await _ack_all(done)

    async def _prepare(self, consumer: Consumer, work: list[_Work]) -> None:
        """The consumer's once-per-batch look-ups, per tenant; a failure only costs the handlers a round trip."""
        if consumer.prepare is None or not work:
            return
        by_tenant: dict[str, list[dict[str, Any]]] = {}
        for w in work:
            by_tenant.setdefault(w.tenant, []).append(w.event)
        for tenant, events in by_tenant.items():
            try:
                await consumer.prepare(tenant, events)
            except Exception as err:
                log.warning("%s could not prepare a batch of %s: %s", consumer.durable, tenant, err)

    def _check(self, consumer: Consumer, msg: Msg) -> _Work | None:
        """The message as work for the handler, None when it needs no handler; raises when it is poison."""
        relative = msg.subject.removeprefix(f"{self._root}.")
        if consumer.check_subject is not None:
            consumer.check_subject(relative)
        if consumer.handler is None and consumer.batch_handler is None:
            return None
        event = cloudevents.decode(msg.data)
        if not isinstance(event["id"], str):
            raise InvalidArgument("CloudEvent id must be a string")
        tenant = _tenant_of(msg.subject, event)
        delivered = _deliveries(msg)
        if delivered > self._give_up_after:
            # Delivered before without an outcome (the process died in its handler, or the dead-letter
            # publish failed): stop handing it to the handler.
            raise InvalidArgument(f"delivered {delivered} times without being handled")
        return _Work(msg, tenant, event, applied_key(consumer.durable, tenant, event["id"]))

    async def _apply_batch(
        self, consumer: Consumer, work: list[_Work], seen: set[str], applied: list[Applied], done: list[Msg]
    ) -> None:
        """Hand each tenant's new events to the batch handler at once; settle each by its own outcome."""
        assert consumer.batch_handler is not None
        by_tenant: dict[str, list[_Work]] = {}
        for w in work:
            if w.key in seen:
                done.append(w.msg)  # already applied (a redelivery)
            else:
                by_tenant.setdefault(w.tenant, []).append(w)
        for tenant, items in by_tenant.items():
            with tracer().start_as_current_span(
                f"process batch {consumer.filter_subject}", kind=SpanKind.CONSUMER
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.consumer.group.name", consumer.durable)
                span.set_attribute("messaging.batch.message_count", len(items))
                span.set_attribute("crm.tenant.id", tenant)
                try:
                    async with asyncio.timeout(consumer.timeout):
                        outcomes = await consumer.batch_handler(tenant, [w.event for w in items])
                    if len(outcomes) != len(items):
                        raise RuntimeError(
                            f"batch handler gave {len(outcomes)} outcomes for {len(items)} events"
                        )
                except Exception as err:
                    if isinstance(err, TimeoutError):
                        err = TimeoutError(f"batch handler took longer than its {consumer.timeout:g} s limit")
                    span.record_exception(err)
                    span.set_status(Status(StatusCode.ERROR, deadletter.error_text(err)))
                    outcomes = [err] * len(items)
            for w, outcome in zip(items, outcomes, strict=True):
                if outcome is None:
                    applied.append(Applied(w.key, w.tenant))
                    done.append(w.msg)
                else:
                    await self._failed(consumer, w.msg, outcome, event_id=w.event["id"])

    async def _apply(self, consumer: Consumer, w: _Work) -> bool:
        """Run the handler for one event under its time limit; False (and the failure handled) if it failed."""
        assert consumer.handler is not None
        parent = extract_context(w.msg.headers)
        with tracer().start_as_current_span(
            f"process {w.msg.subject}", context=parent, kind=SpanKind.CONSUMER
        ) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.consumer.group.name", consumer.durable)
            span.set_attribute("crm.tenant.id", w.tenant)
            try:
                try:
                    async with asyncio.timeout(consumer.timeout):
                        await consumer.handler(w.tenant, w.event)
                except TimeoutError:
                    raise TimeoutError(f"handler took longer than its {consumer.timeout:g} s limit") from None
            except Exception as err:
                span.record_exception(err)
                span.set_status(Status(StatusCode.ERROR, deadletter.error_text(err)))
                await self._failed(consumer, w.msg, err, event_id=w.event["id"])
                return False
        return True

    async def _failed(self, consumer: Consumer, msg: Msg, err: Exception, *, event_id: str = "") -> None:
        delivered = _deliveries(msg)
        if isinstance(err, ConnectionFailure) and delivered < self._give_up_after:
            # Not the message's fault: retry it once the database answers (see _await_database).
            log.warning(
                "%s: database unreachable (%s); pausing", consumer.durable, deadletter.error_text(err)
            )
            self._database_down = True
            await _settle(msg, "nak", delay=DATABASE_RETRY_SECONDS)
            return
        # Bad input will not get better by retrying; a peer that did not answer (Unavailable) may.
        permanent = isinstance(err, DomainError) and not err.retryable
        if not (permanent or delivered >= self._max_deliver):
            log.warning(
                "handler %s failed (delivery %d): %s", consumer.durable, delivered, deadletter.error_text(err)
            )
            await _settle(msg, "nak", delay=min(0.2 * 2**delivered, 10))
            return
        record = deadletter.dead_letter_record(
            consumer=consumer.durable,
            msg=msg,
            deliveries=delivered,
            error=deadletter.error_text(err),
            event_id=event_id,
        )
        subject = f"{self._root}.dlq.{self._service}"
        try:
            await self._js.publish(
                subject, deadletter.encode_record(record), headers=deadletter.trace_headers(msg) or None
            )
        except Exception:
            log.exception(
                "dead-letter publish failed for %s seq %s; retrying later",
                msg.subject[:256],
                record["stream_seq"],
            )
            await _settle(msg, "nak", delay=DEAD_LETTER_RETRY_SECONDS)
            return
        log.error(
            "dead-lettered %s seq %s: %s",
            record["subject"],
            record["stream_seq"],
            record["error"],
            extra={"fields": {"dlq_subject": subject, "consumer": consumer.durable}},
        )
        await _settle(msg, "ack")


def _deliveries(msg: Msg) -> int:
    meta = deadletter.metadata_of(msg)
    return meta.num_delivered if meta else 1


def _tenant_of(subject: str, event: dict[str, Any]) -> str:
    parts = subject.split(".")
    tenant = parts[2] if len(parts) > 2 else ""
    if not is_valid_tenant(tenant):
        raise InvalidArgument(f"subject {subject[:256]!r} does not name a valid tenant")
    claimed = event.get("tenantid")
    if claimed and claimed != tenant:
        raise InvalidArgument(
            f"event tenantid {str(claimed)[:128]!r} does not match subject tenant {tenant!r}"
        )
    return tenant


async def _settle(msg: Msg, how: str, *, delay: float | None = None) -> None:
    """Ack or nak, logging instead of raising: a lost ack only means a redelivery, which is handled."""
    try:
        if how == "ack":
            await msg.ack()
        else:
            await msg.nak(delay=delay)
    except Exception:
        log.warning("could not %s %s", how, msg.subject[:256], exc_info=True)


async def _keep_alive(msgs: list[Msg]) -> None:
    for msg in msgs:
        with contextlib.suppress(Exception):
            await msg.in_progress()


async def _ack_all(msgs: list[Msg]) -> None:
    for msg in msgs:
        await _settle(msg, "ack")
