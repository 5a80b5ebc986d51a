"""Proto conversion of surges and call-list entries (issue 9)."""

from __future__ import annotations

from crm.intent.v1 import intent_pb2

from common.timeutil import from_ms, to_timestamp
from services.intent.calllist import CallEntry, SurgeView
from services.intent.scoring import HIGH, LOW, MEDIUM

_LEVEL = {
    LOW: intent_pb2.INTENT_LEVEL_LOW,
    MEDIUM: intent_pb2.INTENT_LEVEL_MEDIUM,
    HIGH: intent_pb2.INTENT_LEVEL_HIGH,
}


def surge_proto(surge: SurgeView) -> intent_pb2.IntentSurge:
    return intent_pb2.IntentSurge(
        at=to_timestamp(from_ms(surge.at_ms)),
        reason=surge.reason,
        window_days=surge.window_days,
        types=[
            intent_pb2.SurgingType(
                type=str(t.get("type", "")),
                label=str(t.get("label", "")),
                count=int(t.get("count", 0)),
                usual=round(float(t.get("expected", t.get("usual", 0.0))), 2),
            )
            for t in surge.types
        ],
        open=surge.open,
    )


def with_surge(score: intent_pb2.IntentScore, surge: SurgeView | None) -> intent_pb2.IntentScore:
    if surge is not None:
        score.surge.CopyFrom(surge_proto(surge))
    return score


def call_entry(entry: CallEntry) -> intent_pb2.CallListEntry:
    level = _LEVEL[entry.result.level]
    message = intent_pb2.CallListEntry(
        customer_id=entry.customer_id,
        owner_id=entry.owner_id,
        rank=round(entry.rank, 4),
        score=entry.result.score,
        level=level,
        reason=entry.reason,
    )
    if entry.surge is not None:
        message.surge.CopyFrom(surge_proto(entry.surge))
    if entry.last_contact_ms:
        message.last_contact_at.FromMilliseconds(entry.last_contact_ms)
    if entry.result.last_signal_ms:
        message.last_signal_at.FromMilliseconds(entry.result.last_signal_ms)
    return message
