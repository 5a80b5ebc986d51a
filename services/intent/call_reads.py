"""The call list's read: who may see whose list, one bounded candidate read, ranking at one instant.

**Whose list.** A rep sees their own customers (owner = the caller's id); asking for another owner, a
team (several owners) or every owner needs a manager's role (`common.roles.SEE_ANY_CALL_LIST`: admin,
and the platform). The gateway checks the same rule first; this is the second line.

**Bounded read.** One indexed query reads the open customers of the asked owners, highest stored score
first, at most `max_candidates` (INTENT_CALL_LIST_MAX_CANDIDATES, default 2000), projected to what
scoring needs. Each is then scored at the list's instant from its aggregates (O(buckets), no history),
so the list costs one query plus CPU proportional to the candidates, whatever their signal history.
When the bound is hit the reply says so (`candidates_truncated`): the stored score is the score at the
customer's last write, so a customer just below the bound could rank higher now — a team with more
than a couple of thousand open customers should narrow the owners instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.context import CallContext
from common.errors import InvalidArgument, PermissionDenied
from common.roles import SEE_ANY_CALL_LIST, allows
from common.timeutil import to_ms, utcnow
from services.intent import calllist
from services.intent.aggregate import state_from_document
from services.intent.calllist import CallEntry, Position
from services.intent.models import ModelSource
from services.intent.scoring import score_state
from services.intent.store import IntentStore, call_candidates, call_facts

MAX_OWNERS = 50


@dataclass(frozen=True, kw_only=True)
class CallListPage:
    entries: list[CallEntry]
    has_next: bool
    as_of_ms: int
    truncated: bool


def owners_for(call: CallContext, owner_ids: Sequence[str], *, all_owners: bool) -> list[str] | None:
    """The owners whose customers `call` may list (None: all); refuses other owners to a rep."""
    asked = [o.strip() for o in owner_ids]
    if any(not o or len(o) > 64 for o in asked):
        raise InvalidArgument("owner_ids must be 1-64 characters each", field="owner_ids")
    if len(asked) > MAX_OWNERS:
        raise InvalidArgument(f"at most {MAX_OWNERS} owner_ids per list", field="owner_ids")
    if all_owners and asked:
        raise InvalidArgument("give owner_ids or all_owners, not both", field="all_owners")
    manager = allows(SEE_ANY_CALL_LIST, call.roles)
    if all_owners or (asked and set(asked) != {call.caller}):
        if not manager:
            raise PermissionDenied(
                "only a manager (admin) may see another owner's call list; yours needs no owner id",
                metadata={"required_roles": ",".join(sorted(SEE_ANY_CALL_LIST))},
            )
        return None if all_owners else list(dict.fromkeys(asked))
    if not call.caller:
        raise InvalidArgument("the call has no caller id: name the owner_ids", field="owner_ids")
    return [call.caller]


class CallLists:
    """Reads call lists and surge facts for one service process (all tenants)."""

    def __init__(
        self,
        *,
        store: IntentStore,
        models: ModelSource,
        max_candidates: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._models = models
        self._max = max_candidates
        self._clock = clock

    async def page(
        self, tenant: str, *, owners: list[str] | None, cursor: dict[str, Any] | None, size: int
    ) -> CallListPage:
        """One page of the list ranked at the cursor's instant (now for a first page)."""
        at = calllist.position_of(cursor, now_ms=to_ms(self._clock()))
        docs = await call_candidates(self._store.scores, tenant, owner_ids=owners, limit=self._max + 1)
        truncated = len(docs) > self._max
        entries = calllist.ranked([await self._entry(tenant, d, at) for d in docs[: self._max]])
        shown, more = calllist.page(entries, after=at, size=size)
        return CallListPage(entries=shown, has_next=more, as_of_ms=at.as_of_ms, truncated=truncated)

    async def _entry(self, tenant: str, doc: dict[str, Any], at: Position) -> CallEntry | None:
        state = state_from_document(doc["customer_id"], doc)
        built_with = await self._models.version(tenant, state.model_version)
        current = await self._models.current(tenant)
        result = score_state(state, model=built_with, now_ms=at.as_of_ms, profile=doc.get("profile") or {})
        return calllist.entry(doc, result, model=current, now_ms=at.as_of_ms)

    async def surges(
        self, tenant: str, customer_ids: Sequence[str], *, docs: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, calllist.SurgeView | None]:
        """Each customer's last surge (None: never surged), as `Customer.intent.surge` shows it; from
        `docs` (their stored documents, already read) when given, else one read."""
        facts = docs if docs is not None else await call_facts(self._store.scores, tenant, customer_ids)
        model = await self._models.current(tenant)
        now_ms = to_ms(self._clock())
        return {
            cid: calllist.surge_view(facts.get(cid) or {}, model=model, now_ms=now_ms) for cid in customer_ids
        }
