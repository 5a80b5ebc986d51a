"""The lead status lifecycle: new → contacted → qualified → opportunity → won / lost, plus invalid.

Pure rules, no I/O. People move a lead one step at a time along `PERSON_MOVES` (skipping ahead is
allowed, going back is not, except reopening a lost lead and correcting an invalid one); events move
it by facts (`event_status`): a signed or paid deal makes it won whatever it was, a contact
touchpoint moves a new lead to contacted and nothing else.
"""

from __future__ import annotations

from common.errors import InvalidArgument
from services.leads.profiles import STATUSES

# What a person may set from each status. Won is final (a deal was signed); lost may be reopened
# (recovery of old leads) and invalid corrected back to new (a lead marked invalid by mistake).
PERSON_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "qualified", "opportunity", "won", "lost", "invalid"}),
    "contacted": frozenset({"qualified", "opportunity", "won", "lost", "invalid"}),
    "qualified": frozenset({"opportunity", "won", "lost", "invalid"}),
    "opportunity": frozenset({"won", "lost"}),
    "won": frozenset(),
    "lost": frozenset({"contacted"}),
    "invalid": frozenset({"new"}),
}
# The funnel's order: a status counts every stage up to its own as reached (channels.py).
FUNNEL = ("new", "contacted", "qualified", "opportunity", "won")
CONTACT_TOUCHPOINTS = frozenset(
    {"call", "call_inbound", "call_outbound", "phone_call", "visit", "store_visit", "meeting",
     "consultation", "test_drive"}
)  # fmt: skip
DEAL_EVENTS = frozenset({"crm.journey.deal_signed.v1", "crm.journey.deal_paid.v1"})


def check_person_move(current: str, wanted: str, *, field: str = "status") -> None:
    """Raise InvalidArgument (naming the allowed moves) unless a person may set `wanted` now."""
    if wanted not in STATUSES:
        raise InvalidArgument(
            f"{field} {wanted!r} is not a status; use one of {', '.join(STATUSES)}", field=field
        )
    if wanted == current:
        return
    allowed = PERSON_MOVES.get(current, frozenset())
    if wanted not in allowed:
        options = ", ".join(s for s in STATUSES if s in allowed) or "none (it is final)"
        raise InvalidArgument(
            f"a {current} lead cannot become {wanted}; from {current} it may become: {options}",
            field=field,
        )


def event_status(current: str, *, event_type: str, touchpoint_type: str = "") -> str | None:
    """The status an event moves a lead to, or None when it changes nothing."""
    if event_type in DEAL_EVENTS:
        return None if current == "won" else "won"
    if touchpoint_type in CONTACT_TOUCHPOINTS and current == "new":
        return "contacted"
    return None


def reached(status: str) -> set[str]:
    """The funnel stages a lead in `status` has reached (a lost or invalid lead: none beyond new)."""
    if status not in FUNNEL:
        return {"new"}
    return set(FUNNEL[: FUNNEL.index(status) + 1])
