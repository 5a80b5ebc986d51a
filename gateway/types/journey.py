"""The customer's journey: stages reached and the touchpoint timeline (from the journey service)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from crm.journey.v1 import journey_pb2

from common.timeutil import from_timestamp
from gateway.context import GatewayInfo
from gateway.paging import page_after
from gateway.types.enums import TimelineEntryKind, from_proto_enum, to_proto_enum
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size


@strawberry.type
class StageReached:
    stage: str
    first_reached_at: datetime | None


@strawberry.type(description="An id a timeline entry's source event names, e.g. conversation_id")
class TimelineRef:
    name: str
    id: strawberry.ID


@strawberry.type(
    description="An entry on the customer's timeline: a touchpoint, or another service's event (its kind)"
)
class Touchpoint:
    id: strawberry.ID
    customer_id: strawberry.ID
    type: str
    channel: str
    occurred_at: datetime | None
    actor: str
    notes: str
    stage: str = strawberry.field(description='The stage this touchpoint implies, "" if none')
    kind: TimelineEntryKind | None = strawberry.field(
        default=TimelineEntryKind.TOUCHPOINT,
        description="A touchpoint, or another service's event on the timeline (e.g. an intent surge)",
    )
    summary: str = strawberry.field(
        default="",
        description='A line for people, e.g. "听到: 预算 20万, 极简风" or "意向 MEDIUM → HIGH: …"',
    )
    source_event_id: strawberry.ID | None = strawberry.field(
        default=None, description="The CloudEvent id a projected entry was made from; null for a touchpoint"
    )
    refs: list[TimelineRef] = strawberry.field(
        default_factory=list,
        description="The ids the source event names (conversation_id, tag_key, history_id, owner_id, …)",
    )

    @classmethod
    def from_proto(cls, message: journey_pb2.Touchpoint) -> Touchpoint:
        return cls(
            id=strawberry.ID(message.id),
            customer_id=strawberry.ID(message.customer_id),
            type=message.type,
            channel=message.channel,
            occurred_at=from_timestamp(message.occurred_at),
            actor=message.actor,
            notes=message.notes,
            stage=message.stage,
            kind=from_proto_enum(TimelineEntryKind, message.kind) or TimelineEntryKind.TOUCHPOINT,
            summary=message.summary,
            source_event_id=strawberry.ID(message.source_event_id) if message.source_event_id else None,
            refs=[TimelineRef(name=r.name, id=strawberry.ID(r.id)) for r in message.refs],
        )


@strawberry.type
class TouchpointEdge:
    node: Touchpoint
    cursor: str


@strawberry.type
class TouchpointConnection:
    edges: list[TouchpointEdge]
    page_info: PageInfo


@strawberry.type(description="A move of the current stage (forward, or back)")
class StageMove:
    at: datetime | None
    stage: str


@strawberry.type(
    description="Where the customer stands on one of the tenant's journeys (its default: 5A unless set)"
)
class JourneySummary:
    customer_id: strawberry.Private[str]
    journey: str
    stage: str = strawberry.field(description="Stage implied by the most recent stage-bearing touchpoint")
    furthest_stage: str
    reached: list[StageReached]
    last_touch_at: datetime | None
    version: int = strawberry.field(description="The journey version this progress was last measured against")
    entered_at: datetime | None = strawberry.field(description="When the current stage was entered")
    moves: list[StageMove] = strawberry.field(
        description="Moves of the current stage, oldest first (the last 50): a move back is kept here, "
        "while the funnel still counts the furthest stage reached"
    )

    @classmethod
    def from_proto(cls, message: journey_pb2.Progress) -> JourneySummary:
        return cls(
            customer_id=message.customer_id,
            journey=message.journey,
            stage=message.current_stage,
            furthest_stage=message.furthest_stage,
            reached=[
                StageReached(stage=r.stage, first_reached_at=from_timestamp(r.first_reached_at))
                for r in message.reached
            ],
            last_touch_at=from_timestamp(message.last_touch_at),
            version=message.version or 1,
            entered_at=from_timestamp(message.entered_at) if message.HasField("entered_at") else None,
            moves=[StageMove(at=from_timestamp(m.at), stage=m.stage) for m in message.moves],
        )

    @strawberry.field(
        description="Touchpoints and other services' facts (conversations, tag changes, intent, lead "
        "events), newest first by when they happened; `kinds` keeps only those kinds"
    )
    async def timeline(
        self,
        info: GatewayInfo,
        first: int = 20,
        after: str | None = None,
        kinds: list[TimelineEntryKind] | None = None,
    ) -> TouchpointConnection:
        settings = info.context.settings
        require_page_size(first, maximum=settings.max_page_size)
        caller = info.context.caller

        async def fetch(token: str, size: int) -> tuple[list[journey_pb2.Touchpoint], str]:
            request = journey_pb2.ListTimelineRequest(
                customer_id=self.customer_id,
                page_size=size,
                page_token=token,
                kinds=[cast(journey_pb2.TimelineEntryKind, to_proto_enum(k)) for k in kinds or ()],
            )
            reply = await caller.call("journey", "ListTimeline", request)
            return list(reply.touchpoints), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=settings.max_page_size)
        return TouchpointConnection(
            edges=[TouchpointEdge(node=Touchpoint.from_proto(t), cursor=c) for t, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class RecordTouchpointPayload:
    touchpoint: Touchpoint
    stage_changed: bool
    journey: JourneySummary | None

    @classmethod
    def from_proto(cls, message: journey_pb2.RecordTouchpointResponse) -> RecordTouchpointPayload:
        return cls(
            touchpoint=Touchpoint.from_proto(message.touchpoint),
            stage_changed=message.stage_changed,
            journey=JourneySummary.from_proto(message.progress) if message.HasField("progress") else None,
        )
