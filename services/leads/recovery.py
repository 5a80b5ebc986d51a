"""Recovery search: leads nobody is winning, by tag expression, best look-alikes of won customers first.

One request: (1) per-feature counts within the won set from the tags service's index, turned into
smoothed lifts (`lookalike.feature_lifts`); (2) every member of the person's expression with its
features, a thousand per call; (3) the candidates among them scored (`lookalike.fit`), ranked by
score then id, and the asked page cut after the cursor; (4) their profiles in one query. The ranking
is recomputed per page (nothing is cached), so a page token is a position in the order — (score,
id) — not an offset: a lead whose tags changed meanwhile moves, the rest neither skip nor repeat.

Two choices are each one function:
- **who is won** (`WON_CONDITIONS`, `won_expression`, `is_won_feature`): a customer whose leads status
  is `won` — the system tag `lead.status` the tags service keeps from leads' `customer_updated`
  (services/tags/lead_status.py) — OR who holds `deal.won_product` (the tags service turns journey's
  signed/paid deals into it: services/tags/deal_won.py). A tenant whose library lacks one of the two
  tags yet (nothing moved to won, no deal signed) is judged by the other alone.
- **who is a candidate** (`is_candidate`): every customer who is not won.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from common.paging import decode_cursor, encode_cursor
from services.leads.lookalike import FeatureKey, Fit, Lift, feature_lifts, features_at, fit, score_columns
from services.leads.store import CustomerStore
from services.leads.tags_client import MemberPage, TagsClient

# The conditions that make a customer won, as segment text, by the tag each needs in the library.
WON_CONDITIONS = {"lead.status": "lead.status = won", "deal.won_product": "deal.won_product"}
# Left out of the lifts: they say who is won, so they cannot explain why a lead looks like the won.
WON_TAG_KEYS = frozenset(WON_CONDITIONS)


def won_expression(keys: Iterable[str] = WON_CONDITIONS) -> str:
    """The tag expression of the won customers (of the conditions whose tag `keys` names)."""
    return " OR ".join(WON_CONDITIONS[k] for k in WON_CONDITIONS if k in set(keys))


def is_won_feature(feature: FeatureKey) -> bool:
    """Whether holding `feature` makes a customer won (the same set as `won_expression`)."""
    key, value = feature
    return key == "deal.won_product" or (key == "lead.status" and value == "won")


def candidate_positions(page: MemberPage) -> list[int]:
    """The positions on a page of the customers who may be recovered (see the module docstring)."""
    won = {p for feature, positions in page.columns if is_won_feature(feature) for p in positions}
    return [p for p in range(len(page.customer_ids)) if p not in won]


# (−score, customer id, page index, position on the page): tuples sort natively, best first.
Ranked = tuple[float, str, int, int]


@dataclass(frozen=True)
class RecoveryPage:
    leads: list[tuple[dict[str, Any], Fit]]  # (customer document, fit), best first
    next_token: str
    total: int
    won: int
    expression: str
    won_expression: str


def page_after(token: str, *, tenant: str, expression: str) -> tuple[float, str] | None:
    """The (score, id) a page starts after; a token of another tenant or expression is refused."""
    cursor = decode_cursor(token)
    if cursor is None:
        return None
    score, last = cursor.get("s"), cursor.get("id")
    if (
        cursor.get("t") != tenant
        or cursor.get("e") != expression
        or not isinstance(score, int | float)
        or isinstance(score, bool)
        or not isinstance(last, str)
    ):
        raise InvalidArgument(
            "page_token does not belong to this search; start again without it", field="page_token"
        )
    return float(score), last


def rank(
    pages: Sequence[MemberPage],
    lifts: Mapping[FeatureKey, Lift],
    *,
    after: tuple[float, str] | None,
    count: int,
) -> tuple[list[Ranked], int]:
    """(the `count` best candidates strictly after `after` = (score, id), all candidates).

    Order: higher score first, then customer id (a total order). A bounded heap picks the page:
    O(n log count) for n candidates rather than a full sort."""
    total = 0
    scored: list[Ranked] = []
    floor = (-after[0], after[1]) if after is not None else None
    for index, page in enumerate(pages):
        scores = score_columns(len(page.customer_ids), page.columns, lifts)
        ids = page.customer_ids
        for p in candidate_positions(page):
            total += 1
            entry = (-scores[p], ids[p], index, p)
            if floor is None or entry[:2] > floor:
                scored.append(entry)
    return heapq.nsmallest(count, scored), total


class Recovery:
    """The recovery search use case; the servicer only decodes and encodes."""

    def __init__(self, *, tags: TagsClient, store: CustomerStore) -> None:
        self._tags = tags
        self._store = store

    async def search(self, tenant: str, expression: str, *, size: int, token: str) -> RecoveryPage:
        won_text, customers, won, features = won_expression(), 0, 0, []
        # The whole expression, else each condition alone (its tag may not be in the library yet);
        # with neither, nobody is won and every lift is 1.
        for keys in ([*WON_CONDITIONS], *([k] for k in WON_CONDITIONS)):
            try:
                counts = await self._tags.count_features(tenant, won_expression(keys))
            except InvalidArgument:
                continue
            won_text, customers, won, features = (
                won_expression(keys),
                counts.customers,
                counts.won,
                counts.features,
            )
            break
        lifts = feature_lifts(features, customers=customers, won=won, exclude_keys=WON_TAG_KEYS)
        canonical, pages = expression.strip(), []
        async for text, page in self._tags.members(tenant, expression.strip()):
            canonical = text
            pages.append(page)
        after = page_after(token, tenant=tenant, expression=canonical)
        best, total = rank(pages, lifts, after=after, count=size + 1)
        chosen, more = best[:size], len(best) > size
        documents = await self._store.get_many(tenant, [r[1] for r in chosen])
        next_token = ""
        if more and chosen:
            neg_score, last_id, _, _ = chosen[-1]
            next_token = encode_cursor({"t": tenant, "e": canonical, "s": -neg_score, "id": last_id})
        fits = {
            customer_id: Fit(-neg_score, fit(features_at(pages[i].columns, p), lifts).reasons)
            for neg_score, customer_id, i, p in chosen
        }
        return RecoveryPage(
            # A customer the tags service knows but leads does not (cannot happen: tags checks with
            # leads before it tags anyone) is left out rather than shown without a profile.
            leads=[(documents[r[1]], fits[r[1]]) for r in chosen if r[1] in documents],
            next_token=next_token,
            total=total,
            won=won,
            expression=canonical,
            won_expression=won_text,
        )
