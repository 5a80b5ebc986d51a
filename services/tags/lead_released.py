"""The tags service's consumer of the leads service's `released` events: the `lead.lost_reason` tag.

Durable `tags-lead-released` on `<root>.evt.*.leads.released`. Each event assigns the release's
reason through the one write door (`TagOperations.assign` → `write`), so history, events, segment
membership and the index follow as for any assignment. Redelivery finds the same value active and
changes nothing; a later release replaces the value (the tag holds the latest reason).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common.bus import Consumer
from services.tags.assignments import lost_reason

if TYPE_CHECKING:
    from services.tags.operations import TagOperations

DURABLE = "tags-lead-released"


def lead_released_consumer(ops: TagOperations) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        released = lost_reason.parse_released(event)
        await ops.ensure_system_tag(tenant, lost_reason.system_definition())
        await ops.assign(
            tenant,
            released.customer_id,
            [released.as_input()],
            roles=None,
            actor=lost_reason.ACTOR,
            reason=f"released: {released.note}" if released.note else "released",
        )

    return Consumer(durable=DURABLE, stream_kind="evt", filter_subject="evt.*.leads.released", handler=handle)
