"""Request builders shared by the tags integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from crm.tags.v1 import tags_pb2

from tests.support.events import Collector

T = tags_pb2


def enum_tag(key: str, values: list[str], *, group: str = "", exclusive: bool = False) -> T.DefineTagRequest:
    return T.DefineTagRequest(
        definition=T.TagDefinition(
            key=key,
            display_name=key,
            group=group,
            category=T.TAG_CATEGORY_BASIC,
            value_type=T.TAG_VALUE_TYPE_ENUM,
            allowed_values=values,
            exclusive=exclusive,
        )
    )


def flag_tag(
    key: str, *, group: str = "", exclusive: bool = False, display_name: str = ""
) -> T.DefineTagRequest:
    return T.DefineTagRequest(
        definition=T.TagDefinition(
            key=key,
            display_name=display_name or key,
            group=group,
            category=T.TAG_CATEGORY_MARKETING,
            value_type=T.TAG_VALUE_TYPE_FLAG,
            exclusive=exclusive,
        )
    )


def assign(customer_id: str, *items: tuple[str, str] | T.TagAssignmentInput) -> T.AssignTagsRequest:
    inputs = [
        item
        if isinstance(item, T.TagAssignmentInput)
        else T.TagAssignmentInput(tag_key=item[0], value=item[1])
        for item in items
    ]
    return T.AssignTagsRequest(customer_id=customer_id, tags=inputs)


def active(response: T.ListCustomerTagsResponse) -> dict[str, str]:
    return {t.tag_key: t.value for t in response.tags}


async def wait_for_events(
    collector: Collector, match: Callable[[dict[str, Any]], bool], count: int, within: float = 10.0
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """The (event, headers) pairs that match, once at least `count` have arrived."""
    async with asyncio.timeout(within):
        while True:
            found = [(e, h) for e, h in zip(collector.events, collector.headers, strict=True) if match(e)]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
