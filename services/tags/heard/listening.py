"""The conversation use cases ("heard" tags): ingest, re-extract, review, precision and settings.

Shared by the gRPC servicer and the ingest consumer. Extraction itself is pure (`heard.extract`), and so
is deciding what it does (`suggestions.plan_extraction`); here they meet the stores. Applying a heard
tag, accepting a suggestion and taking a value away all go through `TagOperations.assign` / `.remove`,
so permission rules, the history and the `assigned`/`removed` events are the same as for any other tag.

Every event is written with the document whose change it announces (`common/outbox.py`): `suggested`
in the new suggestion, `callback_promised` and `conversation_ingested` in the conversation's extraction
write. A crash after the tags were applied but before the extraction was saved leaves the conversation
unextracted: the redelivered message extracts it again, finds the values active ("unchanged") and
announces the ingest then (with an empty `applied`: the first attempt's `assigned` events stand).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from common.customers import KnownCustomers
from common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from common.outbox import Pending
from services.tags.assignments.values import may_assign
from services.tags.config import TagsConfig
from services.tags.events import callback_promised_data, conversation_ingested_data, suggested_data
from services.tags.heard import suggestions as sg
from services.tags.heard.conversations import (
    Conversation,
    ConversationInput,
    ConversationSettings,
    check_settings,
    validate_conversation,
)
from services.tags.heard.extract import extract
from services.tags.heard.lexicon import Lexicon
from services.tags.heard.model import CALLBACK_AT, Heard, HeardFact
from services.tags.heard.store import CONVERSATIONS, SUGGESTIONS, ConversationStore
from services.tags.model import SYSTEM_CATEGORY, AssignInput, Assignment, HistoryEntry, Skipped, TagDef
from services.tags.operations import TagOperations, now_ms
from services.tags.store import HISTORY

ACTOR = "svc:conversations"  # the platform, when it applies what it heard
DEFINITIONS_PAGE = 500
MAX_PRECISION_TAGS = 200


@dataclass(frozen=True, kw_only=True)
class ConversationView:
    """A stored conversation with every suggestion made from it."""

    conversation: Conversation
    suggestions: list[sg.Suggestion]


@dataclass(frozen=True, kw_only=True)
class IngestOutcome:
    """What ingesting (or re-extracting) one conversation did."""

    view: ConversationView
    duplicate: bool = False
    applied: list[Assignment] = field(default_factory=list)
    suggested: list[sg.Suggestion] = field(default_factory=list)  # new pending suggestions
    skipped: list[Skipped] = field(default_factory=list)
    definitions: dict[str, TagDef] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ReviewOutcome:
    """A reviewed suggestion and what the decision did to the customer's tag."""

    suggestion: sg.Suggestion
    assigned: list[Assignment]
    removed: list[Assignment]
    definition: TagDef | None


