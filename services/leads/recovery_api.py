"""The RecoveryService gRPC servicer (crm.leads.v1, recovery.proto): decode, search, encode."""

from __future__ import annotations

import grpc
from crm.leads.v1 import recovery_pb2, recovery_pb2_grpc

from common.context import current_call
from common.paging import page_size
from services.leads.convert import customer_to_proto
from services.leads.lookalike import Lift
from services.leads.recovery import Recovery

MAX_PAGE = 100
DEFAULT_PAGE = 20


def lift_to_proto(lift: Lift) -> recovery_pb2.TagLift:
    return recovery_pb2.TagLift(
        tag_key=lift.tag_key,
        value=lift.value,
        tag_name=lift.tag_name,
        lift=lift.lift,
        won_with=lift.won_with,
        customers_with=lift.customers_with,
        text=lift.text,
    )


class RecoveryServicer(recovery_pb2_grpc.RecoveryServiceServicer):
    def __init__(self, recovery: Recovery) -> None:
        self._recovery = recovery

    async def RecoverLeads(
        self, request: recovery_pb2.RecoverLeadsRequest, context: grpc.aio.ServicerContext
    ) -> recovery_pb2.RecoverLeadsResponse:
        size = page_size(request.page_size, default=DEFAULT_PAGE, maximum=MAX_PAGE)
        found = await self._recovery.search(
            current_call().tenant, request.expression, size=size, token=request.page_token
        )
        return recovery_pb2.RecoverLeadsResponse(
            leads=[
                recovery_pb2.RecoveredLead(
                    customer=customer_to_proto(doc),
                    score=fit.score,
                    reasons=[lift_to_proto(r) for r in fit.reasons],
                )
                for doc, fit in found.leads
            ],
            next_page_token=found.next_token,
            total=found.total,
            won_customers=found.won,
            expression=found.expression,
            won_expression=found.won_expression,
        )
