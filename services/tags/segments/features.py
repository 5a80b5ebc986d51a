"""Tag features for look-alike scoring (leads' recovery search): counts within a set, and members' features.

A *feature* is what a customer can share with won customers: having a tag (flag, number, text and
date tags: the value of a number or a date says little on its own and would split counts thin), or
one value of an enum tag (`industry = 餐饮` and `industry = 制造` mean different customers). Both
answers come from the Roaring index: a count is one `intersection_cardinality` per feature, and a
page of members gets its features column-wise from one AND per feature with the page's bitmap, so
the cost grows with the features in use and the assignments on the page, never with the tenant.

The scoring itself (lift, smoothing, the combined score) lives with its only user, the leads
service (`services/leads/lookalike.py`); this module only counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyroaring import BitMap

from services.tags.segments.index import TagIndex
from services.tags.segments.names import TagNames


@dataclass(frozen=True)
class Feature:
    """A tag feature and the customers who have it now (the index's own bitmap: never mutate)."""

    tag_key: str
    value: str  # "" = having the tag at all
    tag_name: str
    members: BitMap


def features(index: TagIndex, tenant: str, names: TagNames) -> Iterator[Feature]:
    """The tenant's tag features in use, by tag key then value (enum tags per value)."""
    for key in index.tag_keys(tenant):
        definition = names.by_key.get(key)
        name = definition.display_name if definition is not None else key
        if definition is not None and definition.value_type == "enum":
            for value, members in sorted(index.value_bitmaps(tenant, key).items()):
                if members:
                    yield Feature(key, value, name, members)
        else:
            yield Feature(key, "", name, index.has(tenant, key))


# (feature, customers with it, of those in the `within` set)
FeatureCount = tuple[Feature, int, int]


def count_within(index: TagIndex, tenant: str, names: TagNames, within: BitMap) -> list[FeatureCount]:
    """(feature, customers with it, of those in `within`) for every feature in use."""
    return [
        (f, len(f.members), f.members.intersection_cardinality(within))
        for f in features(index, tenant, names)
    ]


def page_features(
    index: TagIndex, tenant: str, names: TagNames, page: list[int]
) -> list[tuple[Feature, list[int]]]:
    """Column-wise features of one page: (feature, positions in `page` of the customers holding it),
    for the features someone on the page holds. One bitmap AND per feature in use."""
    wanted = BitMap(page)
    position = {number: i for i, number in enumerate(page)}
    columns: list[tuple[Feature, list[int]]] = []
    for feature in features(index, tenant, names):
        held = feature.members & wanted
        if held:
            columns.append((feature, [position[n] for n in held]))
    return columns
