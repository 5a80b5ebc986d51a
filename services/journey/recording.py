"""Recording a touchpoint: store it, move progress, publish what changed. Shared by RPC and ingest.

Order matters for retries: the touchpoint is stored first under a tenant-unique id, then progress is
moved. A re-sent id finds the stored touchpoint and re-applies it to progress, which changes nothing
(the progress rules are idempotent) unless an earlier attempt stopped between the two writes, in
which case it completes that attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.journey.events import JourneyEvents
from services.journey.progress import Progress, apply_touch, progress_view, stage_change, touch_of
from services.journey.store import JourneyStore
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """The outcome a caller sees: the stored touchpoint, progress after it, and whether the stage moved."""

    touchpoint: Touchpoint
    progress: Progress
    stage_changed: bool


class TouchpointRecorder:
    """Records validated touchpoints for a tenant onto that tenant's journey."""

    def __init__(self, *, store: JourneyStore, events: JourneyEvents) -> None:
        self._store = store
        self._events = events

    async def record(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> Recorded:
        """Store `touchpoint` (idempotent by id), apply it to progress and publish the events."""
        stored, is_new = await self._store.add_touchpoint(tenant, touchpoint, journey=journey.key)
        touch = touch_of(stored, journey)
        before = await self._store.apply_touch(tenant, stored.customer_id, journey=journey.key, touch=touch)
        after = apply_touch(before, touch)
        change = stage_change(before, after, touch, journey)
        await self._events.after_record(
            tenant, touchpoint=stored, is_new=is_new, journey=journey, change=change
        )
        return Recorded(
            touchpoint=stored,
            progress=progress_view(stored.customer_id, after, journey),
            stage_changed=change is not None,
        )
