"""Issue 10's demo: a car dealer's journey, a showroom's customers spread along it, deals and tasks.

The dealer's own sequence 来电 → 预约 → 到店 → 需求 → 推荐 → 试驾 → 报价 → 回访 → 再次到店, then 签约 (won by
contract) and 付款 (won by payment), is the tenant journey `car_dealer`. It is *not* made the default:
the 200 story customers keep the 5A template, and the dealer's touchpoints have their own types
(`car_inbound_call`, …, the documented way for a product line to have its own journey,
docs/journeys.md), so no home-decor store visit or bookkeeping contract lands in the car funnel.

36 showroom customers (keys d000…) fall off along it — 36 call, 30 book, … 4 sign, 2 pay — and one
who reached 试驾 comes back for a second needs analysis (moved back, still counted at 试驾). Those
who got to 报价 have a qualified deal (三定: nature, grade, expected close date and amount); the
signed and paid ones are marked won with their amounts. Open customers have a next-step task; two
tasks fall due 5 s after seeding (CreateTask refuses a due time in the past) and turn OVERDUE when
the scheduler's grace period (`JOURNEY_TASK_GRACE_SECONDS`, 900 s by default) has passed.

Data is pure and deterministic; ids of touchpoints, deals and tasks derive from the customer's key,
so a second run re-sends the same ids and the journey service returns what it stored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import grpc
from crm.journey.v1 import journey_pb2

from common.timeutil import to_timestamp, utcnow
from scripts.demo_data import (
    CHANNEL_CODES,
    FEMALE_GIVEN,
    GIVEN,
    SURNAMES,
    CustomerPlan,
    TagPlan,
    TagSpec,
    TouchpointPlan,
)

if TYPE_CHECKING:
    from scripts.seed_demo import SeedClients, SeedSummary

JOURNEY_KEY = "car_dealer"
JOURNEY_NAME = "汽车经销商 · 来电到付款"
DEALER_SEED = 20261127
PRODUCT = "悦行SUV"
# fmt: off
# (stage key, name, touchpoint type, channel, notes, days to rot, hours after the previous stage)
STAGES = [
    ("call", "来电", "car_inbound_call", "phone", "来电咨询悦行SUV，想给父母换一台好上下车的车", 0, 0),
    ("appointment", "预约", "car_appointment", "phone", "预约周六上午带父母到店看车", 0, 20),
    ("visit", "到店", "car_showroom_visit", "store", "带父母到店看车", 3, 44),
    ("needs", "需求", "car_needs_analysis", "store", "需求分析：预算20万左右，后排宽敞、上下车方便", 0, 1),
    ("recommend", "推荐", "car_recommendation", "store", "推荐悦行SUV 2.0T 四驱豪华版", 0, 2),
    ("test_drive", "试驾", "car_test_drive", "store", "与父母一起试驾，父亲关注乘坐舒适性", 0, 30),
    ("quote", "报价", "car_quote", "wechat", "发送落地价与置换方案报价单", 7, 24),
    ("follow_up", "回访", "car_follow_up", "phone", "电话回访：还在对比同级SUV", 5, 72),
    ("revisit", "再次到店", "car_revisit", "store", "再次到店，谈置换与金融方案", 3, 96),
    ("signed", "签约", "car_contract_signed", "store", "签订购车合同", 0, 24),
    ("paid", "付款", "car_payment", "store", "购车款到账", 0, 150),
]
# How many customers stop at each stage (furthest reached): a funnel with drop-off at every step.
STOPS = [6, 5, 4, 3, 3, 4, 3, 2, 2, 2, 2]
DEALER_REPS = ["rep_zhangwei", "rep_liuyang", "rep_wangfang", "rep_sunhao"]
CITIES = ["上海", "苏州", "杭州"]
CHANNELS = {"抖音": 30, "线下门店": 25, "百度搜索": 20, "老客户转介绍": 15, "展会": 10}
TRIMS = [("悦行SUV 2.0T 四驱豪华版", 229_800, "LARGE"), ("悦行SUV 1.5T 两驱舒适版", 179_800, "NORMAL")]
TASK_FOR_STAGE = {  # the next step for a customer whose furthest stage is this one
    "appointment": ("VISIT", "确认到店时间，提醒带上父母"), "visit": ("FOLLOW_UP", "到店后跟进：发车型资料"),
    "needs": ("MEETING", "约父母一起看推荐车型"), "recommend": ("CALL", "电话确认配置与颜色"),
    "test_drive": ("SEND_QUOTE", "试驾后发送报价"), "quote": ("CALL", "报价后回访，了解顾虑"),
    "follow_up": ("VISIT", "邀约再次到店谈方案"), "revisit": ("MEETING", "签约面谈，准备合同"),
}
# fmt: on
MOVED_BACK_NOTES = "试驾后想改看七座，重新做需求分析"
OVERDUE_NOTES = "报价三天未回复：电话跟进"
OVERDUE_LEAD_SECONDS = 5  # CreateTask needs a future due time: these fall due right after the seed


@dataclass(frozen=True, kw_only=True)
class DealPlan:
    customer_key: str
    deal_id: str
    owner: str
    product: str
    amount: str  # list price, decimal string
    expected_amount: str
    nature: str  # VALUABLE | UNCERTAIN
    grade: str  # LARGE | NORMAL
    close_in_days: int  # expected close date, days after the seed (or the signing day when signed)
    signed_ago: timedelta | None = None
    paid_ago: timedelta | None = None


@dataclass(frozen=True, kw_only=True)
class TaskPlan:
    customer_key: str
    task_id: str
    owner: str
    kind: str
    notes: str
    due_in: timedelta  # after the seed; always in the future (the API refuses the past)
    deal_id: str = ""


@dataclass(frozen=True, kw_only=True)
class DealerDemo:
    customers: list[CustomerPlan]
    furthest: dict[str, str]  # customer key -> furthest stage key
    moved_back: str  # the key of the customer who went back from 试驾 to 需求
    deals: list[DealPlan]
    tasks: list[TaskPlan]
    overdue_task_ids: list[str]


def journey_definition() -> journey_pb2.JourneyDefinition:
    kinds = {"signed": journey_pb2.STAGE_KIND_WON_CONTRACT, "paid": journey_pb2.STAGE_KIND_WON_PAYMENT}
    return journey_pb2.JourneyDefinition(
        key=JOURNEY_KEY,
        name=JOURNEY_NAME,
        stages=[
            journey_pb2.JourneyStage(
                key=key,
                name=name,
                touchpoint_types=[tp_type],
                kind=kinds.get(key, journey_pb2.STAGE_KIND_STAGE),
                days_to_rot=rot,
            )
            for key, name, tp_type, _channel, _notes, rot, _gap in STAGES
        ],
    )


def won_tag_spec() -> TagSpec:
    """`deal.won_product`: who bought what — the won set look-alike recovery compares leads with."""
    return TagSpec(
        key="deal.won_product",
        display_name="已成交产品",
        group="deal",
        category="behavior",
        value_type="enum",
        allowed_values=(PRODUCT, "极简家居", "代理记账"),
        description="已签约或已付款的产品",
    )


def _profile(rng: random.Random, index: int, owner: str) -> dict[str, str]:
    surname, surname_py = SURNAMES[(index * 7) % len(SURNAMES)]
    given, given_py = rng.choice(GIVEN)
    return {
        "name": surname + given,
        "phone": f"+86139{DEALER_SEED % 1000:03d}{index:05d}",
        "wechat_id": f"wxid_{surname_py}{given_py}_d{index:02d}",
        "region": "华东",
        "city": rng.choice(CITIES),
        "source_channel": rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
        "owner_id": owner,
        "gender": "女" if given in FEMALE_GIVEN else "男",
        "title": "个人购车",
    }


def _tags(profile: dict[str, str], depth: int, *, parents: bool) -> list[TagPlan]:
    rep = profile["owner_id"]
    code = CHANNEL_CODES[profile["source_channel"]]
    plans = [
        TagPlan(tag_key=f"basic.{f}", value=profile[f], note="展厅客户导入")
        for f in ("gender", "region", "city")
    ]
    plans.append(
        TagPlan(
            tag_key="mkt.acquisition_channel",
            value=profile["source_channel"],
            source="channel",
            actor=f"channel:{code}",
            channel_code=code,
        )
    )
    plans.append(TagPlan(tag_key="interest.product", value=PRODUCT, source="manual", actor=rep))
    if parents:
        plans.append(TagPlan(tag_key="car.buying_for_parents", note="给父母买车", source="manual", actor=rep))
    for stage, key in (
        (2, "behavior.visited_store"),
        (5, "behavior.test_drove"),
        (6, "behavior.asked_price"),
    ):
        if depth >= stage:
            plans.append(TagPlan(tag_key=key, note="展厅行为"))
    if depth >= 9:
        plans.append(TagPlan(tag_key="behavior.bought", note="已签约"))
        plans.append(TagPlan(tag_key="deal.won_product", value=PRODUCT, note="签约成交"))
    return plans


def _touchpoints(
    rng: random.Random, key: str, depth: int, rep: str, *, moved_back: bool
) -> tuple[list[TouchpointPlan], dict[str, float]]:
    """The customer's touchpoints up to stage `depth`, oldest first, and hours-ago per stage key."""
    gaps = [gap * rng.uniform(0.6, 1.5) for *_rest, gap in STAGES[: depth + 1]]
    span = sum(gaps) + (30 if moved_back else 0)
    newest = rng.uniform(2, 24 * 30)  # the last touch: from two hours to a month ago
    ago = newest + span
    steps: list[tuple[str, str, str, float]] = []
    at: dict[str, float] = {}
    for (stage, _name, tp_type, channel, notes, _rot, _gap), gap in zip(STAGES, gaps, strict=False):
        ago -= gap
        steps.append((tp_type, channel, notes, ago))
        at[stage] = ago
    if moved_back:
        steps.append((STAGES[3][2], "store", MOVED_BACK_NOTES, newest))
    plans = [
        TouchpointPlan(
            id=f"demo-tp-{key}-{i:02d}",
            type=tp_type,
            channel=channel,
            ago=timedelta(hours=round(hours, 3)),
            actor=rep,
            notes=notes,
        )
        for i, (tp_type, channel, notes, hours) in enumerate(steps)
    ]
    return plans, at


