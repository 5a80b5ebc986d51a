"""Sales conversations of the demo tenant, and the tag hints that make them heard. Pure data.

A few customers of each story get one scripted call or chat, so that `make run` shows applied
conversation tags, pending suggestions, a budget and a call-back promise on real customers. Ids are
derived from the customer's plan key, so re-seeding is de-duplicated by the tags service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

CONVERSATION_TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True, kw_only=True)
class ConversationPlan:
    """One conversation to ingest: whose (story and rank within it), when, over which channel, and the turns."""

    story: str
    rank: int  # the rank-th customer of the story (in plan order) has this conversation
    ago: timedelta
    channel: str  # call | wechat | wecom | meeting | email
    rep_id: str
    turns: tuple[tuple[str, str], ...]  # (speaker, text)

    def conversation_id(self, plan_key: str) -> str:
        return f"demo-{plan_key}-{self.channel}"


def _turns(*lines: str) -> tuple[tuple[str, str], ...]:
    """Lines prefixed "R:" (rep) or "C:" (customer)."""
    return tuple(("rep" if line.startswith("R:") else "customer", line[2:].strip()) for line in lines)


CONVERSATIONS: tuple[ConversationPlan, ...] = (
    ConversationPlan(
        story="car",
        rank=0,
        ago=timedelta(hours=3),
        channel="call",
        rep_id="rep_zhangwei",
        turns=_turns(
            "R: 您好，我是悦行汽车的张伟，看到您在抖音上留了信息，是想了解悦行SUV吗？",
            "C: 对，我想给我爸妈买一台，他们年纪大了，上下车方便一点的。",
            "R: 明白，那您这边预算大概多少呢？",
            "C: 预算二十万左右吧，不要太贵。",
            "R: 好的，我们顶配落地大概二十三万，中配十九万八。",
            "C: 我今天在开会，你明天下午三点再打给我吧，我跟我爸一起听。",
            "R: 好的，明天下午三点给您回电话。",
        ),
    ),
    ConversationPlan(
        story="car",
        rank=1,
        ago=timedelta(days=1, hours=2),
        channel="wechat",
        rep_id="rep_liuyang",
        turns=_turns(
            "R: 王先生您好，上周试驾感觉怎么样？",
            "C: 车还行，不过我可能还要考虑一下分期的方案。",
            "R: 我们现在有零首付分期，您看要不要了解一下？",
            "C: 可以，你周五下午两点半打给我详细说。",
        ),
    ),
    ConversationPlan(
        story="home",
        rank=0,
        ago=timedelta(hours=20),
        channel="wecom",
        rep_id="rep_wangfang",
        turns=_turns(
            "R: 您好，您在小红书上收藏了我们的极简沙发，是新房装修吗？",
            "C: 是的，新房，想整体做极简风格，不是北欧风，是极简。",
            "R: 那预算方面您有个范围吗？",
            "C: 客厅这块大概3.5万以内。",
        ),
    ),
    ConversationPlan(
        story="books",
        rank=0,
        ago=timedelta(days=2),
        channel="call",
        rep_id="rep_zhaomin",
        turns=_turns(
            "R: 您好，这里是代理记账的赵敏，您公司现在是自己记账吗？",
            "C: 没有专门的会计，一直是我自己在弄，报税挺麻烦的。",
            "R: 我们一年的服务费是两千五，包含报税。",
            "C: 行，这个价格可以，不过要跟我合伙人商量一下。你后天上午再联系我。",
        ),
    ),
)

# Hints added to the demo library: what a tenant's operations team would write for these stories.
HEARD_TAGS: tuple[dict[str, object], ...] = (
    {
        "key": "heard.budget",
        "display_name": "预算（听到的）",
        "group": "heard",
        "category": "marketing",
        "value_type": "number",
        "description": "客户在沟通中说出的预算（元）",
        "keywords": ("预算", "能接受", "控制在", "以内"),
    },
    {
        "key": "heard.installment",
        "display_name": "考虑分期",
        "group": "heard",
        "category": "marketing",
        "value_type": "flag",
        "description": "客户提到分期或贷款",
        "keywords": ("分期", "贷款", "月供"),
    },
    {
        "key": "heard.needs_partner",
        "display_name": "需与他人商量",
        "group": "heard",
        "category": "marketing",
        "value_type": "flag",
        "description": "不是唯一决策人：要和家人或合伙人商量",
        "keywords": ("商量一下", "跟我老婆", "跟我老公", "合伙人商量"),
        "patterns": ("跟*商量",),
    },
    {
        "key": "heard.minimal_style",
        "display_name": "偏好极简风格",
        "group": "heard",
        "category": "marketing",
        "value_type": "flag",
        "description": "装修或家居偏好极简风格",
        "keywords": ("极简",),
    },
    {
        "key": "heard.self_bookkeeping",
        "display_name": "自己记账",
        "group": "heard",
        "category": "marketing",
        "value_type": "flag",
        "description": "没有专职会计，老板自己记账报税",
        "keywords": ("自己记账", "没有专门的会计", "我自己在弄"),
    },
)
