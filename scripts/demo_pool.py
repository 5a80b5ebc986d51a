"""Issue 11's demo: lead pools per region, claims by three reps, releases with reasons, a missed
call-back, follow-ups and channel costs, seeded over the leads service's gRPC APIs.

Pools are defined *before* the customers are created, so the leads service's intake puts every new
customer into the pool of its region (a customer with an owner claimed for that owner). The scripted
pool stories use customers without an owner (the ones "waiting in the pool"), put into their pool with
AddLeads (a no-op when intake was first), so the result does not depend on which of the two ran first:
- six leads claimed by rep_zhangwei, rep_liuyang and rep_wangfang, each with a follow-up;
- four claimed, followed up and released with a lost reason (预算不足, 选择竞品, 非决策人, 无响应) and a
  note — the tags service turns each into the system tag `lead.lost_reason`; one is claimed again by
  rep_zhangwei, who sees who held it before and why;
- one claimed by rep_sunhao with a call-back promised for 30 s before the seed (PromiseCallback accepts
  up to a minute in the past) and never followed up: the 华东 pool's `callbackGraceHours` is 0 for the
  demo, so it is on the missed call-back list as soon as its timers have run (a second or two);
- channel costs for every source channel, this month and last, so channel ROI shows numbers.

Idempotent: pools are found by name and re-defined with the same rules; a scripted lead that has an
owner or a previous owner already is left alone (its story ran before); a cost set again replaces itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crm.leads.v1 import leads_pb2, pool_pb2

from common.timeutil import to_timestamp, utcnow
from scripts.demo_data import CustomerPlan

if TYPE_CHECKING:
    from scripts.seed_demo import SeedClients, SeedSummary

ADMIN = "seed-admin"


@dataclass(frozen=True, kw_only=True)
class PoolSpec:
    name: str
    team: str
    region: str
    claim_limit: int
    follow_up_days: int
    callback_grace_hours: int
    cooldown_hours: int = 72
    assignment: str = "UNSPECIFIED"  # UNSPECIFIED (none) | ROUND_ROBIN | CAPACITY
    members: tuple[str, ...] = ()


POOLS = [
    PoolSpec(name="华东公海", team="华东销售一组", region="华东", claim_limit=50, follow_up_days=7,
             callback_grace_hours=0),  # demo: a call-back not followed up is missed as soon as it is due
    PoolSpec(name="华南公海", team="华南销售组", region="华南", claim_limit=40, follow_up_days=5,
             callback_grace_hours=24, cooldown_hours=48),
    PoolSpec(name="华北公海", team="华北销售组", region="华北", claim_limit=40, follow_up_days=7,
             callback_grace_hours=24, assignment="ROUND_ROBIN", members=("rep_zhaomin", "rep_sunhao")),
    PoolSpec(name="全国公海", team="大客户组", region="", claim_limit=40, follow_up_days=10,
             callback_grace_hours=24, assignment="CAPACITY",
             members=("rep_zhangwei", "rep_liuyang", "rep_wangfang")),
]  # fmt: skip
# (rep, follow-up kind, outcome, notes, release reason, release note)
HELD = [
    ("rep_zhangwei", "CALL", "有兴趣", "要产品资料和报价"),
    ("rep_liuyang", "MESSAGE", "已加微信", "发了案例，等回复"),
    ("rep_wangfang", "VISIT", "约到店", "周末带家人来看"),
    ("rep_zhangwei", "MEETING", "需求明确", "下周出方案"),
    ("rep_liuyang", "CALL", "在比价", "对比两家，价格敏感"),
    ("rep_wangfang", "CALL", "有兴趣", "月底预算下来再谈"),
]
RELEASED = [
    ("rep_zhaomin", "CALL", "预算不够", "今年没有预算", "预算不足", "明年三月预算下来再联系"),
    ("rep_liuyang", "VISIT", "已签别家", "签了友商，价格低一成", "选择竞品", "友商报价低10%"),
    ("rep_zhaomin", "CALL", "不做决定", "要老板拍板", "非决策人", "决策人是老板，联系不上"),
    ("rep_wangfang", "MESSAGE", "未回复", "三次消息未回", "无响应", "电话微信都不回"),
]
RECLAIMED_BY = "rep_zhangwei"  # claims the first released lead again
CALLBACK_REP = "rep_sunhao"
CALLBACK_TEXT = "周三上午回电确认预算"
# Cost per source channel and month (yuan): this month, last month is 80 % of it.
COSTS = {"百度搜索": 18000, "抖音": 25000, "小红书": 12000, "微信公众号": 6000, "展会": 30000,
         "老客户转介绍": 2000, "线下门店": 8000}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class PoolScript:
    """Which waiting customers play which part (plan keys), in the order of the stories above."""

    held: list[str]
    released: list[str]
    callback: str

    @property
    def keys(self) -> list[str]:
        return [*self.held, *self.released, self.callback]


def pool_script(plans: list[CustomerPlan]) -> PoolScript:
    """Customers without an owner in 华东 and 华南 (pools without automatic assignment); the
    call-back one in 华东, whose pool misses call-backs at once."""
    waiting = [p.key for p in plans if not p.profile["owner_id"] and p.profile["region"] in ("华东", "华南")]
    east = [p.key for p in plans if not p.profile["owner_id"] and p.profile["region"] == "华东"]
    callback = east[0]
    rest = [k for k in waiting if k != callback]
    return PoolScript(
        held=rest[: len(HELD)], released=rest[len(HELD) : len(HELD) + len(RELEASED)], callback=callback
    )


def pool_for(region: str, pools: dict[str, str]) -> str:
    """The pool id a customer of `region` belongs in: as the leads service's intake chooses."""
    by_region = {spec.region: pools[spec.name] for spec in POOLS}
    return by_region.get(region, by_region[""])