def build_dealer() -> DealerDemo:
    """The showroom's customers, deals and tasks: identical on every call."""
    rng = random.Random(DEALER_SEED)
    depths = [d for d, n in enumerate(STOPS) for _ in range(n)]
    customers: list[CustomerPlan] = []
    furthest: dict[str, str] = {}
    deals: list[DealPlan] = []
    tasks: list[TaskPlan] = []
    overdue: list[str] = []
    moved_back = ""
    for index, depth in enumerate(depths):
        key = f"d{index:03d}"
        rep = DEALER_REPS[index % len(DEALER_REPS)]
        profile = _profile(rng, index, rep)
        back = depth == 5 and not moved_back
        moved_back = key if back else moved_back
        touchpoints, at = _touchpoints(rng, key, depth, rep, moved_back=back)
        parents = depth >= 9 or index % 3 != 2
        customers.append(
            CustomerPlan(
                key=key,
                story="dealer",
                depth=depth + 1,
                profile=profile,
                tags=tuple(_tags(profile, depth, parents=parents)),
                touchpoints=tuple(touchpoints),
                signals=(),
            )
        )
        stage = STAGES[depth][0]
        furthest[key] = stage
        deal_id = ""
        if depth >= 6:  # a quote went out: the deal is qualified (三定)
            product, price, grade = TRIMS[index % len(TRIMS)]
            deal_id = f"demo-deal-{key}"
            discount = rng.choice([3_000, 5_000, 8_000, 12_000])
            deals.append(
                DealPlan(
                    customer_key=key,
                    deal_id=deal_id,
                    owner=rep,
                    product=product,
                    amount=f"{price}.00",
                    expected_amount=f"{price - discount}.00",
                    nature="VALUABLE" if depth >= 7 else "UNCERTAIN",
                    grade=grade,
                    close_in_days=rng.randint(5, 30),
                    signed_ago=timedelta(hours=at["signed"]) if depth >= 9 else None,
                    paid_ago=timedelta(hours=at["paid"]) if depth >= 10 else None,
                )
            )
        if stage in TASK_FOR_STAGE:
            kind, notes = TASK_FOR_STAGE[stage]
            due = timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
            tasks.append(TaskPlan(customer_key=key, task_id=f"demo-task-{key}-next", owner=rep, kind=kind,
                                  notes=notes, due_in=due, deal_id=deal_id))  # fmt: skip
        if stage in ("quote", "follow_up") and len(overdue) < 2:
            task_id = f"demo-task-{key}-late"
            overdue.append(task_id)
            tasks.append(TaskPlan(customer_key=key, task_id=task_id, owner=rep, kind="CALL", notes=OVERDUE_NOTES,
                                  due_in=timedelta(seconds=OVERDUE_LEAD_SECONDS), deal_id=deal_id))  # fmt: skip
    return DealerDemo(
        customers=customers, furthest=furthest, moved_back=moved_back, deals=deals, tasks=tasks,
        overdue_task_ids=overdue,
    )  # fmt: skip


