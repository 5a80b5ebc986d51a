"""A merge of tag A into tag B whose tags process is killed (SIGKILL) half-way through its batches,
then resumed by a fresh process on the same database: every customer ends with B (provenance kept),
A holds nothing, each customer's history records the merge once, and the merge reaches DONE with
exact counts (services/tags/library/merging.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T
from crm.tags.v1 import tags_pb2_grpc
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from common.config import Settings
from common.service import start_service
from services.tags.app import DEFINITION
from services.tags.library.merging import BATCH
from services.tags.store import CUSTOMERS
from tests.integration.tags.helpers import assign, flag_tag
from tests.support.events import connect, subscribe
from tests.support.leads import Leads
from tests.support.rpc import channel, metadata

ADMIN = metadata("acme")
PLATFORM = metadata("acme", caller="rule-engine", roles="platform")
ROOT = Path(__file__).resolve().parents[3]
CUSTOMERS_IN_MERGE = 3 * BATCH  # the inline batch, then two timer batches (and an empty last look)
HOLDING_TARGET = 12  # of them already hold B: their B stands
KILL_AFTER = BATCH + 20  # moves seen on NATS: the second batch is under way


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(settings: Settings, port: int) -> dict[str, str]:
    """The variables that make `python -m services.tags` run exactly as `settings` describes."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "NATS_", "GRPC_"))},
        "CRM_ENV": "development",
        "GRPC_PORT": str(port),
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DB_PREFIX": settings.mongodb_db_prefix,
        "NATS_URL": settings.nats_url,
        "NATS_USER": settings.nats_user,
        "NATS_PASSWORD": settings.nats_password,
        "NATS_SUBJECT_ROOT": settings.subject_root,
        "INTERNAL_TOKEN": settings.internal_token,
        "LEADS_ADDR": settings.peers["leads"],
        "LOG_LEVEL": "WARNING",
    }


@contextlib.asynccontextmanager
async def tags_process(
    settings: Settings,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, tags_pb2_grpc.TagsServiceStub]]:
    """A real tags process (its own interpreter) on a free port, killed afterwards if still alive."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.tags",
        cwd=ROOT,
        env=environment(settings, port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with channel(port) as ch:
            stub = tags_pb2_grpc.TagsServiceStub(ch)
            await until_serving(process, stub)
            yield process, stub
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def until_serving(process: asyncio.subprocess.Process, stub: tags_pb2_grpc.TagsServiceStub) -> None:
    async with asyncio.timeout(60):
        for _ in range(600):
            assert process.returncode is None, "the tags process exited at start"
            with contextlib.suppress(grpc.aio.AioRpcError):
                await stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=ADMIN)
                return
            await asyncio.sleep(0.2)


async def until_done(stub: tags_pb2_grpc.TagsServiceStub, source_key: str) -> T.TagMerge:
    request = T.GetTagMergeRequest(source_key=source_key)
    async with asyncio.timeout(60):
        for _ in range(600):
            merge: T.TagMerge = await stub.GetTagMerge(request, metadata=ADMIN)
            if merge.status == T.TAG_MERGE_STATUS_DONE:
                return merge
            await asyncio.sleep(0.2)
    raise AssertionError(f"the merge of {source_key} never finished")


def by_rule(key: str, rule: str) -> T.TagAssignmentInput:
    return T.TagAssignmentInput(
        tag_key=key, source=T.TAG_SOURCE_RULE, confidence=0.8, evidence=T.Evidence(rule_id=rule)
    )


async def test_a_merge_killed_half_way_resumes_on_a_fresh_process_with_exact_counts(
    settings_for: Callable[..., Settings],
    leads: Leads,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    nats_url: str,
    namespace: str,
) -> None:
    settings = settings_for("tags")
    customers = await leads.customers(CUSTOMERS_IN_MERGE)
    holding_target = set(customers[:HOLDING_TARGET])
    nc = await connect(nats_url)
    try:
        moves = await subscribe(nc, f"{namespace}.evt.acme.tags.removed")
        merged = await subscribe(nc, f"{namespace}.evt.acme.tags.tag_merged")
        async with tags_process(settings) as (first, stub):
            await stub.DefineTag(flag_tag("style.min"), metadata=ADMIN)
            await stub.DefineTag(flag_tag("pref.minimal"), metadata=ADMIN)
            for customer in customers:
                items = [by_rule("style.min", f"r-{customer[-6:]}")]
                if customer in holding_target:
                    items.append(T.TagAssignmentInput(tag_key="pref.minimal"))
                await stub.AssignTags(assign(customer, *items), metadata=PLATFORM)
            started = await stub.MergeTags(
                T.MergeTagsRequest(source_key="style.min", target_key="pref.minimal", reason="dedupe"),
                metadata=ADMIN,
            )
            assert started.status == T.TAG_MERGE_STATUS_RUNNING
            await moves.wait_for(KILL_AFTER, within=60)
            first.send_signal(signal.SIGKILL)  # no graceful stop: mid-batch, timer leased
            await first.wait()

        db = mongo_client[settings.database_name]
        left = await db[CUSTOMERS].count_documents({"tenant_id": "acme", "tags.style:min": {"$exists": True}})
        assert 0 < left < CUSTOMERS_IN_MERGE - BATCH  # stopped after the first batch, before the end

        fresh = await start_service(DEFINITION, settings)  # a new process on the same database
        try:
            async with channel(fresh.port) as ch:
                stub = tags_pb2_grpc.TagsServiceStub(ch)
                done = await until_done(stub, "style.min")
                assert (done.moved, done.kept_target) == (
                    CUSTOMERS_IN_MERGE - HOLDING_TARGET,
                    HOLDING_TARGET,
                )
                await check_customers(stub, customers, holding_target)
                tag = await stub.GetTag(T.GetTagRequest(key="style.min"), metadata=ADMIN)
                assert tag.usage.active_assignments == 0
                assert tag.definition.merged_into == "pref.minimal"
        finally:
            await fresh.stop()
        [event] = (await merged.wait_for(1, within=30))[:1]
        assert (event["data"]["moved"], event["data"]["kept_target"]) == (
            CUSTOMERS_IN_MERGE - HOLDING_TARGET,
            HOLDING_TARGET,
        )
        await asyncio.sleep(0.5)
        assert len(merged.events) == 1
        # Each customer's move was announced (a re-sent event is the same event id).
        announced = {e["subject"] for e in moves.events if e["data"].get("action") == "merged"}
        assert announced == set(customers)
    finally:
        await nc.close()


async def check_customers(
    stub: tags_pb2_grpc.TagsServiceStub, customers: list[str], holding_target: set[str]
) -> None:
    """Every customer holds B and no A; a moved value kept its provenance; one merge entry each."""
    for customer in customers:
        listed = await stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=ADMIN)
        [held] = listed.tags
        assert held.tag_key == "pref.minimal"
        if customer in holding_target:
            assert held.source == T.TAG_SOURCE_MANUAL  # B's own value stood
        else:
            assert (held.source, held.confidence, held.evidence.rule_id, held.actor) == (
                T.TAG_SOURCE_RULE,
                pytest.approx(0.8),
                f"r-{customer[-6:]}",
                "rule-engine",
            )
        history = await stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=ADMIN)
        merges = sorted(e.tag_key for e in history.entries if e.action == "merged")
        expected = ["style.min"] if customer in holding_target else ["pref.minimal", "style.min"]
        assert merges == expected, customer