def periods(now: datetime) -> list[str]:
    last = now.replace(day=1) - timedelta(days=1)
    return [f"{last:%Y-%m}", f"{now:%Y-%m}"]


# --- seeding (over gRPC, idempotent) ---


async def ensure_pools(clients: SeedClients, summary: SeedSummary) -> dict[str, str]:
    """Define the pools (found by name: the same rules again); returns name -> pool id."""
    md = clients.metadata(ADMIN)
    existing = await clients.pool.ListPools(pool_pb2.ListPoolsRequest(), metadata=md, timeout=clients.timeout)
    ids = {p.name: p.id for p in existing.pools}
    for spec in POOLS:
        pool = pool_pb2.Pool(
            id=ids.get(spec.name, ""),
            name=spec.name,
            team=spec.team,
            region=spec.region,
            claim_limit=spec.claim_limit,
            cooldown_hours=spec.cooldown_hours,
            follow_up_days=spec.follow_up_days,
            callback_grace_hours=spec.callback_grace_hours,
            assignment=getattr(pool_pb2, f"ASSIGNMENT_RULE_{spec.assignment}"),
            members=list(spec.members),
        )
        summary.pools_found += spec.name in ids
        summary.pools_defined += spec.name not in ids
        defined = await clients.pool.DefinePool(
            pool_pb2.DefinePoolRequest(pool=pool), metadata=md, timeout=clients.timeout
        )
        ids[spec.name] = defined.id
    return ids


async def _claim(clients: SeedClients, customer_id: str, pool_id: str, rep: str) -> None:
    await clients.pool.ClaimLead(
        pool_pb2.ClaimLeadRequest(customer_id=customer_id, pool_id=pool_id),
        metadata=clients.metadata(rep, "sales"),
        timeout=clients.timeout,
    )


