"""NATS JetStream: streams, CloudEvents publishing, and durable pull consumers with a dead-letter subject.

Subjects (root `crm` by default; tests use their own root so runs never see each other's messages):
  <root>.evt.<tenant>.<service>.<event>   domain events          stream <ROOT>_EVT
  <root>.in.<tenant>.<kind>               inbound ingest         stream <ROOT>_IN
  <root>.dlq.<service>                    failed messages        stream <ROOT>_DLQ
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import BadRequestError
from opentelemetry.trace import SpanKind, Status, StatusCode

from common import cloudevents
from common.errors import DomainError, InvalidArgument
from common.ids import is_valid_tenant
from common.nats_auth import inbox_prefix as nats_inbox_prefix
from common.telemetry import extract_context, inject_headers, tracer

log = logging.getLogger(__name__)
DAY = 24 * 3600


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


async def ensure_streams(js: JetStreamContext, *, root: str, replicas: int = 1) -> None:
    """Create (or update to) the three streams; idempotent, so every service may call it at start."""
    configs = [
        StreamConfig(
            name=stream_name(root, "evt"),
            subjects=[f"{root}.evt.>"],
            max_age=7 * DAY,
            duplicate_window=120,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=stream_name(root, "in"),
            subjects=[f"{root}.in.>"],
            max_age=7 * DAY,
            duplicate_window=120,
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


Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class Consumer:
    """A durable pull consumer: `handler(tenant, event)` is called once per message, acked on success.

    Handlers must be idempotent (JetStream delivers at least once). A message whose handler keeps
    failing is retried with back-off up to `max_deliver` times, then published to <root>.dlq.<service>
    with the error and acknowledged, never silently dropped. A malformed message goes there at once.
    """

    durable: str
    stream_kind: str  # "evt" or "in"
    filter_subject: str  # relative to the root, e.g. "evt.*.intent.level_changed"
    handler: Handler
    batch: int = 64


class ConsumerRunner:
    """Runs consumers as background tasks and stops them cleanly."""

    def __init__(self, js: JetStreamContext, *, root: str, service: str, max_deliver: int = 5) -> None:
        self._js = js
        self._root = root
        self._service = service
        self._max_deliver = max_deliver
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriptions: list[JetStreamContext.PullSubscription] = []
        self._stopping = asyncio.Event()

    async def start(self, consumer: Consumer) -> None:
        subject = f"{self._root}.{consumer.filter_subject}"
        sub = await self._js.pull_subscribe(
            subject,
            durable=consumer.durable,
            stream=stream_name(self._root, consumer.stream_kind),
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=self._max_deliver,
                ack_wait=30,
                filter_subject=subject,
            ),
        )
        self._subscriptions.append(sub)
        self._tasks.append(
            asyncio.create_task(self._loop(consumer, sub), name=f"consumer:{consumer.durable}")
        )

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # An open pull subscription makes the connection's drain wait for its full timeout.
        for sub in self._subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._tasks.clear()
        self._subscriptions.clear()

    async def _loop(self, consumer: Consumer, sub: JetStreamContext.PullSubscription) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await sub.fetch(consumer.batch, timeout=1)
            except (NatsTimeout, TimeoutError):  # an idle fetch; nats-py raises either class
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fetch failed on %s; retrying", consumer.durable)
                await asyncio.sleep(1)
                continue
            for msg in msgs:
                await self._handle(consumer, msg)

    async def _handle(self, consumer: Consumer, msg: Msg) -> None:
        parent = extract_context(msg.headers)
        span_name = f"process {msg.subject}"
        with tracer().start_as_current_span(span_name, context=parent, kind=SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.consumer.group.name", consumer.durable)
            try:
                event = cloudevents.decode(msg.data)
                tenant = self._tenant_of(msg.subject, event)
                span.set_attribute("crm.tenant.id", tenant)
                await consumer.handler(tenant, event)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                span.record_exception(err)
                span.set_status(Status(StatusCode.ERROR, str(err)))
                await self._failed(consumer, msg, err)
                return
            await msg.ack()

    def _tenant_of(self, subject: str, event: dict[str, Any]) -> str:
        parts = subject.split(".")
        tenant = parts[2] if len(parts) > 2 else ""
        if not is_valid_tenant(tenant):
            raise InvalidArgument(f"subject {subject!r} does not name a valid tenant")
        claimed = event.get("tenantid")
        if claimed and claimed != tenant:
            raise InvalidArgument(f"event tenantid {claimed!r} does not match subject tenant {tenant!r}")
        return tenant

    async def _failed(self, consumer: Consumer, msg: Msg, err: Exception) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        permanent = isinstance(err, DomainError)  # bad input will not get better by retrying
        if permanent or delivered >= self._max_deliver:
            await self._dead_letter(consumer, msg, err, delivered)
            await msg.ack()
            return
        log.warning("handler %s failed (delivery %d): %s", consumer.durable, delivered, err)
        await msg.nak(delay=min(0.2 * 2**delivered, 10))

    async def _dead_letter(self, consumer: Consumer, msg: Msg, err: Exception, delivered: int) -> None:
        subject = f"{self._root}.dlq.{self._service}"
        body = {
            "consumer": consumer.durable,
            "subject": msg.subject,
            "deliveries": delivered,
            "error": f"{type(err).__name__}: {err}",
            "payload": msg.data.decode(errors="replace"),
        }
        headers = dict(msg.headers or {})
        headers.pop("Nats-Msg-Id", None)
        log.error(
            "dead-lettered message from %s: %s", msg.subject, err, extra={"fields": {"dlq_subject": subject}}
        )
        await self._js.publish(subject, json.dumps(body, ensure_ascii=False).encode(), headers=headers)
