"""The intent service's use cases: add signals to the aggregates, rescore on decay, read scores.

Shared by the gRPC servicer, the NATS ingest consumer and the timers, so every path validates,
stores, scores and announces the same way (`planning.plan`).

**Hot path.** A batch of signals costs: one read of which ids are stored already, one read of the
touched customers' aggregate documents (none when this process wrote them last), one compare-and-set
`bulk_write` of them (each with its events and history entry, common/outbox.py, published in a fixed
number of round trips), and the new raw signals in `insert_many` commands of `INSERT_CHUNK`
(services/intent/store.py) — however long the customers' histories. No history is read.

**Exactly once.** A stored signal id is a duplicate and never added again. A signal is stored only
after the aggregate write that added it; a crash in between leaves it unstored, so its redelivery finds
it new, but the aggregate's `recent_ids` (the ids it added and has not yet seen stored) shows it is
already in: it is stored without being added twice. Each write drops from `recent_ids` the ids found
stored by then, so the list holds a batch or two, not a history: ids this process stored are known, ids
it is still storing (a batch in flight) are kept without asking, and only the rest take one `_id` read. Two
replicas adding the same new id at once: the compare-and-set loser re-reads the aggregate, sees the id
in `recent_ids` and skips it.

**Races.** Two replicas writing one customer: the compare-and-set on `v` lets one win; the other
re-reads and re-applies its signals, up to `MAX_ATTEMPTS` times, then fails (the message is retried).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.customers import KnownCustomers, refuse_missing
from common.errors import NotFound, Unavailable
from common.ids import new_id
from common.outbox import FIELD as OUTBOX_FIELD
from common.outbox import Outbox, Pending
from common.scheduler import Scheduler, Timer
from common.timeutil import to_ms, utcnow
from services.intent.aggregate import IntentState, Term, add, prune, state_from_document, term_of
from services.intent.config import IntentConfig
from services.intent.decay import RESCORE_KIND
from services.intent.doc_cache import AggregateCache
from services.intent.locks import KeyedLocks
from services.intent.migrations import migrate_customer, predates_engine
from services.intent.model import IntentModel
from services.intent.models import ModelSource
from services.intent.planning import LEVEL_CHANGED, RESCORE_AT, Plan, plan, rescore_timer
from services.intent.scoring import LOW, ScoreResult, score_state
from services.intent.signals import RawSignal, Signal, signal_from_document, validate_batch, validate_events
from services.intent.store import (
    HISTORY,
    SCORES,
    AggregateWrite,
    IntentStore,
    score_doc_id,
)
from services.intent.stored_ids import InFlightIds, StoredIds

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Customers planned between two yields to the event loop (~0.5-1 ms each), so another batch's database
# commands are not held back by this one's CPU work.
PLAN_YIELD_EVERY = 32
# (state as read, document as read, current model) -> (new state, terms added) or None to skip. A step
# may return a third element: document fields it sets (profile, owner_id, last_contact_ms; the facts
# other services own), which `plan` sees in place of the stored ones and the same write stores.
StepResult = tuple[IntentState, list[Term]] | tuple[IntentState, list[Term], dict[str, Any]]
Step = Callable[[IntentState, dict[str, Any] | None, IntentModel], Awaitable[StepResult | None]]


@dataclass(frozen=True, kw_only=True)
class IngestOutcome:
    accepted: int
    duplicates: int
    signal_ids: list[str]  # in request order


class IntentEngine:
    """Validates, stores and scores signals for one service process (all tenants)."""

    def __init__(
        self,
        *,
        store: IntentStore,
        outbox: Outbox,
        scheduler: Scheduler,
        config: IntentConfig,
        models: ModelSource,
        customers: KnownCustomers,
        clock: Callable[[], datetime] = utcnow,
        on_stored: Callable[[str, Sequence[Signal]], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self.store = store
        self._on_stored = on_stored  # told of newly stored signals (the model store records new types)
        self._outbox = outbox
        self._scheduler = scheduler
        self._config = config
        self.models = models
        self._clock = clock
        self._customers = customers
        self._locks = KeyedLocks()
        # Signal keys (`<tenant>|<id>`) this process stored: dropping them from `recent_ids` needs no read.
        self._stored_here = StoredIds()
        # Signal ids a batch of this process is adding and storing right now: not stored yet, so a write
        # that meets them in `recent_ids` keeps them there without asking the database.
        self._storing = InFlightIds()
        self._cache = AggregateCache(config.aggregate_cache)

    async def ingest_raw(self, tenant: str, raws: Sequence[RawSignal], field: str) -> IngestOutcome:
        """Validate the whole batch (bad input stores nothing), then store it and update its customers."""
        now = self._clock()
        signals = validate_batch(raws, now=now, config=self._config, field=field)
        # Facts about customers leads does not have in this tenant are refused (common/customers.py).
        where = "data.customer_id" if field == "data" else f"{field}[{{index}}].customer_id"
        await self._customers.require(tenant, [s.customer_id for s in signals], field=where)
        return await self.ingest(tenant, signals, now=now)

    async def ingest(self, tenant: str, signals: Sequence[Signal], *, now: datetime) -> IngestOutcome:
        """Store validated signals and add the new ones to their customers' aggregates."""
        unique = list({s.id: s for s in reversed(signals)}.values())[::-1]  # first of each id
        stored = await self._store.stored_ids(tenant, [s.id for s in unique])
        new = [s for s in unique if s.id not in stored]
        pending: dict[str, list[Signal]] = {}
        for s in new:
            pending.setdefault(s.customer_id, []).append(s)
        if pending:
            received = {s.id: to_ms(now) for s in new}
            inserts: list[asyncio.Task[int]] = []

            def store_added(customer_ids: list[str]) -> None:
                # Their aggregate writes won: store their signals now, while the write's events are
                # published and marked, instead of after the whole update.
                batch = [s for cid in customer_ids for s in pending.get(cid, ())]
                if batch:
                    inserts.append(
                        asyncio.create_task(self._store.insert_signals(tenant, batch, received_at=now))
                    )

            with self._storing.holding(tenant, [s.id for s in new]):
                try:
                    await self._add(tenant, pending, received, now_ms=to_ms(now), on_written=store_added)
                finally:
                    results = await asyncio.gather(*inserts, return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        raise result
                self._stored_here.add(tenant, [s.id for s in new])
            if self._on_stored is not None:
                await self._on_stored(tenant, new)
        return IngestOutcome(
            accepted=len(new),
            duplicates=len(signals) - len(new),
            signal_ids=[s.id for s in signals],
        )

    async def ingest_events(self, tenant: str, events: Sequence[dict[str, Any]]) -> list[Exception | None]:
        """The ingest consumer's batch: each event checked alone, all good ones stored in one go.

        A malformed event or one naming a customer leads does not have fails alone (and is
        dead-lettered); the rest are coalesced into one ingest — one aggregate write per customer.
        """
        now = self._clock()
        outcomes, checked = await validate_events(events, now=now, config=self._config)
        # Which customers leads does not have, for the whole batch at once (common/customers.py: cached,
        # so usually no round trip); an event naming one fails alone, with `require`'s error.
        try:
            missing = await self._customers.missing(
                tenant, [s.customer_id for _, signals, _ in checked for s in signals]
            )
        except Exception as err:
            for i, _, _ in checked:
                outcomes[i] = err
            return outcomes
        good: list[tuple[int, list[Signal]]] = []
        for i, signals, where in checked:
            try:
                refuse_missing([s.customer_id for s in signals], missing, field=where)
            except NotFound as err:
                outcomes[i] = err
                continue
            good.append((i, signals))
        if good:
            try:
                await self.ingest(tenant, [s for _, signals in good for s in signals], now=now)
            except Exception as err:
                for i, _ in good:
                    outcomes[i] = err
        return outcomes

    async def rescore_due(self, tenant: str, customer_id: str, payload: dict[str, Any]) -> None:
        """The `intent.rescore` timer: the level may have decayed, so score as of now and record it."""

        async def same(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> tuple[IntentState, list[Term]] | None:
            return (state, []) if doc else None

        await self.update(tenant, [customer_id], same, cause="decay")

    async def scores(
        self, tenant: str, customer_ids: Sequence[str], *, now: datetime | None = None
    ) -> list[ScoreResult]:
        """One score per requested id, in request order: the stored aggregates decayed to `now`."""
        return [result for result, _ in await self.scored(tenant, customer_ids, now=now)]

    async def scored(
        self, tenant: str, customer_ids: Sequence[str], *, now: datetime | None = None
    ) -> list[tuple[ScoreResult, dict[str, Any]]]:
        """`scores` with each customer's stored document (empty if none), so a read that also shows the
        surge or last contact needs no second query."""
        now_ms = to_ms(now or self._clock())
        docs = await self._store.aggregates(tenant, customer_ids, for_read=True)
        out = []
        for cid in customer_ids:
            doc = docs.get(cid) or {}
            state = state_from_document(cid, doc)
            model = await self.models.version(tenant, state.model_version)
            out.append(
                (score_state(state, model=model, now_ms=now_ms, profile=doc.get("profile") or {}), doc)
            )
        return out

    async def _add(
        self,
        tenant: str,
        pending: dict[str, list[Signal]],
        received: dict[str, int],
        *,
        now_ms: int,
        on_written: Callable[[list[str]], None] | None = None,
    ) -> None:
        async def step(state: IntentState, doc: dict[str, Any] | None, model: IntentModel) -> StepResult:
            seen = set((doc or {}).get("recent_ids") or [])
            new = [s for s in pending[state.customer_id] if s.id not in seen]
            extra: dict[str, Any] = {}
            if predates_engine(doc):
                # Scored before the aggregates existed and not migrated yet: upgrade it first, or its new
                # signals would land on empty aggregates and announce a false drop (migrations.py).
                state, extra = await migrate_customer(
                    self, tenant, state.customer_id, doc, model=model, now_ms=now_ms
                )
            elif doc is not None and state.model_version != model.version:
                # Built with an older model: rebuild from the stored signals first (`new` are not stored yet).
                state = await self.rebuild(tenant, state.customer_id, model=model, now_ms=now_ms)
            terms = [term_of(s, model=model, received_ms=received[s.id]) for s in new]
            add(state, terms, model=model)
            return (state, terms, extra) if extra else (state, terms)

        await self.update(tenant, list(pending), step, cause="signals", now_ms=now_ms, on_written=on_written)

    async def rebuild(
        self,
        tenant: str,
        customer_id: str,
        *,
        model: IntentModel,
        now_ms: int,
        docs: Sequence[dict[str, Any]] | None = None,
    ) -> IntentState:
        """The customer's aggregates under `model`, from its stored signals inside the window.

        `docs`: those signal documents already read (newest first, as `signal_documents` returns
        them), so a caller re-scoring many customers reads them in one query (services/intent/rescoring.py).
        """
        since = (now_ms // 86_400_000 - model.window_days + 1) * 86_400_000
        state = IntentState(customer_id=customer_id, model_version=model.version)
        if docs is None:
            docs = await self._store.signal_documents(tenant, customer_id, since_ms=since)
        else:
            docs = [d for d in docs if int(d["at_ms"]) >= since]
        add(
            state,
            [
                term_of(
                    signal_from_document(d), model=model, received_ms=int(d.get("received_ms") or d["at_ms"])
                )
                for d in reversed(docs)
            ],
            model=model,
        )
        return state

    async def update(
        self,
        tenant: str,
        customer_ids: Sequence[str],
        step: Step,
        *,
        cause: str,
        now_ms: int | None = None,
        on_written: Callable[[list[str]], None] | None = None,
    ) -> dict[str, Plan]:
        """Read, change (`step`), plan and compare-and-set each customer's aggregate; retry the losers.

        `on_written` is told, after each compare-and-set round, which customers' writes won in it."""
        todo = list(dict.fromkeys(customer_ids))
        async with self._locks.hold(f"{tenant}|{cid}" for cid in todo):
            return await self._update(tenant, todo, step, cause=cause, now_ms=now_ms, on_written=on_written)

    async def _update(
        self,
        tenant: str,
        todo: list[str],
        step: Step,
        *,
        cause: str,
        now_ms: int | None,
        on_written: Callable[[list[str]], None] | None = None,
    ) -> dict[str, Plan]:
        done: dict[str, Plan] = {}
        for attempt in range(MAX_ATTEMPTS):
            if not todo:
                return done
            at = now_ms if now_ms is not None else to_ms(self._clock())
            model = await self.models.current(tenant)
            # First attempt: the documents this process wrote last need no read (doc_cache.py); a stale
            # one loses the compare-and-set below and is read on the next attempt.
            docs = self._cache.get_many(tenant, todo) if attempt == 0 else {}
            # Whose document holds no pending outbox item before this write (its items can then be
            # marked sent in one update, common/outbox.py `publish_many(alone=...)`).
            clean = {cid for cid in docs if self._cache.clean(tenant, cid)}
            missing = [cid for cid in todo if cid not in docs]
            if missing:
                read = await self._store.aggregates(tenant, missing)
                docs.update(read)
                clean.update(cid for cid in missing if not (read.get(cid) or {}).get(OUTBOX_FIELD))
            # Which ids the documents still hold as maybe-unstored are stored by now: those this process
            # stored are known; the rest (another replica's, or from before a crash) take one read.
            held = [i for d in docs.values() for i in d.get("recent_ids") or []]
            stored = self._stored_here.known(tenant, held)
            unknown = [i for i in held if i not in stored and not self._storing.has(tenant, i)]
            stored |= await self._store.stored_ids(tenant, unknown)
            writes: list[AggregateWrite] = []
            plans: dict[str, Plan] = {}
            timers: list[Timer] = []
            for index, cid in enumerate(todo):
                if index and index % PLAN_YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                doc = docs.get(cid)
                changed = await step(state_from_document(cid, doc), doc, model)
                if changed is None:
                    continue
                state, added = changed[0], changed[1]
                facts: dict[str, Any] = changed[2] if len(changed) > 2 else {}
                state.model_version = model.version
                prune(state, model=model, now_ms=at)
                seen = {**(doc or {}), **facts} if facts else doc
                plans[cid] = plan(
                    state,
                    seen,
                    model=model,
                    now_ms=at,
                    cause=cause,
                    added=added,
                    stored=stored,
                    # After a lost compare-and-set the pending timer may be another write's: not relied on.
                    timer_ms=int((doc or {}).get(RESCORE_AT) or 0) if attempt == 0 else 0,
                )
                # After a lost compare-and-set this call's earlier timer may have replaced the winner's:
                # schedule again, whatever the document says.
                timer = rescore_timer(tenant, cid, doc, plans[cid], now_ms=at, keep=attempt == 0)
                if timer is not None:
                    timers.append(timer)
                if timer is not None or plans[cid].next_change_ms is None:
                    facts = {**facts, RESCORE_AT: plans[cid].next_change_ms or 0}
                writes.append(self._write(tenant, cid, doc, plans[cid], facts=facts))
            # Timers go in before the write: a crash in between leaves a harmless early rescore, never a
            # stored HIGH with no timer to bring it down.
            await self._scheduler.schedule_many(timers)
            won = await self._store.write_aggregates(tenant, writes)
            if on_written is not None:
                on_written([w.customer_id for w in writes if w.customer_id in won])
            published = [w for w in writes if w.customer_id in won and w.pending]
            marked = await self._outbox.publish_many(
                SCORES,
                [(score_doc_id(tenant, w.customer_id), w.pending) for w in published],
                alone={
                    score_doc_id(tenant, w.customer_id): w.token for w in published if w.customer_id in clean
                },
            )
            for w in writes:
                if w.customer_id in won:
                    done[w.customer_id] = plans[w.customer_id]
                    self._log_level(tenant, plans[w.customer_id])
                    left_clean = w.customer_id in clean and (
                        not w.pending or score_doc_id(tenant, w.customer_id) in marked
                    )
                    self._cache.written(
                        tenant,
                        w.customer_id,
                        docs.get(w.customer_id),
                        w.stored_fields(tenant),
                        clean=left_clean,
                    )
                else:
                    self._cache.forget(tenant, [w.customer_id])
            settled_low = [
                cid
                for cid, p in plans.items()
                if cid in won and p.next_change_ms is None and (p.previous_level or LOW) != LOW
            ]
            await self._scheduler.cancel_many(tenant=tenant, kind=RESCORE_KIND, keys=settled_low)
            todo = [w.customer_id for w in writes if w.customer_id not in won]
            if todo:  # another replica wrote them: let it finish, then read again
                await asyncio.sleep(random.uniform(0.005, 0.05))
        if todo:
            raise Unavailable(f"intent of {len(todo)} customers kept changing under this write; retry")
        return done

    def _write(
        self,
        tenant: str,
        customer_id: str,
        doc: dict[str, Any] | None,
        p: Plan,
        *,
        facts: dict[str, Any] | None = None,
    ) -> AggregateWrite:
        pending: list[Pending] = []
        if p.history is not None:
            pending.append(
                self._outbox.insert(HISTORY, {"_id": new_id("ish"), "tenant_id": tenant, **p.history})
            )
        pending.extend(
            self._outbox.event(tenant=tenant, event=name, data=data, subject_id=customer_id)
            for name, data in p.events
        )
        return AggregateWrite(
            customer_id=customer_id,
            version=(doc or {}).get("v") if doc else None,
            fields={**(facts or {}), **p.fields},
            pending=pending,
            token=new_id("rev"),
            before=doc,
        )

    def _log_level(self, tenant: str, p: Plan) -> None:
        for name, data in p.events:
            if name == LEVEL_CHANGED:
                log.info(
                    "intent level of %s moved %s -> %s",
                    data["customer_id"],
                    data["previous_level"],
                    data["level"],
                    extra={"fields": {"tenant_id": tenant, "crm.customer.id": data["customer_id"]}},
                )
