"""The leads service's window onto the tags service's segment index (recovery search, look-alikes).

Leads never reads the tags database (DESIGN §3): it asks `crm.tags.v1.SegmentsService` over gRPC as
the `platform` role with the internal token, the way `common/customers.py` asks leads. Two calls:
`CountTagFeatures` (per-feature counts within the won set) and `ListExpressionMembers` (the members
of an expression with their features, a page at a time). An INVALID_ARGUMENT from tags (a syntax
error in the person's expression) comes back as an `InvalidArgument` with the same field and
position metadata, so the gateway shows BAD_USER_INPUT with the column; anything else is UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from crm.tags.v1 import segments_pb2, segments_pb2_grpc

from common.context import CallContext
from common.errors import InvalidArgument, Unavailable
from common.grpc_client import error_metadata, field_violations, open_channel
from services.leads.lookalike import FeatureCounts, FeatureKey

PLATFORM = frozenset({"platform"})
DEFAULT_DEADLINE_SECONDS = 5.0
MEMBERS_PAGE = 1000  # the most ListExpressionMembers gives per call


@dataclass(frozen=True)
class WonCounts:
    """What CountTagFeatures answers for the won set."""

    customers: int
    won: int
    features: list[FeatureCounts]


@dataclass(frozen=True)
class MemberPage:
    """One page of an expression's members, features column-wise: (feature, positions in customer_ids)."""

    customer_ids: list[str]
    columns: list[tuple[FeatureKey, list[int]]]


class TagsClient:
    """Calls the tags service's segment index for one tenant at a time; the channel opens on first use."""

    def __init__(
        self, *, address: str | None, token: str, caller: str, deadline: float = DEFAULT_DEADLINE_SECONDS
    ) -> None:
        self._address = address
        self._token = token
        self._caller = caller
        self._deadline = deadline
        self._channel: grpc.aio.Channel | None = None

    def _stub(self) -> segments_pb2_grpc.SegmentsServiceStub:
        if not self._address:
            raise Unavailable("recovery search needs the tags service: no address for it (TAGS_ADDR)")
        if self._channel is None:
            self._channel = open_channel(self._address)
        return segments_pb2_grpc.SegmentsServiceStub(self._channel)

    def _metadata(self, tenant: str) -> tuple[tuple[str, str], ...]:
        return CallContext(tenant=tenant, caller=self._caller, roles=PLATFORM).outgoing_metadata(self._token)

    async def count_features(self, tenant: str, within: str) -> WonCounts:
        """Per-feature counts of the tenant's customers and of those in the set `within` selects."""
        try:
            reply = await self._stub().CountTagFeatures(
                segments_pb2.CountTagFeaturesRequest(within=within),
                metadata=self._metadata(tenant),
                timeout=self._deadline,
            )
        except grpc.aio.AioRpcError as err:
            raise _domain_error(err, field="within") from None
        return WonCounts(
            customers=reply.customers,
            won=reply.within_count,
            features=[
                FeatureCounts(
                    tag_key=f.feature.tag_key,
                    value=f.feature.value,
                    tag_name=f.tag_name,
                    customers=f.customers,
                    won=f.within,
                )
                for f in reply.features
            ],
        )

    async def members(self, tenant: str, expression: str) -> AsyncIterator[tuple[str, MemberPage]]:
        """Every member of `expression` with its features, one page per item: (canonical text, page)."""
        token = ""
        while True:
            try:
                reply = await self._stub().ListExpressionMembers(
                    segments_pb2.ListExpressionMembersRequest(
                        expression=expression, page_size=MEMBERS_PAGE, page_token=token
                    ),
                    metadata=self._metadata(tenant),
                    timeout=self._deadline,
                )
            except grpc.aio.AioRpcError as err:
                raise _domain_error(err, field="expression") from None
            yield (
                reply.expression,
                MemberPage(
                    list(reply.customer_ids),
                    [((f.feature.tag_key, f.feature.value), list(f.positions)) for f in reply.features],
                ),
            )
            token = reply.next_page_token
            if not token:
                return

    # As a `common.service.Background` part, so the process closes the channel when it stops.
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    def problems(self) -> list[str]:
        return []  # tags being away makes recovery search UNAVAILABLE, not the leads process unready


def _domain_error(err: grpc.aio.AioRpcError, *, field: str) -> InvalidArgument | Unavailable:
    if err.code() == grpc.StatusCode.INVALID_ARGUMENT:
        violations = field_violations(err)
        return InvalidArgument(
            err.details() or "invalid expression",
            field=violations[0][0] if violations else field,
            metadata=error_metadata(err),
        )
    return Unavailable(f"the tags service answered {err.code().name} ({err.details()})")