class ConversationOperations:
    """Every conversation use case goes through here; tag changes go through `TagOperations`."""

    def __init__(
        self, store: ConversationStore, tags: TagOperations, config: TagsConfig, *, customers: KnownCustomers
    ) -> None:
        self.store = store
        self.tags = tags
        self._outbox = tags.outbox
        self._config = config
        self._customers = customers

    # ---- ingest and extraction ----

    async def ingest(self, tenant: str, raws: Sequence[tuple[ConversationInput, str]]) -> list[IngestOutcome]:
        """Validate every conversation (each with the field its errors name), then store and extract each.

        A conversation whose id is stored already is a duplicate and changes nothing, unless an earlier
        attempt stored it but stopped before extraction finished: then extraction is completed now.
        """
        settings = await self.settings(tenant)
        now = now_ms()
        conversations = [
            validate_conversation(
                raw, now=now, config=self._config, default_time_zone=settings.time_zone, field=name
            )
            for raw, name in raws
        ]
        # Only customers leads has in this tenant are listened to (common/customers.py): one look-up.
        await self._customers.require(
            tenant,
            [c.customer_id for c in conversations],
            field=[f"{name}.customer_id" for _, name in raws],
        )
        outcomes = []
        for conversation in conversations:
            if not await self.store.insert_conversation(tenant, conversation):
                stored = await self.store.conversation(tenant, conversation.id)
                if stored is not None and stored.extracted_at is not None:
                    outcomes.append(await self._duplicate(tenant, stored))
                    continue
                if stored is None:  # expired between the insert and the read: store it afresh
                    await self.store.insert_conversation(tenant, conversation)
                conversation = stored or conversation
            outcomes.append(await self._extract(tenant, conversation, settings, ingest=True))
        return outcomes

    async def reextract(self, tenant: str, conversation_id: str) -> IngestOutcome:
        """Extract a stored conversation again with the current tag library; people's decisions stand."""
        conversation = await self._stored(tenant, conversation_id)
        return await self._extract(tenant, conversation, await self.settings(tenant), ingest=False)

    async def _duplicate(self, tenant: str, stored: Conversation) -> IngestOutcome:
        [view] = await self._views(tenant, [stored])
        definitions = await self.tags.store.definitions(tenant, {s.tag_key for s in view.suggestions})
        return IngestOutcome(view=view, duplicate=True, definitions=definitions)

    async def _extract(
        self, tenant: str, conversation: Conversation, settings: ConversationSettings, *, ingest: bool
    ) -> IngestOutcome:
        definitions = await self._library(tenant)
        heard = extract(conversation.transcript(), Lexicon.build(definitions.values()))
        now = now_ms()
        customer_id = conversation.customer_id
        stored = await self.tags.store.assignments(tenant, [customer_id])
        existing = await self.store.conversation_suggestions(tenant, [conversation.id])
        plan = sg.plan_extraction(
            heard,
            conversation_id=conversation.id,
            customer_id=customer_id,
            active={a.tag_key: a for a in stored if not a.is_expired(now)},
            threshold=settings.auto_apply_threshold,
            decisions=sg.person_decisions(await self.store.reviewed_suggestions(tenant, customer_id)),
            existing={s.id: s for s in existing},
            exclusive_groups={d.key: d.group for d in definitions.values() if d.exclusive},
            now=now,
        )
        applied, applied_suggestions, skipped = await self._apply(tenant, conversation, plan)
        known = {s.id for s in existing}
        suggested = self._suggested_items(tenant, plan.created)
        inserted = await self.store.save_suggestions(
            tenant,
            created=[s for s in applied_suggestions if s.id not in known] + plan.created,
            updated=[s for s in applied_suggestions if s.id in known] + plan.refreshed,
            pending=suggested,
        )
        for s in plan.created:  # one made concurrently by another extraction announced itself
            if s.id in inserted:
                await self._outbox.publish(SUGGESTIONS, f"{tenant}/{s.id}", suggested[s.id])
        previous = _callback(conversation.facts)
        conversation = dataclasses.replace(
            conversation, facts=heard.facts, heard_summary=heard.summary, extracted_at=now
        )
        items = self._announcements(
            tenant, conversation, heard, plan.created, applied, previous=previous, ingest=ingest
        )
        await self.store.save_extraction(tenant, conversation, items)
        await self._outbox.publish(CONVERSATIONS, f"{tenant}/{conversation.id}", items)
        [view] = await self._views(tenant, [conversation])
        return IngestOutcome(
            view=view, applied=applied, suggested=plan.created, skipped=skipped, definitions=definitions
        )

    async def _apply(
        self, tenant: str, conversation: Conversation, plan: sg.ExtractionPlan
    ) -> tuple[list[Assignment], list[sg.Suggestion], list[Skipped]]:
        """Assign the sure values as the platform; only those that landed are recorded as applied."""
        skipped = list(plan.skipped)
        if not plan.apply:
            return [], [], skipped
        result, _ = await self.tags.assign(
            tenant,
            conversation.customer_id,
            [a.input for a in plan.apply],
            roles=None,
            actor=ACTOR,
            reason=f"heard in conversation {conversation.id}",
        )
        landed = {a.tag_key for a in result.assigned}
        skipped.extend(result.skipped)
        return result.assigned, [a.suggestion for a in plan.apply if a.input.tag_key in landed], skipped

    def _suggested_items(self, tenant: str, created: list[sg.Suggestion]) -> dict[str, list[Pending]]:
        """Per new pending suggestion: the pending insert of its "suggested" history entry, then its event."""
        entries = sg.suggested_history(created)
        return {
            s.id: [
                self._outbox.insert(HISTORY, self.tags.store.history_document(tenant, entry)),
                self._outbox.event(
                    tenant=tenant, event="suggested", data=suggested_data(s), subject_id=s.customer_id
                ),
            ]
            for s, entry in zip(created, entries, strict=True)
        }

    def _announcements(
        self,
        tenant: str,
        conversation: Conversation,
        heard: Heard,
        created: list[sg.Suggestion],
        applied: list[Assignment],
        *,
        previous: HeardFact | None,
        ingest: bool,
    ) -> list[Pending]:
        """The events the extraction write of the conversation carries."""
        callback = _callback(heard.facts)
        subject = conversation.customer_id
        items: list[Pending] = []
        # Re-extraction announces a call-back only when its time changed: the leads side acts on each one.
        if callback is not None and (ingest or previous is None or previous.at != callback.at):
            data = callback_promised_data(conversation, callback)
            items.append(
                self._outbox.event(tenant=tenant, event="callback_promised", data=data, subject_id=subject)
            )
        if ingest:
            data = conversation_ingested_data(
                conversation, applied=applied, suggested=len(created), callback=callback
            )
            items.append(
                self._outbox.event(
                    tenant=tenant, event="conversation_ingested", data=data, subject_id=subject
                )
            )
        return items

    async def _library(self, tenant: str) -> dict[str, TagDef]:
        """The tenant's whole tag library (archived tags left out); the lexicon picks what it can hear."""
        definitions: dict[str, TagDef] = {}
        after: str | None = None
        while True:
            page = await self.tags.store.list_definitions(
                tenant, after_key=after, group="", include_archived=False, limit=DEFINITIONS_PAGE
            )
            definitions.update((d.key, d) for d in page)
            if len(page) < DEFINITIONS_PAGE:
                return definitions
            after = page[-1].key

    # ---- reading ----

    async def conversation(
        self, tenant: str, conversation_id: str
    ) -> tuple[ConversationView, dict[str, TagDef]]:
        """One stored conversation with its suggestions, and the definitions of their tags."""
        [view] = await self._views(tenant, [await self._stored(tenant, conversation_id)])
        return view, await self._definitions_of(tenant, view.suggestions)

    async def views(
        self, tenant: str, conversations: Sequence[Conversation]
    ) -> tuple[list[ConversationView], dict[str, TagDef]]:
        """Conversations with their suggestions (one query) and the definitions of their tags (one more)."""
        views = await self._views(tenant, conversations)
        return views, await self._definitions_of(tenant, [s for v in views for s in v.suggestions])

    async def suggestion_definitions(
        self, tenant: str, suggestions: Sequence[sg.Suggestion]
    ) -> dict[str, TagDef]:
        return await self._definitions_of(tenant, suggestions)

    async def _views(self, tenant: str, conversations: Sequence[Conversation]) -> list[ConversationView]:
        found = await self.store.conversation_suggestions(tenant, [c.id for c in conversations])
        by_conversation: dict[str, list[sg.Suggestion]] = {c.id: [] for c in conversations}
        # In reading order: where in the conversation each was heard.
        for s in sorted(found, key=lambda s: (s.evidence.turn_index, s.evidence.start, s.tag_key, s.action)):
            by_conversation[s.conversation_id].append(s)
        return [ConversationView(conversation=c, suggestions=by_conversation[c.id]) for c in conversations]

    async def _definitions_of(self, tenant: str, suggestions: Sequence[sg.Suggestion]) -> dict[str, TagDef]:
        return await self.tags.store.definitions(tenant, {s.tag_key for s in suggestions})

    async def _stored(self, tenant: str, conversation_id: str) -> Conversation:
        ident = conversation_id.strip()
        if not ident:
            raise InvalidArgument("conversation_id is required", field="conversation_id")
        conversation = await self.store.conversation(tenant, ident)
        if conversation is None:
            raise NotFound(f"conversation {ident!r} not found", field="conversation_id")
        return conversation

    # ---- review ----

    async def review(
        self, tenant: str, suggestion_id: str, decision: str, note: str, *, roles: frozenset[str], actor: str
    ) -> ReviewOutcome:
        """A person accepts or rejects a suggestion; see `suggestions.review_step` for what each does.

        Everything that can refuse the review (bad input, unknown id, already reviewed, permission) is
        checked before anything is written; the status is claimed with a guarded update, so of two
        concurrent reviewers only one wins, and it is restored if the tag change then fails.
        """
        text = sg.check_review(decision, note)
        ident = suggestion_id.strip()
        suggestion = await self.store.suggestion(tenant, ident) if ident else None
        if suggestion is None:
            raise NotFound(f"suggestion {ident!r} not found", field="suggestion_id")
        definition = await self.tags.store.definition(tenant, suggestion.tag_key)
        now = now_ms()
        active = await self.tags.store.assignment(tenant, suggestion.customer_id, suggestion.tag_key)
        if active is not None and active.is_expired(now):
            active = None
        step = sg.review_step(suggestion, decision, active=active)
        _check_may_decide(definition, roles)
        # Made before the tag change, so its id sorts before the removal it causes.
        rejection = (
            sg.rejected_entry(suggestion, actor=actor, note=text, at=now) if step.record_rejection else None
        )
        decided = sg.reviewed(suggestion, status=step.status, by=actor, at=now, note=text)
        # A rejection that takes the value away is recorded in the write of the removal; one that
        # changes no tag, in the write of the decision.
        with_removal = [rejection] if rejection is not None and step.tag_change == sg.REMOVE else []
        items: list[Pending] = (
            [self._outbox.insert(HISTORY, self.tags.store.history_document(tenant, rejection))]
            if rejection is not None and not with_removal
            else []
        )
        if not await self.store.set_review(tenant, decided, expected_status=suggestion.status, items=items):
            current = await self.store.suggestion(tenant, ident)
            status = current.status if current else "gone"
            raise FailedPrecondition(f"suggestion {ident} was already {status}", field="suggestion_id")
        await self._outbox.publish(SUGGESTIONS, f"{tenant}/{decided.id}", items)
        try:
            assigned, removed = await self._change_tag(
                tenant, suggestion, step, roles=roles, actor=actor, before=with_removal
            )
        except BaseException:
            await self.store.set_review(tenant, suggestion, expected_status=decided.status)
            raise
        return ReviewOutcome(suggestion=decided, assigned=assigned, removed=removed, definition=definition)

    async def _change_tag(
        self,
        tenant: str,
        suggestion: sg.Suggestion,
        step: sg.ReviewStep,
        *,
        roles: frozenset[str],
        actor: str,
        before: list[HistoryEntry],
    ) -> tuple[list[Assignment], list[Assignment]]:
        verb = "accepted" if step.status == sg.ACCEPTED else "rejected"
        reason = f"{verb} conversation suggestion {suggestion.id}"
        if step.tag_change == sg.ASSIGN:
            item = AssignInput(
                tag_key=suggestion.tag_key,
                value=suggestion.value,
                source="manual",
                confidence=1.0,
                evidence=sg.evidence_of(suggestion),
            )
            result, _ = await self.tags.assign(
                tenant, suggestion.customer_id, [item], roles=roles, actor=actor, reason=reason
            )
            return result.assigned, []
        if step.tag_change == sg.REMOVE:
            removed, _ = await self.tags.remove(
                tenant,
                suggestion.customer_id,
                suggestion.tag_key,
                roles=roles,
                actor=actor,
                reason=reason,
                before=before,
            )
            return [], [removed]
        return [], []

    # ---- precision and settings ----

    async def precision(
        self, tenant: str, tag_keys: Sequence[str]
    ) -> tuple[list[sg.TagPrecision], dict[str, TagDef]]:
        """Per tag, the counts of its assign suggestions by status; the requested tags in request order,
        or every tag with at least one suggestion in key order."""
        keys = list(dict.fromkeys(k.strip() for k in tag_keys))
        if len(keys) > MAX_PRECISION_TAGS:
            raise InvalidArgument(f"at most {MAX_PRECISION_TAGS} tag_keys", field="tag_keys")
        if "" in keys:
            raise InvalidArgument("tag_keys must not hold an empty key", field="tag_keys")
        counts = await self.store.suggestion_counts(tenant, keys)
        rows = [sg.tag_precision(k, counts.get(k, {})) for k in (keys or sorted(counts))]
        return rows, await self.tags.store.definitions(tenant, {r.tag_key for r in rows})

    async def settings(self, tenant: str) -> ConversationSettings:
        """The tenant's settings, or the defaults until an admin changes them."""
        return await self.store.settings(tenant) or ConversationSettings()

    async def update_settings(
        self, tenant: str, candidate: ConversationSettings, *, roles: frozenset[str], actor: str
    ) -> ConversationSettings:
        """Replace the tenant's settings (admins only; an empty time zone keeps the current one)."""
        updated = check_settings(
            candidate, current=await self.settings(tenant), roles=roles, actor=actor, now=now_ms()
        )
        await self.store.save_settings(tenant, updated)
        return updated


def _callback(facts: Sequence[HeardFact]) -> HeardFact | None:
    return next((f for f in facts if f.kind == CALLBACK_AT and f.at is not None), None)


def _check_may_decide(definition: TagDef | None, roles: frozenset[str]) -> None:
    """A reviewer needs the permission to assign the tag: the decision is final for the customer."""
    if definition is None:
        return
    if definition.category == SYSTEM_CATEGORY:
        raise PermissionDenied(
            f"{definition.key} is a system tag; only the platform sets it", field="suggestion_id"
        )
    if not may_assign(definition, roles):
        raise PermissionDenied(
            f"deciding on {definition.key} needs one of the roles {', '.join(definition.assign_roles)}",
            field="suggestion_id",
        )
