"""The `deal.won_product` system tag: what a customer bought, from journey's `deal_signed` / `deal_paid`.

DESIGN §3: the tags service turns a won deal into this tag, which recovery's look-alikes count as won
(with `lead.status = won`). Durables `tags-deal-signed` / `tags-deal-paid` on
`<root>.evt.*.journey.deal_signed` and `….deal_paid`. Each assigns the deal's product through the one
write door with its provenance: the event id and a note naming the deal ("deal <id> signed"). A deal
signed and then paid names the same product (unchanged, one history entry); a redelivery likewise.
A customer who wins deals of two products holds the latest one heard (the tag is one value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common.bus import Consumer
from common.errors import InvalidArgument
from common.ids import require_customer_id
from services.tags.model import AssignInput, Evidence, TagDef

if TYPE_CHECKING:
    from services.tags.operations import TagOperations

TAG_KEY = "deal.won_product"
ACTOR = "svc:journey"
MAX_PRODUCT = 100
SIGNED_DURABLE = "tags-deal-signed"
PAID_DURABLE = "tags-deal-paid"


def system_definition() -> TagDef:
    return TagDef(
        key=TAG_KEY,
        display_name="成交产品",
        description="The product of the customer's latest won (signed or paid) deal, from the journey service",
        group="deal",
        category="system",
        value_type="text",
        exclusive=False,
    )


@dataclass(frozen=True, kw_only=True)
class WonDeal:
    event_id: str
    customer_id: str
    deal_id: str
    product: str
    how: str  # "signed" | "paid"

    def as_input(self) -> AssignInput:
        return AssignInput(
            tag_key=TAG_KEY,
            value=self.product,
            source="system",
            confidence=1.0,
            evidence=Evidence(event_ids=(self.event_id,), note=f"deal {self.deal_id} {self.how}"),
        )


def parse_won_deal(event: dict[str, Any]) -> WonDeal:
    """Decode `deal_signed` / `deal_paid`; malformed data raises InvalidArgument (dead letter)."""
    data = event.get("data") or {}
    customer_id, deal_id, product = data.get("customer_id"), data.get("deal_id"), data.get("product")
    if not isinstance(customer_id, str):
        raise InvalidArgument("deal event data lacks customer_id", field="data.customer_id")
    require_customer_id(customer_id, field="data.customer_id")
    if not isinstance(deal_id, str) or not deal_id:
        raise InvalidArgument("deal event data lacks deal_id", field="data.deal_id")
    if not isinstance(product, str) or not product.strip() or len(product) > MAX_PRODUCT:
        raise InvalidArgument(
            f"deal event needs a product of 1 to {MAX_PRODUCT} characters", field="data.product"
        )
    how = "paid" if str(event.get("type", "")).endswith("deal_paid.v1") else "signed"
    return WonDeal(
        event_id=str(event["id"]), customer_id=customer_id, deal_id=deal_id, product=product.strip(), how=how
    )


def deal_won_consumers(ops: TagOperations) -> list[Consumer]:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        won = parse_won_deal(event)
        await ops.ensure_system_tag(tenant, system_definition())
        await ops.assign(
            tenant, won.customer_id, [won.as_input()], roles=None, actor=ACTOR, reason=f"deal {won.how}"
        )

    return [
        Consumer(
            durable=SIGNED_DURABLE,
            stream_kind="evt",
            filter_subject="evt.*.journey.deal_signed",
            handler=handle,
        ),
        Consumer(
            durable=PAID_DURABLE, stream_kind="evt", filter_subject="evt.*.journey.deal_paid", handler=handle
        ),
    ]
