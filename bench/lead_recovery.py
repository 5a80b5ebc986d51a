"""Benchmark: look-alike ranking of recovery search over 100,000 leads, stage by stage.

A synthetic tenant on the tags service's own `RoaringIndex` (default 100,000 customers): 60 flag tags
with Zipf-like popularity (the top one on ~40 % of customers), an enum `region` with 8 values, and
`deal.won_product` on ~5 % of customers, drawn so that three tags are 2-4× more common among them.
One recovery request with no expression (every customer a candidate) is then done as the services
do it, stage by stage, in this process:

1. tags, `CountTagFeatures`: per-feature counts within the won set (`features.count_within`);
2. tags, `ListExpressionMembers`: pages of 1,000 members with their features (`features.page_features`),
   each encoded as the gRPC response and decoded again (the wire cost minus the network);
3. leads: lifts, the fit of every candidate and the sort (`lookalike.feature_lifts`, `recovery.rank`).

Baselines from the same run: the segment count of the same set (what PreviewSegment does), and a
bare sort of as many random floats (the floor of any ranking). Not measured here: the ~100 loopback
gRPC round trips (DESIGN §8: ~0.6 ms each sequentially) and the one profile query for the page.

    python bench/lead_recovery.py [--customers 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pyroaring import BitMap

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from crm.tags.v1 import segments_pb2

from services.leads.lookalike import FeatureCounts, Lift, feature_lifts, features_at, fit
from services.leads.recovery import WON_TAG_KEYS, rank
from services.leads.tags_client import MemberPage
from services.tags.model import TagDef
from services.tags.segments.features import count_within, page_features
from services.tags.segments.names import TagNames
from services.tags.segments.roaring_index import RoaringIndex

TENANT = "bench"
TAGS = 60
PAGE = 1000
REGIONS = ["上海", "杭州", "北京", "深圳", "广州", "成都", "南京", "武汉"]
WON_SHARE = 0.05
WON_LIKES = {"t005": 4.0, "t010": 3.0, "t020": 2.0}  # how much more often won customers have these


def build(n: int, seed: int = 7) -> tuple[RoaringIndex, TagNames]:
    rng = random.Random(seed)
    won = BitMap(i for i in range(1, n + 1) if rng.random() < WON_SHARE)
    index = RoaringIndex()
    definitions = [
        TagDef(key="deal.won_product", display_name="已成交产品", category="system", value_type="enum")
    ]
    for rank_ in range(1, TAGS + 1):
        key = f"t{rank_:03d}"
        share = 0.4 / rank_**0.8
        boost = WON_LIKES.get(key, 1.0)
        members = BitMap(i for i in range(1, n + 1) if rng.random() < (share * boost if i in won else share))
        index.merge_tag(TENANT, key, {"": members}, {"manual": members}, (list(members), [0] * len(members)))
        definitions.append(TagDef(key=key, display_name=f"标签{rank_}", category="basic", value_type="flag"))
    regions: dict[str, BitMap] = {r: BitMap() for r in REGIONS}
    for i in range(1, n + 1):
        regions[REGIONS[min(int(rng.expovariate(0.5)), len(REGIONS) - 1)]].add(i)
    everyone = BitMap(range(1, n + 1))
    index.merge_tag(TENANT, "region", regions, {"manual": everyone}, (list(everyone), [0] * len(everyone)))
    definitions.append(
        TagDef(
            key="region",
            display_name="区域",
            category="basic",
            value_type="enum",
            allowed_values=tuple(REGIONS),
        )
    )
    index.merge_tag(TENANT, "deal.won_product", {"柜子": won}, {"system": won}, (list(won), [0] * len(won)))
    index.run_optimize()
    index.load_customers(TENANT, [(i, f"cus_{i:026d}", 1) for i in range(1, n + 1)])
    return index, TagNames(definitions)


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    n = args.customers
    started = time.perf_counter()
    index, names = build(n)
    print(
        f"synthetic tenant: {n:,} customers, {TAGS} flag tags + region (8 values) + won tag, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    won = index.has(TENANT, "deal.won_product")
    universe = index.universe(TENANT)

    count_ms, counted = timed(lambda: count_within(index, TENANT, names, won))
    counts = counted if isinstance(counted, list) else []

    def members() -> list[MemberPage]:
        numbers = list(universe)
        out: list[MemberPage] = []
        for start in range(0, len(numbers), PAGE):
            page = numbers[start : start + PAGE]
            ids = index.customer_ids(TENANT, page)
            columns = page_features(index, TENANT, names, page)
            reply = segments_pb2.ListExpressionMembersResponse(
                customer_ids=ids,
                features=[
                    segments_pb2.FeatureMembers(
                        feature=segments_pb2.TagFeature(tag_key=f.tag_key, value=f.value), positions=positions
                    )
                    for f, positions in columns
                ],
            )
            wire = segments_pb2.ListExpressionMembersResponse.FromString(reply.SerializeToString())
            out.append(
                MemberPage(
                    list(wire.customer_ids),
                    [((f.feature.tag_key, f.feature.value), list(f.positions)) for f in wire.features],
                )
            )
        return out

    members_ms, listed = timed(members, repeat=1)
    pages = listed if isinstance(listed, list) else []
    members_count = sum(len(p.customer_ids) for p in pages)
    table = [
        FeatureCounts(tag_key=f.tag_key, value=f.value, tag_name=f.tag_name, customers=a, won=w)
        for f, a, w in counts
    ]

    def score() -> object:
        lifts = feature_lifts(table, customers=len(universe), won=len(won), exclude_keys=WON_TAG_KEYS)
        return rank(pages, lifts, after=None, count=21)[0]

    def lifts_of() -> dict[tuple[str, str], Lift]:
        return feature_lifts(table, customers=len(universe), won=len(won), exclude_keys=WON_TAG_KEYS)

    rank_ms, ranked = timed(score)
    top = ranked[:5] if isinstance(ranked, list) else []
    preview_ms, _ = timed(lambda: len(universe - won), repeat=5)
    floats = [random.random() for _ in range(members_count)]
    sort_ms, _ = timed(lambda: sorted(floats, reverse=True))
    total = count_ms + members_ms + rank_ms
    features = sum(len(positions) for p in pages for _, positions in p.columns)
    print(
        f"candidates {members_count - len(won):,} (of {members_count:,} members), won {len(won):,}, "
        f"{len(table)} features, {features / max(1, members_count):.1f} per customer"
    )
    print(f"  tags  CountTagFeatures          {count_ms:9.1f} ms")
    print(
        f"  tags  ListExpressionMembers     {members_ms:9.1f} ms  ({len(pages)} pages of {PAGE}, "
        "incl. proto encode+decode)"
    )
    print(f"  leads lifts + scores + top 20   {rank_ms:9.1f} ms")
    print(f"  total (without gRPC transport)  {total:9.1f} ms")
    print(
        f"baseline: segment count of the same set {preview_ms:.2f} ms; sort of {len(floats):,} floats {sort_ms:.1f} ms"
    )
    for neg_score, customer_id, i, p in top:
        reasons = fit(features_at(pages[i].columns, p), lifts_of()).reasons[:3]
        print(f"  {customer_id} score {-neg_score:+.3f}: " + "; ".join(x.text for x in reasons))


if __name__ == "__main__":
    main()
