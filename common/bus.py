"""NATS JetStream: streams, CloudEvents publishing, and what a durable consumer is (`Consumer`).

`common.consumers.ConsumerRunner` runs consumers; `common.deadletter` shapes what the DLQ receives.

Subjects (root `crm` by default; tests use their own root so runs never see each other's messages):
  <root>.evt.<tenant>.<service>.<event>   domain events          stream <ROOT>_EVT
  <root>.in.<tenant>.<kind>               inbound ingest         stream <ROOT>_IN
  <root>.dlq.<service>                    failed messages        stream <ROOT>_DLQ
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError
from opentelemetry.trace import SpanKind

from common import cloudevents
from common.errors import InvalidArgument
from common.nats_auth import inbox_prefix as nats_inbox_prefix
from common.telemetry import inject_headers, tracer

log = logging.getLogger(__name__)
DAY = 24 * 3600
STREAM_MAX_AGE = 7 * DAY  # of the event and ingest streams; also how long consumers remember applied ids
EVENT_DUPLICATE_WINDOW = 600
INGEST_MAX_MESSAGE_BYTES = 1024 * 1024


def stream_name(root: str, kind: str) -> str:
    return f"{root.upper().replace('-', '_')}_{kind.upper()}"


async def connect(
    url: str, *, name: str, user: str = "", password: str = "", inbox_prefix: str | None = None
) -> NATS:
    """Connect with unlimited reconnects: a NATS restart must not take a service down.

    `user`/`password` authenticate (credentials in the URL work too). Replies and pull-consumer
    deliveries arrive below the user's own inbox prefix (`_INBOX.<user>`), the only inbox subtree its
    permissions allow (common/nats_auth.py); pass `inbox_prefix` to override.
    """
    user = user or (urlsplit(url).username or "")
    options: dict[str, Any] = {}
    if user and password:
        options.update(user=user, password=password)
    prefix = inbox_prefix or (nats_inbox_prefix(user) if user else None)
    if prefix:
        options["inbox_prefix"] = prefix
    return await nats.connect(
        url, name=name, max_reconnect_attempts=-1, connect_timeout=5, drain_timeout=5, **options
    )


async def close_quietly(nc: NATS) -> None:
    """Drain (deliver what is in flight) and close, whatever state the connection is in.

    `drain()` refuses a connection that is reconnecting (NATS is down), and a connection left open
    then reconnects for ever: close it explicitly, so stopping never leaks a reconnecting client.
    """
    with contextlib.suppress(Exception):
        await nc.drain()
    if not nc.is_closed:
        with contextlib.suppress(Exception):
            await nc.close()


async def ensure_streams(
    js: JetStreamContext, *, root: str, replicas: int = 1, ingest_max_bytes: int = INGEST_MAX_MESSAGE_BYTES
) -> None:
    """Create (or update to) the three streams; idempotent, so every service may call it at start.

    The event stream de-duplicates by Nats-Msg-Id for 10 minutes, long enough to cover an outbox relay
    that retries a publish after a crash or a NATS restart. The ingest stream refuses a message above
    `ingest_max_bytes` (the publisher gets an error), so no partner can hand a consumer an oversized body.
    """
    configs = [
        StreamConfig(
            name=stream_name(root, "evt"),
            subjects=[f"{root}.evt.>"],
            max_age=STREAM_MAX_AGE,
            duplicate_window=EVENT_DUPLICATE_WINDOW,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=stream_name(root, "in"),
            subjects=[f"{root}.in.>"],
            max_age=STREAM_MAX_AGE,
            duplicate_window=120,
            max_msg_size=ingest_max_bytes,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=stream_name(root, "dlq"), subjects=[f"{root}.dlq.>"], max_age=30 * DAY, num_replicas=replicas
        ),
    ]
    for config in configs:
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)


class EventPublisher:
    """Publishes a service's domain events as CloudEvents with de-duplication and trace headers."""

    def __init__(self, js: JetStreamContext, *, root: str, service: str) -> None:
        self._js = js
        self._root = root
        self._service = service

    def subject(self, tenant: str, event: str) -> str:
        return f"{self._root}.evt.{tenant}.{self._service}.{event}"

    async def publish(
        self,
        *,
        tenant: str,
        event: str,
        data: dict[str, Any],
        subject_id: str = "",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """Publish one event and await the stream's ack; returns the CloudEvent that was sent."""
        envelope = cloudevents.make_event(
            type=cloudevents.domain_event_type(self._service, event),
            source=f"crm/{self._service}",
            tenant=tenant,
            data=data,
            subject=subject_id,
            event_id=event_id,
        )
        await publish_event(self._js, self.subject(tenant, event), envelope)
        return envelope

    async def publish_many(self, items: list[tuple[str, str, dict[str, Any], str]]) -> None:
        """Publish (tenant, event, data, subject_id) items concurrently; far faster than one by one."""
        await asyncio.gather(*(self.publish(tenant=t, event=e, data=d, subject_id=s) for t, e, d, s in items))


async def publish_event(js: JetStreamContext, subject: str, envelope: dict[str, Any]) -> None:
    """Publish a CloudEvent on `subject`; its id doubles as Nats-Msg-Id, so re-sends are dropped."""
    with tracer().start_as_current_span(f"publish {subject}", kind=SpanKind.PRODUCER) as span:
        span.set_attribute("messaging.system", "nats")
        span.set_attribute("messaging.destination.name", subject)
        span.set_attribute("crm.event.type", envelope["type"])
        headers = inject_headers(
            {"Nats-Msg-Id": envelope["id"], "Content-Type": "application/cloudevents+json"}
        )
        await js.publish(subject, cloudevents.encode(envelope), headers=headers)


async def fetch_soon(sub: JetStreamContext.PullSubscription, batch: int, *, wait: float) -> list[Any]:
    """Up to `batch` messages, returned as soon as at least one is there and the backlog is taken.

    nats-py's `fetch(batch)` returns at once what is already pending, but when nothing is, its
    lingering pull waits until `batch` messages arrived or `timeout` passed: at a trickle every
    message waited up to the whole timeout (a second replica's index lagged ~0.65 s at p50). So wait
    for one message, then take what the stream already holds for this consumer, up to `batch`: each
    message says how many were still pending behind it (`num_pending` in its metadata), so a backlog
    is fetched whole instead of in slices of whatever reached the client within a fixed few
    milliseconds (intent ingest batches were ~900 of a possible 2,000 that way, each costing one
    aggregate write per customer); then one short drain takes redeliveries, which `num_pending`
    does not count. Raises TimeoutError (or nats' subclass) when nothing came within `wait`
    seconds, like `fetch`.
    """
    msgs = list(await sub.fetch(1, timeout=wait))
    drained = False
    while len(msgs) < batch:
        behind = _pending_behind(msgs[-1])
        if behind <= 0 and drained:
            break
        want = batch - len(msgs)
        try:
            if behind > 0:
                more = await sub.fetch(min(want, behind), timeout=BACKLOG_SECONDS)
            else:
                # Redeliveries are not counted in `num_pending`: give what arrives within a few
                # milliseconds (e.g. a whole failed batch coming back) one short chance to join.
                more = await sub.fetch(want, timeout=DRAIN_SECONDS)
        except Exception:  # nothing more came (a timeout), or another replica took it first
            break
        drained = behind <= 0
        if not more:
            break
        msgs.extend(more)
    return msgs


def _pending_behind(msg: Any) -> int:
    """How many messages the consumer still had undelivered after `msg` (0 when unknown)."""
    try:
        return int(msg.metadata.num_pending or 0)
    except Exception:  # not a JetStream message (no ack subject): nothing known behind it
        return 0


# How long `fetch_soon` waits for a backlog it was told is there (another replica may take it first),
# and how long it lets whatever else arrives join a batch when nothing was said to be pending.
BACKLOG_SECONDS = 0.25
DRAIN_SECONDS = 0.01

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]
SubjectCheck = Callable[[str], None]
# (tenant, events of one pulled batch) -> None; see Consumer.prepare.
BatchPrepare = Callable[[str, list[dict[str, Any]]], Awaitable[None]]
# (tenant, events of one pulled batch) -> one outcome per event, in order: None (applied) or the error
# that event failed with; see Consumer.batch_handler.
BatchHandler = Callable[[str, list[dict[str, Any]]], Awaitable[list[Exception | None]]]

