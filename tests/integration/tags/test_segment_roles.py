"""Every SegmentsService RPC needs its roles (docs/authorization.md), checked by the service itself."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from crm.tags.v1 import segments_pb2 as S
from crm.tags.v1 import segments_pb2_grpc

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, flag_tag
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import channel, metadata

SERVICE = "crm.tags.v1.SegmentsService"
ADMIN = metadata("acme")


@dataclass(frozen=True)
class World:
    stub: segments_pb2_grpc.SegmentsServiceStub
    customer_id: str
    segment_id: str


async def segments(w: World) -> Any:
    return await w.stub.ListSegments(S.ListSegmentsRequest(), metadata=ADMIN)


CASES: list[RpcCase[World]] = [
    RpcCase("PreviewSegment", lambda w, n: S.PreviewSegmentRequest(expression="vip"), allowed="viewer"),
    RpcCase("CreateSegment", lambda w, n: S.CreateSegmentRequest(name=f"vips {n}", expression="vip"),
            allowed="sales", read_back=segments),
    RpcCase("UpdateSegment", lambda w, n: S.UpdateSegmentRequest(id=w.segment_id, description=f"by {n}"),
            allowed="marketing", read_back=segments),
    RpcCase("DeleteSegment", lambda w, n: S.DeleteSegmentRequest(id=w.segment_id), allowed="tag_admin",
            read_back=segments),
    RpcCase("GetSegment", lambda w, n: S.GetSegmentRequest(id=w.segment_id), allowed="viewer"),
    RpcCase("ListSegments", lambda w, n: S.ListSegmentsRequest(), allowed="viewer"),
    RpcCase("ListSegmentMembers", lambda w, n: S.ListSegmentMembersRequest(segment_id=w.segment_id),
            allowed="viewer"),
    RpcCase("ExplainSegment", lambda w, n: S.ExplainSegmentRequest(customer_id=w.customer_id, segment_id=w.segment_id),
            allowed="viewer"),
    RpcCase("ListMembershipHistory", lambda w, n: S.ListMembershipHistoryRequest(customer_id=w.customer_id),
            allowed="viewer"),
    RpcCase("BatchGetCustomerSegments",
            lambda w, n: S.BatchGetCustomerSegmentsRequest(customer_ids=[w.customer_id]), allowed="viewer"),
    RpcCase("CountTagFeatures", lambda w, n: S.CountTagFeaturesRequest(within="vip"), allowed="viewer"),
    RpcCase("ListExpressionMembers", lambda w, n: S.ListExpressionMembersRequest(expression="vip"),
            allowed="viewer"),
]  # fmt: skip


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_serves_those_with_one(
    tags: TagsClient, case: RpcCase[World]
) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=ADMIN)
    customer_id = await tags.customer()
    await tags.stub.AssignTags(assign(customer_id, ("vip", "")), metadata=ADMIN)
    async with channel(tags.running.port) as ch:
        stub = segments_pb2_grpc.SegmentsServiceStub(ch)
        created = await stub.CreateSegment(
            S.CreateSegmentRequest(name="vips", expression="vip"), metadata=ADMIN
        )
        # Let the background announcement of its members finish, so "nothing changed" compares a
        # segment at rest (its membershipSync would otherwise move between the two reads).
        for _ in range(300):
            got = await stub.GetSegment(S.GetSegmentRequest(id=created.id), metadata=ADMIN)
            if got.membership_sync.state == "done":
                break
            await asyncio.sleep(0.1)
        await check_row(stub, SERVICE, case, World(stub=stub, customer_id=customer_id, segment_id=created.id))
