"""Stored pool documents ⇄ pool.proto messages."""

from __future__ import annotations

from typing import Any

from crm.leads.v1 import pool_pb2

from common.timeutil import from_ms, to_timestamp
from services.leads.pool.rules import ASSIGN_CAPACITY, ASSIGN_NONE, ASSIGN_ROUND_ROBIN, PoolRules

_RULES = {
    pool_pb2.ASSIGNMENT_RULE_UNSPECIFIED: ASSIGN_NONE,
    pool_pb2.ASSIGNMENT_RULE_ROUND_ROBIN: ASSIGN_ROUND_ROBIN,
    pool_pb2.ASSIGNMENT_RULE_CAPACITY: ASSIGN_CAPACITY,
}
_RULE_ENUMS = {v: k for k, v in _RULES.items()}
KIND_NAMES = {
    pool_pb2.FOLLOW_UP_KIND_CALL: "call",
    pool_pb2.FOLLOW_UP_KIND_VISIT: "visit",
    pool_pb2.FOLLOW_UP_KIND_MESSAGE: "message",
    pool_pb2.FOLLOW_UP_KIND_MEETING: "meeting",
}
_KIND_ENUMS = {v: k for k, v in KIND_NAMES.items()}


def _ts(ms: Any) -> Any:
    return to_timestamp(from_ms(int(ms))) if ms else None


def rules_from_proto(message: pool_pb2.Pool, *, pool_id: str) -> PoolRules:
    return PoolRules(
        id=pool_id,
        name=message.name,
        team=message.team,
        region=message.region,
        claim_limit=message.claim_limit or 30,
        cooldown_hours=message.cooldown_hours,
        follow_up_days=message.follow_up_days or 7,
        callback_grace_hours=message.callback_grace_hours,
        lost_reasons=tuple(message.lost_reasons),
        assignment=_RULES.get(message.assignment, "?"),
        members=tuple(message.members),
    )


def pool_to_proto(rules: PoolRules) -> pool_pb2.Pool:
    return pool_pb2.Pool(
        id=rules.id,
        name=rules.name,
        team=rules.team,
        region=rules.region,
        claim_limit=rules.claim_limit,
        cooldown_hours=rules.cooldown_hours,
        follow_up_days=rules.follow_up_days,
        callback_grace_hours=rules.callback_grace_hours,
        lost_reasons=list(rules.lost_reasons),
        assignment=_RULE_ENUMS[rules.assignment],
        members=list(rules.members),
    )


def lead_to_proto(doc: dict[str, Any]) -> pool_pb2.PoolLead:
    return pool_pb2.PoolLead(
        customer_id=doc["customer_id"],
        pool_id=doc["pool_id"],
        owner_id=doc.get("owner_id") or "",
        claimed_at=_ts(doc.get("claimed_ms")),
        last_follow_up_at=_ts(doc.get("last_follow_up_ms")),
        release_due_at=_ts(doc.get("release_due_ms")),
        last_reason=doc.get("last_reason", ""),
        release_count=int(doc.get("release_count", 0)),
    )


def span_to_proto(doc: dict[str, Any]) -> pool_pb2.OwnerSpan:
    return pool_pb2.OwnerSpan(
        owner_id=doc["owner_id"],
        claimed_at=_ts(doc.get("claimed_ms")),
        released_at=_ts(doc.get("released_ms")),
        reason=doc.get("reason", ""),
        note=doc.get("note", ""),
        automatic=bool(doc.get("automatic")),
        merged_from=str(doc.get("merged_from") or ""),
    )


def follow_up_to_proto(doc: dict[str, Any]) -> pool_pb2.FollowUp:
    return pool_pb2.FollowUp(
        id=doc["_id"],
        customer_id=doc["customer_id"],
        rep_id=doc["rep_id"],
        kind=_KIND_ENUMS.get(doc["kind"], pool_pb2.FOLLOW_UP_KIND_UNSPECIFIED),
        outcome=doc.get("outcome", ""),
        notes=doc.get("notes", ""),
        at=_ts(doc.get("at_ms")),
        merged_from=str(doc.get("merged_from") or ""),
    )


def callback_to_proto(doc: dict[str, Any]) -> pool_pb2.Callback:
    return pool_pb2.Callback(
        id=doc["_id"],
        customer_id=doc["customer_id"],
        owner_id=doc.get("owner_id", ""),
        promised_by=doc.get("promised_by", ""),
        due_at=_ts(doc.get("due_ms")),
        text=doc.get("text", ""),
        quote=doc.get("quote", ""),
        conversation_id=doc.get("conversation_id", ""),
        state=doc.get("state", ""),
        source=doc.get("source", ""),
    )