# The kinds of `<root>.in.<tenant>.<kind>` some service consumes. A message of any other kind (or with
# extra tokens) is dead-lettered by the one catch-all consumer, `unknown_ingest_consumer`.
INGEST_KINDS = frozenset({"signals", "touchpoints", "conversations"})


@dataclass(frozen=True, kw_only=True)
class Consumer:
    """A durable pull consumer: `handler(tenant, event)` is called once per event, acked on success.

    Each handler call has `timeout` seconds; one that takes longer counts as a failure. A failure is
    retried with back-off up to `max_deliver` deliveries, then published to <root>.dlq.<service> with the
    error and acknowledged, never silently dropped; a malformed message (or a DomainError) goes there at
    once. An event id the consumer already applied is acknowledged without calling the handler again.
    `check_subject`, when given, sees the subject (without the root) before anything else and raises a
    DomainError to dead-letter it; a consumer without a handler only checks subjects.
    """

    durable: str
    stream_kind: str  # "evt" or "in"
    filter_subject: str  # relative to the root, e.g. "evt.*.intent.level_changed"
    handler: Handler | None
    batch: int = 64
    timeout: float = 20.0
    check_subject: SubjectCheck | None = None
    # Called once per pulled batch and tenant with the events about to be handled, before any
    # handler: lets a consumer look up what the whole batch needs in one round trip (e.g. which
    # customers exist, common/customers.py). Its failures are logged; the handlers still run.
    prepare: BatchPrepare | None = None
    # Instead of `handler`: called once per pulled batch and tenant with all its new events, so a
    # consumer can coalesce their writes (one write per customer per batch). It returns one outcome per
    # event; a failed event is retried or dead-lettered like a failed handler call, alone. If the call
    # itself raises or times out, every event of that call failed with that error.
    batch_handler: BatchHandler | None = None
    # Whether the runner records applied event ids (common/inbox.py) to skip redeliveries. A consumer
    # whose effects are idempotent by a key of their own (e.g. signal ids) can save those two round
    # trips per batch by saying False.
    remember_applied: bool = True
    # Batches processed at once: more than 1 pulls and decodes the next batch while earlier ones wait on
    # the database. Only for handlers that stay correct when batches overlap (intent's ingest: per-
    # customer locks and compare-and-set writes); acks and dead-lettering stay per message.
    in_flight: int = 1


def unknown_ingest_consumer(*, durable: str) -> Consumer:
    """The catch-all of `<root>.in.>`: acks the known ingest kinds at once (their own consumers handle
    them) and dead-letters every other subject, so an unknown kind can no longer sit in the stream unseen.
    Exactly one service registers it (leads), so each such message is dead-lettered once."""
    return Consumer(
        durable=durable,
        stream_kind="in",
        filter_subject="in.>",
        handler=None,
        batch=256,
        check_subject=_known_ingest_subject,
    )


def _known_ingest_subject(subject: str) -> None:
    parts = subject.split(".")
    if len(parts) == 3 and parts[2] in INGEST_KINDS:
        return
    kind = ".".join(parts[2:]) or "(none)"
    raise InvalidArgument(
        f"unknown ingest kind {kind!r}: nothing consumes it; publish to in.<tenant>.<kind> with kind one of "
        f"{', '.join(sorted(INGEST_KINDS))}"
    )