def expected_funnel(demo: DealerDemo) -> list[tuple[str, int]]:
    """(stage key, customers who reached it or a later stage): what `funnel(journey: car_dealer)` shows."""
    order = [s[0] for s in STAGES]
    ranks = [order.index(stage) for stage in demo.furthest.values()]
    return [(stage, sum(r >= i for r in ranks)) for i, stage in enumerate(order)]


# --- seeding (over gRPC, idempotent) ---


async def ensure_journey(clients: SeedClients, summary: SeedSummary) -> None:
    """Define `car_dealer` once; an existing one is left as it is (its versions are the tenant's)."""
    try:
        await clients.journey.DefineJourney(
            journey_pb2.DefineJourneyRequest(journey=journey_definition()),
            metadata=clients.metadata("seed-admin"),
            timeout=clients.timeout,
        )
    except grpc.aio.AioRpcError as err:
        if err.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
        summary.journey_found += 1
    else:
        summary.journey_defined += 1


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _money(amount: str) -> journey_pb2.Money:
    return journey_pb2.Money(amount=amount, currency="CNY")


async def seed_deals(clients: SeedClients, demo: DealerDemo, summary: SeedSummary, now: datetime) -> None:
    """Qualified deals (三定) of the customers past 报价; the signed and paid ones marked won."""
    for plan in demo.deals:
        md = clients.metadata(plan.owner, "sales")
        closes = (
            now + timedelta(days=plan.close_in_days) if plan.signed_ago is None else now - plan.signed_ago
        )
        qualification = journey_pb2.DealQualification(
            product=plan.product,
            amount=_money(plan.amount),
            nature=getattr(journey_pb2, f"DEAL_NATURE_{plan.nature}"),
            grade=getattr(journey_pb2, f"DEAL_GRADE_{plan.grade}"),
            expected_close_date=closes.date().isoformat(),
            expected_amount=_money(plan.expected_amount),
        )
        deal = await clients.journey.CreateDeal(
            journey_pb2.CreateDealRequest(
                customer_id=summary.customer_ids[plan.customer_key], deal=qualification, deal_id=plan.deal_id
            ),
            metadata=md,
            timeout=clients.timeout,
        )
        fresh = deal.created_at.ToMilliseconds() >= _ms(now) - 1000
        summary.deals_created += fresh
        summary.deals_found += not fresh
        for status, ago in (("SIGNED", plan.signed_ago), ("PAID", plan.paid_ago)):
            if ago is None:
                continue
            await clients.journey.MarkDealWon(  # the same amount again returns the deal unchanged
                journey_pb2.MarkDealWonRequest(
                    deal_id=plan.deal_id,
                    status=getattr(journey_pb2, f"DEAL_STATUS_{status}"),
                    amount=_money(plan.expected_amount),
                    at=to_timestamp(now - ago),
                ),
                metadata=md,
                timeout=clients.timeout,
            )
            summary.deals_signed += status == "SIGNED"
            summary.deals_paid += status == "PAID"


async def seed_tasks(clients: SeedClients, demo: DealerDemo, summary: SeedSummary, now: datetime) -> None:
    """Next steps of the open customers; a re-sent task id returns the task as stored (no duplicate)."""
    for plan in demo.tasks:
        task = await clients.journey.CreateTask(
            journey_pb2.CreateTaskRequest(
                customer_id=summary.customer_ids[plan.customer_key],
                kind=getattr(journey_pb2, f"TASK_KIND_{plan.kind}"),
                due_at=to_timestamp(utcnow() + plan.due_in),  # not `now`: seeding takes a while
                notes=plan.notes,
                deal_id=plan.deal_id,
                task_id=plan.task_id,
            ),
            metadata=clients.metadata(plan.owner, "sales"),
            timeout=clients.timeout,
        )
        fresh = task.created_at.ToMilliseconds() >= _ms(now) - 1000
        summary.tasks_created += fresh
        summary.tasks_found += not fresh
