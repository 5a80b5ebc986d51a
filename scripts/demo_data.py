"""The demo tenant's data, built deterministically: a governed tag library and ~200 customers.

Everything here is pure (no I/O, no clock): times are offsets before "now", so the seed places them
relative to the moment it runs, and every touchpoint and signal id is derived from the customer's
position, so a second run re-sends the same ids and the services de-duplicate them. Customers follow
one of three stories — minimalist home decor (极简家居), a car bought for one's parents (为父母买车),
bookkeeping for small companies (代理记账) — and how far each got decides its touchpoints, its
behaviour tags and how hot its intent signals are (a funnel: most stop early, a few close).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

RANDOM_SEED = 20251123
CUSTOMER_COUNT = 200
STORIES = ("home", "car", "books")
PRODUCTS = {"home": "极简家居", "car": "悦行SUV", "books": "代理记账"}

# fmt: off
SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
         ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
         ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("晓雯", "xiaowen"), ("子涵", "zihan"),
         ("浩然", "haoran"), ("雨桐", "yutong"), ("思远", "siyuan"), ("梓萱", "zixuan"), ("俊杰", "junjie"),
         ("欣怡", "xinyi"), ("宇航", "yuhang"), ("佳琪", "jiaqi"), ("建华", "jianhua"), ("海燕", "haiyan")]
FEMALE_GIVEN = {"芳", "娜", "敏", "静", "艳", "娟", "秀英", "晓雯", "子涵", "雨桐", "梓萱", "欣怡", "佳琪", "海燕"}
REGIONS = {"华东": ["上海", "杭州", "苏州", "南京", "宁波"], "华南": ["广州", "深圳", "东莞", "厦门"],
           "华北": ["北京", "天津", "石家庄"], "华中": ["武汉", "长沙", "郑州"], "西南": ["成都", "重庆", "昆明"],
           "西北": ["西安", "兰州"], "东北": ["沈阳", "大连"]}
REGION_WEIGHTS = {"华东": 30, "华南": 22, "华北": 18, "华中": 10, "西南": 12, "西北": 4, "东北": 4}
BRAND_WORDS = ["云栖", "星河", "蓝海", "启明", "青禾", "瑞丰", "嘉禾", "众创", "知行", "远航",
               "墨白", "拾光", "优品", "鼎盛", "禾木", "一苇", "山海", "初心", "微光", "恒信"]
INDUSTRIES = {"互联网": "网络科技有限公司", "软件": "软件有限公司", "教育": "教育咨询有限公司",
              "金融": "金融信息服务有限公司", "医疗": "医疗器械有限公司", "制造": "精密制造有限公司",
              "餐饮": "餐饮管理有限公司", "电商": "电子商务有限公司", "设计": "设计工作室", "贸易": "贸易有限公司"}
SMALL_BUSINESS_INDUSTRIES = ["餐饮", "电商", "设计", "贸易", "软件", "教育"]
EMPLOYEE_INDUSTRIES = ["互联网", "软件", "教育", "金融", "医疗", "制造"]
COMPANY_SIZES = ["1-10人", "11-50人", "51-200人", "201-1000人", "1000人以上"]
CONSUMER_TITLES = ["产品经理", "工程师", "教师", "医生", "设计师", "财务主管", "销售经理", "运营经理"]
FOUNDER_TITLES = ["创始人", "总经理", "合伙人", "行政主管", "财务负责人"]
REPS = {"rep_zhangwei": "张伟", "rep_liuyang": "刘洋", "rep_wangfang": "王芳", "rep_zhaomin": "赵敏",
        "rep_sunhao": "孙浩"}
CHANNEL_CODES = {"百度搜索": "bd-sem", "抖音": "douyin-ads", "小红书": "xhs-notes", "微信公众号": "wx-mp",
                 "展会": "expo-2025", "老客户转介绍": "referral", "线下门店": "store-walkin"}
STORY_CHANNELS = {
    "home": {"小红书": 30, "抖音": 20, "微信公众号": 15, "线下门店": 20, "老客户转介绍": 10, "百度搜索": 5},
    "car": {"抖音": 25, "百度搜索": 20, "线下门店": 25, "老客户转介绍": 15, "展会": 10, "微信公众号": 5},
    "books": {"百度搜索": 40, "微信公众号": 20, "老客户转介绍": 20, "展会": 10, "抖音": 10},
}
CAMPAIGNS = {"home": ("双11极简生活节", "mkt.campaign.minimal_festival"),
             "car": ("金秋孝心购车季", "mkt.campaign.family_car_autumn"),
             "books": ("小微企业财税无忧计划", "mkt.campaign.tax_care")}
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "foxmail.com", "outlook.com"]

# Each story's path: (touchpoint type, channel, notes); the closing step is where the deal is won.
PATHS = {
    "home": [("content_read", "xiaohongshu", "阅读《极简客厅：留白的五个细节》"),
             ("content_read", "web", "阅读《极简卧室：只留下需要的东西》"),
             ("website_visit", "web", "浏览极简沙发与实木床详情页"),
             ("inquiry", "wechat", "申请面料与木色小样"),
             ("store_visit", "store", "到店体验极简样板间"),
             ("price_request", "wechat", "索要客厅+卧室套餐报价"),
             ("purchase", "store", "下单极简客厅套装"),
             ("referral", "wechat", "推荐朋友到店")],
    "car": [("ad_click", "douyin", "点击悦行SUV短视频广告"),
            ("content_read", "web", "阅读《适合带父母出行的SUV》评测"),
            ("website_visit", "web", "反复查看悦行SUV车型页与配置表"),
            ("inquiry", "phone", "来电咨询：父母上下车是否方便、后排空间"),
            ("store_visit", "store", "带父母到店看车"),
            ("test_drive", "store", "与父母一起试驾，父亲关注乘坐舒适性"),
            ("price_request", "store", "索要落地价与置换方案"),
            ("purchase", "store", "签单，车辆登记在父亲名下")],
    "books": [("ad_click", "baidu", "搜索“代理记账多少钱”点击广告"),
              ("website_visit", "web", "查看代理记账价格页"),
              ("content_read", "web", "阅读《小规模纳税人报税指南》"),
              ("inquiry", "web", "在线留言咨询零申报与年报"),
              ("consultation", "phone", "顾问电话沟通：月度记账+年度汇算"),
              ("price_request", "wechat", "索要年度套餐报价"),
              ("contract_signed", "store", "签订一年代理记账合同"),
              ("referral", "wechat", "介绍同园区两家公司")],
}
CLOSING_STEP = {"home": 7, "car": 8, "books": 7}  # 1-based step that wins the deal
# Signals per story: type -> (party, properties). Topic is the story's product.
SIGNALS = {
    "home": {"content_read": ("first", {"url": "/inspiration/minimal-living-room", "category": "客厅"}),
             "pricing_page_view": ("first", {"url": "/pricing/whole-home", "category": "套餐"}),
             "whitepaper_download": ("first", {"url": "/guides/minimal-home.pdf", "category": "搭配指南"}),
             "demo_video_watch": ("first", {"url": "/showroom/3d-tour", "category": "样板间"}),
             "demo_request": ("first", {"url": "/book/designer-visit", "category": "设计师上门"}),
             "competitor_research": ("third", {"category": "竞品家居对比"})},
    "car": {"content_read": ("first", {"url": "/reviews/yuexing-suv", "category": "评测"}),
            "pricing_page_view": ("first", {"url": "/models/yuexing-suv/price", "category": "报价"}),
            "demo_video_watch": ("first", {"url": "/models/yuexing-suv/rear-seats", "category": "后排空间"}),
            "demo_request": ("first", {"url": "/book/test-drive", "category": "预约试驾"}),
            "competitor_research": ("third", {"category": "同级SUV对比"})},
    "books": {"pricing_page_view": ("first", {"url": "/pricing", "category": "价格"}),
              "whitepaper_download": ("first", {"url": "/guides/small-business-tax.pdf", "category": "财税指南"}),
              "content_read": ("first", {"url": "/blog/small-taxpayer-filing", "category": "报税"}),
              "demo_request": ("first", {"url": "/book/advisor", "category": "预约顾问"}),
              "competitor_research": ("third", {"category": "代账机构比价"})},
}
THIRD_PARTY_SOURCE = {"home": "家居行业数据平台", "car": "汽车垂直媒体", "books": "企业服务比价平台"}
# One featured customer per story, first in the list: the people a demo walks through.
HEROES = [
    {"name": "林晓雯", "company": "上海拾光网络科技有限公司", "title": "产品经理", "region": "华东",
     "city": "上海", "industry": "互联网", "company_size": "201-1000人", "source_channel": "小红书",
     "owner_id": "rep_wangfang", "gender": "女", "wechat_id": "wxid_linxiaowen",
     "email": "xiaowen.lin@outlook.com"},
    {"name": "王磊", "company": "成都远航软件有限公司", "title": "工程师", "region": "西南", "city": "成都",
     "industry": "软件", "company_size": "51-200人", "source_channel": "抖音", "owner_id": "rep_zhangwei",
     "gender": "男", "wechat_id": "wxid_wanglei_cd", "email": "lei.wang@163.com"},
    {"name": "陈静", "company": "杭州青禾电子商务有限公司", "title": "创始人", "region": "华东",
     "city": "杭州", "industry": "电商", "company_size": "1-10人", "source_channel": "百度搜索",
     "owner_id": "rep_liuyang", "gender": "女", "wechat_id": "wxid_chenjing_hz",
     "email": "chenjing@qinghe-shop.cn"},
]
# fmt: on


@dataclass(frozen=True, kw_only=True)
class TagPlan:
    """One tag to assign, with its provenance: source (manual | import | channel) and acting user."""

    tag_key: str
    value: str = ""
    source: str = "import"
    actor: str = "seed-import"
    channel_code: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class TouchpointPlan:
    id: str
    type: str
    channel: str
    ago: timedelta
    actor: str
    notes: str


@dataclass(frozen=True, kw_only=True)
class SignalPlan:
    id: str
    type: str
    party: str  # first | third
    topic: str
    ago: timedelta
    properties: dict[str, str]
    source: str


@dataclass(frozen=True, kw_only=True)
class CustomerPlan:
    """A demo customer: the profile the leads service stores, plus its tags, touchpoints and signals."""

    key: str
    story: str
    depth: int  # steps of the story's path taken
    profile: dict[str, str]  # leads CustomerInput fields
    tags: tuple[TagPlan, ...]
    touchpoints: tuple[TouchpointPlan, ...]
    signals: tuple[SignalPlan, ...]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _profile(rng: random.Random, index: int, story: str, phones: set[str]) -> dict[str, str]:
    surname, surname_py = rng.choice(SURNAMES)
    given, given_py = rng.choice(GIVEN)
    region = _weighted(rng, REGION_WEIGHTS)
    small = story == "books"
    industry = rng.choice(SMALL_BUSINESS_INDUSTRIES if small else EMPLOYEE_INDUSTRIES)
    city = rng.choice(REGIONS[region])
    phone = ""
    while not phone or phone in phones:  # +86 mobiles, unique so identity resolution keeps 200 people
        phone = f"+861{rng.choice('356789')}{rng.randrange(10**9):09d}"
    phones.add(phone)
    return {
        "name": surname + given,
        "company": f"{city}{rng.choice(BRAND_WORDS)}{INDUSTRIES[industry]}",
        "title": rng.choice(FOUNDER_TITLES if small else CONSUMER_TITLES),
        "phone": phone,
        "email": f"{given_py}.{surname_py}{index:03d}@{rng.choice(EMAIL_DOMAINS)}"
        if small or rng.random() < 0.6
        else "",
        "wechat_id": f"wxid_{surname_py}{given_py}{index:03d}" if rng.random() < 0.5 else "",
        "region": region,
        "city": city,
        "industry": industry,
        "company_size": rng.choice(COMPANY_SIZES[:2]) if small else rng.choice(COMPANY_SIZES),
        "source_channel": _weighted(rng, STORY_CHANNELS[story]),
        "campaign": CAMPAIGNS[story][0] if rng.random() < 0.5 else "",
        "owner_id": rng.choice(list(REPS)) if rng.random() < 0.8 else "",  # the rest wait in the pool
        "gender": "女" if given in FEMALE_GIVEN else "男",
    }


def _touchpoints(rng: random.Random, key: str, story: str, depth: int, actor: str) -> list[TouchpointPlan]:
    steps = list(PATHS[story][:depth])
    if story == "car" and depth >= 3:  # the SUV page is viewed again and again before the first call
        steps[3:3] = [("website_visit", "web", "再次查看悦行SUV车型页（第二、三次）")] * 2
    if story == "home" and depth >= 2:
        steps[2:2] = [("content_read", "wechat", "阅读《卧室收纳的极简法则》")]
    closed = depth >= CLOSING_STEP[story]
    newest = rng.uniform(4, 20) if closed else rng.uniform(0.2, 3) if depth >= 4 else rng.uniform(2, 12)
    oldest = newest + rng.uniform(10, 30)
    span = (oldest - newest) / max(len(steps) - 1, 1)
    return [
        TouchpointPlan(
            id=f"demo-tp-{key}-{i:02d}",
            type=kind,
            channel=channel,
            ago=timedelta(days=round(oldest - i * span, 3)),
            actor=actor or "seed-import",
            notes=notes,
        )
        for i, (kind, channel, notes) in enumerate(steps)
    ]


def _signals(rng: random.Random, key: str, story: str, heat: str) -> list[SignalPlan]:
    """Hot: a burst of pricing views and a demo request this week; warm: reading around; cold: old reads."""
    catalogue = SIGNALS[story]
    if heat == "hot":
        kinds = ["pricing_page_view"] * rng.randint(3, 5) + ["demo_request", "content_read", "content_read"]
        kinds += rng.sample([k for k in catalogue if k not in kinds], k=2)
        days = (0.1, 4.0)
    elif heat == "warm":
        kinds = ["content_read", "content_read", "pricing_page_view", "pricing_page_view"]
        kinds += rng.sample([k for k in catalogue if k not in kinds and k != "demo_request"], k=1)
        days = (1.0, 12.0)
    else:
        kinds = ["content_read"] * rng.randint(1, 3)
        days = (12.0, 30.0)
    plans = []
    for i, kind in enumerate(kinds):
        party, properties = catalogue[kind]
        props = dict(properties)
        if kind == "content_read":
            props["dwell_seconds"] = str(rng.randint(20, 240))
        plans.append(
            SignalPlan(
                id=f"demo-sig-{key}-{i:02d}",
                type=kind,
                party=party,
                topic=PRODUCTS[story],
                ago=timedelta(days=round(rng.uniform(*days), 3)),
                properties=props,
                source=THIRD_PARTY_SOURCE[story] if party == "third" else "website",
            )
        )
    return plans


def _heat(rng: random.Random, story: str, depth: int) -> str:
    closing = CLOSING_STEP[story]
    if depth >= closing:
        return "cold"  # already bought: no purchase intent left to score
    if depth >= closing - 2:
        return "hot" if rng.random() < 0.7 else "warm"
    return "warm" if depth >= 3 or rng.random() < 0.15 else "cold"


def _tags(profile: dict[str, str], story: str, depth: int, touch_types: set[str]) -> list[TagPlan]:
    rep = profile["owner_id"]
    by_rep = {"source": "manual", "actor": rep} if rep else {"source": "import", "actor": "seed-import"}
    code = CHANNEL_CODES[profile["source_channel"]]
    via_channel = {"source": "channel", "actor": f"channel:{code}", "channel_code": code}
    closing = CLOSING_STEP[story]
    value = "value.high" if depth >= closing - 1 else "value.medium" if depth >= closing // 2 else "value.low"
    plans = [
        TagPlan(tag_key=f"basic.{field}", value=profile[field], note="CRM 历史数据导入")
        for field in ("gender", "region", "city", "industry", "company_size")
    ]
    plans.append(TagPlan(tag_key="mkt.acquisition_channel", value=profile["source_channel"], **via_channel))
    if profile["campaign"]:
        plans.append(TagPlan(tag_key=CAMPAIGNS[story][1], **via_channel))
    plans.append(TagPlan(tag_key="interest.product", value=PRODUCTS[story], **by_rep))
    plans.append(TagPlan(tag_key=value, note="销售评估客户价值", **by_rep))
    if story == "car" and depth >= 4:
        plans.append(TagPlan(tag_key="car.buying_for_parents", note="为父母购车，本人决策并付款", **by_rep))
    behaviour = {
        "content_read": "behavior.read_content",
        "website_visit": "behavior.viewed_product",
        "store_visit": "behavior.visited_store",
        "test_drive": "behavior.test_drove",
        "price_request": "behavior.asked_price",
        "purchase": "behavior.bought",
        "contract_signed": "behavior.bought",
    }
    keys = sorted({behaviour[t] for t in touch_types if t in behaviour})
    if story == "home" and "inquiry" in touch_types:
        keys.append("behavior.requested_sample")
    if depth > closing:  # came back after the deal: bought again, renewed or sent friends
        keys.append("behavior.repurchased")
    if story == "home" and depth >= 2:
        plans.append(TagPlan(tag_key="style.minimalist", note="多次阅读极简风内容", **by_rep))
    plans += [TagPlan(tag_key=k, note="历史行为数据导入") for k in keys]
    return plans


def build_customers(*, count: int = CUSTOMER_COUNT, seed: int = RANDOM_SEED) -> list[CustomerPlan]:
    """The demo customers, identical on every call with the same `seed`; the three heroes come first."""
    rng = random.Random(seed)
    phones: set[str] = set()
    customers = []
    for index in range(count):
        story = STORIES[index % len(STORIES)]
        profile = _profile(rng, index, story, phones)
        depth = min(rng.choices(range(1, 9), weights=[34, 28, 22, 16, 12, 9, 6, 3])[0], len(PATHS[story]))
        heat = _heat(rng, story, depth)
        if index < len(HEROES):  # one step from closing and hot: the ones to call today
            profile.update(HEROES[index])
            profile["campaign"] = CAMPAIGNS[story][0]
            depth, heat = CLOSING_STEP[story] - 1, "hot"
        key = f"c{index:03d}"
        touchpoints = _touchpoints(rng, key, story, depth, profile["owner_id"])
        customers.append(
            CustomerPlan(
                key=key,
                story=story,
                depth=depth,
                profile=profile,
                tags=tuple(_tags(profile, story, depth, {t.type for t in touchpoints})),
                touchpoints=tuple(touchpoints),
                signals=tuple(_signals(rng, key, story, heat)),
            )
        )
    return customers


@dataclass(frozen=True, kw_only=True)
class TagSpec:
    """A tag definition of the demo library (the fields of tags.v1.TagDefinition, as plain values)."""

    key: str
    display_name: str
    group: str
    category: str  # basic | behavior | composite | marketing
    value_type: str = "flag"  # flag | enum | text
    allowed_values: tuple[str, ...] = ()
    exclusive: bool = False
    update_cycle: str = "realtime"
    ttl_days: int = 0
    assign_roles: tuple[str, ...] = ()
    description: str = ""
    keywords: tuple[str, ...] = ()


def _flag(
    key: str,
    name: str,
    group: str,
    category: str,
    description: str,
    *,
    exclusive: bool = False,
    update_cycle: str = "realtime",
    ttl_days: int = 0,
    assign_roles: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
) -> TagSpec:
    return TagSpec(
        key=key,
        display_name=name,
        group=group,
        category=category,
        description=description,
        exclusive=exclusive,
        update_cycle=update_cycle,
        ttl_days=ttl_days,
        assign_roles=assign_roles,
        keywords=keywords,
    )


def _enum(key: str, name: str, group: str, values: list[str] | tuple[str, ...], description: str) -> TagSpec:
    category = "marketing" if group != "basic" else "basic"
    return TagSpec(
        key=key,
        display_name=name,
        group=group,
        category=category,
        value_type="enum",
        allowed_values=tuple(values),
        description=description,
    )


@dataclass(frozen=True, kw_only=True)
class SegmentSpec:
    """A saved segment of the demo tenant: what a marketer would save for the stories."""

    name: str
    expression: str
    description: str


def saved_segments() -> list[SegmentSpec]:
    """The demo stories as saved segments (docs/segments.md); texts use display names, as people type."""
    return [
        SegmentSpec(
            name="极简风 · 高意向",
            expression="极简风 AND 意向等级 = high",
            description="喜欢极简风、购买意向高：今天就打电话",
        ),
        SegmentSpec(
            name="已成交未复购",
            expression="已成交 AND NOT 已复购",
            description="买过一次还没回来的客户：复购与转介绍活动",
        ),
    ]


def tag_library() -> list[TagSpec]:
    """The governed tag library of the demo tenant: basic, behaviour, marketing and value tags."""
    value_roles = ("admin", "sales")
    return [
        _enum("basic.gender", "性别", "basic", ["男", "女"], "客户性别"),
        _enum("basic.region", "大区", "basic", list(REGIONS), "客户所在大区"),
        TagSpec(
            key="basic.city",
            display_name="城市",
            group="basic",
            category="basic",
            value_type="text",
            description="客户所在城市",
        ),
        _enum("basic.industry", "行业", "basic", list(INDUSTRIES), "客户所在行业"),
        _enum("basic.company_size", "公司规模", "basic", COMPANY_SIZES, "员工人数区间"),
        _flag("behavior.read_content", "看过内容", "behavior", "behavior", "阅读过文章或指南"),
        _flag("behavior.viewed_product", "看过产品页", "behavior", "behavior", "浏览过产品或车型页面"),
        _flag("behavior.requested_sample", "申请过小样", "behavior", "behavior", "申请过面料或木色小样"),
        _flag("behavior.visited_store", "到过门店", "behavior", "behavior", "到店体验或看车"),
        _flag("behavior.test_drove", "试驾过", "behavior", "behavior", "完成过试驾"),
        _flag("behavior.asked_price", "问过价格", "behavior", "behavior", "索要过报价"),
        _flag("behavior.bought", "已成交", "behavior", "behavior", "已购买或已签约"),
        _flag("behavior.repurchased", "已复购", "behavior", "behavior", "成交后再次购买、续约或转介绍"),
        _flag("style.minimalist", "极简风", "style", "marketing", "偏好极简风格"),
        _enum("mkt.acquisition_channel", "来源渠道", "acquisition", list(CHANNEL_CODES), "首次获客渠道"),
        *(
            _flag(tag, name, "campaign", "marketing", f"参与「{name}」活动", ttl_days=90)
            for name, tag in CAMPAIGNS.values()
        ),
        _enum("interest.product", "意向产品", "interest", list(PRODUCTS.values()), "客户最感兴趣的产品"),
        _flag(
            "car.buying_for_parents",
            "为父母购车",
            "interest",
            "marketing",
            "买给父母开或坐，本人决策",
            keywords=("给爸妈", "给父母", "带父母", "我爸", "我妈"),
        ),
        *(
            _flag(
                f"value.{level}",
                name,
                "customer_value",
                "composite",
                f"客户价值：{name}",
                exclusive=True,
                update_cycle="monthly",
                assign_roles=value_roles,
            )
            for level, name in (("high", "高价值"), ("medium", "中价值"), ("low", "低价值"))
        ),
    ]