async def _follow_up(
    clients: SeedClients, customer_id: str, rep: str, kind: str, outcome: str, notes: str
) -> None:
    await clients.pool.RecordFollowUp(
        pool_pb2.RecordFollowUpRequest(
            customer_id=customer_id,
            kind=getattr(pool_pb2, f"FOLLOW_UP_KIND_{kind}"),
            outcome=outcome,
            notes=notes,
        ),
        metadata=clients.metadata(rep, "sales"),
        timeout=clients.timeout,
    )


async def seed_pool_stories(
    clients: SeedClients,
    plans: list[CustomerPlan],
    pools: dict[str, str],
    summary: SeedSummary,
    now: datetime,
) -> None:
    """Claims, follow-ups, releases with reasons and the missed call-back; each story runs once."""
    script = pool_script(plans)
    by_key = {p.key: p for p in plans}
    ids = {key: summary.customer_ids[key] for key in script.keys}
    md = clients.metadata(ADMIN)
    for key in script.keys:  # AddLeads is a no-op for a lead already in a pool
        pool_id = pool_for(by_key[key].profile["region"], pools)
        await clients.pool.AddLeads(
            pool_pb2.AddLeadsRequest(pool_id=pool_id, customer_ids=[ids[key]]),
            metadata=md,
            timeout=clients.timeout,
        )
    facts = await clients.pool.BatchGetLeadFacts(
        pool_pb2.BatchGetLeadFactsRequest(customer_ids=list(ids.values())),
        metadata=md,
        timeout=clients.timeout,
    )
    done = {f.customer_id for f in facts.facts if f.lead.owner_id or len(f.owners)}
    leads = {f.customer_id: f.lead for f in facts.facts}
    for key, (rep, kind, outcome, notes) in zip(script.held, HELD, strict=True):
        if ids[key] in done:
            continue
        await _claim(clients, ids[key], leads[ids[key]].pool_id, rep)
        await _follow_up(clients, ids[key], rep, kind, outcome, notes)
        summary.leads_claimed += 1
    for i, (key, (rep, kind, outcome, notes, reason, note)) in enumerate(
        zip(script.released, RELEASED, strict=True)
    ):
        if ids[key] in done:
            continue
        await _claim(clients, ids[key], leads[ids[key]].pool_id, rep)
        await _follow_up(clients, ids[key], rep, kind, outcome, notes)
        await clients.pool.ReleaseLead(
            pool_pb2.ReleaseLeadRequest(customer_id=ids[key], reason=reason, note=note),
            metadata=clients.metadata(rep, "sales"),
            timeout=clients.timeout,
        )
        summary.leads_released += 1
        if i == 0:  # the next owner sees who held it before, the follow-up and the reason
            await _claim(clients, ids[key], leads[ids[key]].pool_id, RECLAIMED_BY)
            summary.leads_claimed += 1
    key = script.callback
    if ids[key] not in done:
        await _claim(clients, ids[key], leads[ids[key]].pool_id, CALLBACK_REP)
        await clients.pool.PromiseCallback(  # due 30 s ago; no follow-up comes: missed
            pool_pb2.PromiseCallbackRequest(
                customer_id=ids[key],
                due_at=to_timestamp(utcnow() - timedelta(seconds=30)),
                text=CALLBACK_TEXT,
            ),
            metadata=clients.metadata(CALLBACK_REP, "sales"),
            timeout=clients.timeout,
        )
        summary.leads_claimed += 1
        summary.callbacks_promised += 1


async def seed_channel_costs(clients: SeedClients, summary: SeedSummary, now: datetime) -> None:
    """What each source channel cost this month and last (setting a cost again replaces it)."""
    md = clients.metadata(ADMIN)
    for share, period in zip((80, 100), periods(now), strict=True):
        for channel, yuan in COSTS.items():
            await clients.leads.SetChannelCost(
                leads_pb2.SetChannelCostRequest(
                    channel=channel, period=period, amount=f"{yuan * share // 100}.00", currency="CNY"
                ),
                metadata=md,
                timeout=clients.timeout,
            )
            summary.channel_costs += 1
