"""What judging saved-segment membership adds to every tag write (the pure part, no I/O).

Every write of a customer's tags runs the matcher on the customer's assignments before and after,
once per saved segment of the tenant (docs/segments.md). This prints the time of that step per write
for 10, 50 and 200 saved segments of five predicates each on a customer with 30 tags, next to a
baseline measured in the same run: planning the write itself (`assignment.plan` of one tag), which
every write pays anyway. Run: `.venv/bin/python bench/segment_membership.py`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.tags.assignments import plan as assignment
from services.tags.assignments import values
from services.tags.model import AssignInput, Assignment, Evidence, HistoryEntry, TagDef
from services.tags.segments.expression import And, AssignedWithin, BySource, Equals, Has, In, Node, Not, Or
from services.tags.segments.membership import customer_matches
from services.tags.segments.saved import SavedSegment, membership_changes

NOW = datetime(2026, 11, 27, tzinfo=UTC)
TAGS = [f"tag{i}" for i in range(200)]
VALUES = ("上海", "杭州", "北京", "深圳")
ROUNDS = 2000


def _assignment(tag: str, rng: random.Random) -> Assignment:
    return Assignment(
        customer_id="cus_bench",
        tag_key=tag,
        value=rng.choice(VALUES),
        source=rng.choice(("manual", "rule", "conversation")),
        confidence=1.0,
        evidence=Evidence(),
        actor="bench",
        assigned_at=NOW - timedelta(days=rng.randint(0, 30)),
    )


def _tree(rng: random.Random) -> Node:
    """Five predicates: the shape of `高意向 AND 区域 IN (…) AND NOT 已复购 AND (… OR …)`."""
    a, b, c, d, e = rng.sample(TAGS[:60], 5)
    return And(
        (
            Has(a),
            In(b, ("上海", "杭州")),
            Not(Equals(c, "北京")),
            Or((BySource(d, ("manual",)), AssignedWithin(e, last_days=7))),
        )
    )


def _segments(count: int, rng: random.Random) -> list[SavedSegment]:
    return [
        SavedSegment(
            id=f"seg_{i}",
            tenant="bench",
            name=f"segment {i}",
            description="",
            expression="",
            tree=_tree(rng),
            owner="bench",
            version=1,
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(count)
    ]


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """(median, p99) microseconds of `step` over ROUNDS runs."""
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    rng = random.Random(8)
    before = {t: _assignment(t, rng) for t in rng.sample(TAGS[:60], 30)}
    changed = next(t for t in TAGS[:60] if t not in before)
    after = {**before, changed: _assignment(changed, rng)}
    entry = HistoryEntry(
        id="th_bench",
        customer_id="cus_bench",
        tag_key=changed,
        action="assigned",
        value=after[changed].value,
        previous_value="",
        source="manual",
        confidence=1.0,
        evidence=Evidence(),
        actor="bench",
        reason="",
        at=NOW,
    )
    definitions = {
        t: TagDef(key=t, display_name=t, category="basic", value_type="enum", allowed_values=VALUES)
        for t in TAGS
    }
    item = [AssignInput(tag_key=changed, value="上海")]

    def plan_write() -> object:
        checked = values.check_items(item, definitions, roles=None, now=NOW)
        return assignment.plan("cus_bench", checked, definitions, before, actor="bench", now=NOW)

    base_median, base_p99 = _timed(plan_write)
    print(
        f"baseline: planning one tag write                {base_median:8.1f} µs median {base_p99:8.1f} µs p99"
    )
    for count in (10, 50, 200):
        segments = _segments(count, rng)

        def judge(segments: list[SavedSegment] = segments) -> object:
            return membership_changes(
                segments,
                customer_id="cus_bench",
                before=before,
                after=after,
                history=[entry],
                at=NOW,
                matches=customer_matches,
                new_id=lambda: "mem_bench",
            )

        median, p99 = _timed(judge)
        print(
            f"membership of {count:3d} saved segments (5 predicates) {median:8.1f} µs median {p99:8.1f} µs p99"
            f"  = {median / base_median:4.1f}× the plan"
        )


if __name__ == "__main__":
    main()
