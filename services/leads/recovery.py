"""Recovery search: leads nobody is winning, by tag expression, best look-alikes of won customers first.

One request: (1) per-feature counts within the won set from the tags service's index, turned into
smoothed lifts (`lookalike.feature_lifts`); (2) every member of the person's expression with its
features, a thousand per call; (3) the candidates among them scored (`lookalike.fit`), ranked by
score then id, and the asked page cut after the cursor; (4) their profiles in one query. The ranking
is recomputed per page (nothing is cached), so a page token is a position in the order — (score,
id) — not an offset: a lead whose tags changed meanwhile moves, the rest neither skip nor repeat.

Two choices are each one function so they can switch when the pool and statuses land (issue 11):
- **who is won** (`WON_TAG_KEYS`, `won_expression`, `is_won`): today a customer with the tag
  `deal.won_product` (DESIGN §3: the tags service turns a won deal into that system tag); then the
  leads status `won`, as a system tag the tags service keeps from leads' events.
- **who is a candidate** (`is_candidate`): today every customer who is not won; then the pool's
  unclaimed, released and lost leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from common.paging import decode_cursor, encode_cursor
from services.leads.lookalike import FeatureKey, Fit, feature_lifts, fit
from services.leads.store import CustomerStore
from services.leads.tags_client import Member, TagsClient

WON_TAG_KEYS = frozenset({"deal.won_product"})


def won_expression() -> str:
    """The tag expression of the won customers, as the tags service evaluates it."""
    return " OR ".join(sorted(WON_TAG_KEYS))


def is_won(features: list[FeatureKey]) -> bool:
    return any(key in WON_TAG_KEYS for key, _ in features)


def is_candidate(member: Member) -> bool:
    """Whether a customer the expression selects may be recovered (see the module docstring)."""
    return not is_won(member.features)


@dataclass(frozen=True)
class Ranked:
    customer_id: str
    fit: Fit


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


def rank(members: list[Member], lifts: dict[FeatureKey, Any]) -> list[Ranked]:
    """Candidates scored and ordered: higher score first, then customer id (a total order)."""
    ranked = [Ranked(m.customer_id, fit(m.features, lifts)) for m in members if is_candidate(m)]
    ranked.sort(key=lambda r: (-r.fit.score, r.customer_id))
    return ranked


class Recovery:
    """The recovery search use case; the servicer only decodes and encodes."""

    def __init__(self, *, tags: TagsClient, store: CustomerStore) -> None:
        self._tags = tags
        self._store = store

    async def search(self, tenant: str, expression: str, *, size: int, token: str) -> RecoveryPage:
        won_text = won_expression()
        try:
            counts = await self._tags.count_features(tenant, won_text)
            customers, won, features = counts.customers, counts.won, counts.features
        except InvalidArgument:
            # The won tag is not in this tenant's library yet: nobody is won, every lift is 1.
            customers, won, features = 0, 0, []
        lifts = feature_lifts(features, customers=customers, won=won, exclude_keys=WON_TAG_KEYS)
        canonical, members = expression.strip(), []
        async for text, page in self._tags.members(tenant, expression.strip()):
            canonical = text
            members.extend(page)
        after = page_after(token, tenant=tenant, expression=canonical)
        ranked = rank(members, lifts)
        start = 0
        if after is not None:
            score, last = after
            start = next(
                (i for i, r in enumerate(ranked) if (-r.fit.score, r.customer_id) > (-score, last)),
                len(ranked),
            )
        chosen = ranked[start : start + size]
        more = start + size < len(ranked)
        documents = await self._store.get_many(tenant, [r.customer_id for r in chosen])
        next_token = ""
        if more and chosen:
            last_ranked = chosen[-1]
            next_token = encode_cursor(
                {"t": tenant, "e": canonical, "s": last_ranked.fit.score, "id": last_ranked.customer_id}
            )
        return RecoveryPage(
            # A customer the tags service knows but leads does not (cannot happen: tags checks with
            # leads before it tags anyone) is left out rather than shown without a profile.
            leads=[(documents[r.customer_id], r.fit) for r in chosen if r.customer_id in documents],
            next_token=next_token,
            total=len(ranked),
            won=won,
            expression=canonical,
            won_expression=won_text,
        )
