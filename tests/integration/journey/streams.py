"""Reading what the journey service put on the events stream, in stream order (what a durable
partner consumer sees), rather than what a core subscription happened to catch."""

from __future__ import annotations

import json
from typing import Any

from common import bus
from tests.integration.journey.helpers import Journey, eventually


async def stream_count(journey: Journey) -> int:
    info = await journey.js.stream_info(bus.stream_name(journey.namespace, "evt"))
    return int(info.state.messages)


async def wait_for_stream_count(journey: Journey, count: int, *, within: float = 30.0) -> None:
    """Wait until the events stream holds `count` messages; fail if it holds more, or too few in time."""

    async def enough() -> bool:
        return await stream_count(journey) >= count

    await eventually(enough, within=within)
    seen = await stream_count(journey)
    assert seen == count, f"{seen} events on the stream, expected {count}"


async def stream_events(journey: Journey) -> list[dict[str, Any]]:
    name = bus.stream_name(journey.namespace, "evt")
    info = await journey.js.stream_info(name)
    if info.state.messages == 0:
        return []
    events = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await journey.js.get_msg(name, seq)
        assert msg.data is not None
        events.append(json.loads(msg.data))
    return events


async def customer_events(journey: Journey, customer_id: str, event: str) -> list[dict[str, Any]]:
    """One customer's events of one kind, in stream order."""
    kind = f"crm.journey.{event}.v1"
    return [e for e in await stream_events(journey) if e["type"] == kind and e["subject"] == customer_id]
