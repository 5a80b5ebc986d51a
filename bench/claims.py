"""Benchmark: a burst of concurrent claims of pool leads through the leads service's gRPC API.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set) and the leads service
in-process, puts `--leads` leads into a pool with a per-rep limit of `--limit`, and fires `--claims`
ClaimLead calls at once from `--reps` reps (each call a random lead). It then checks what a manager
would: exactly one owner per claimed lead, every reported win is an owned lead, no rep above the
limit, every loser told why (already_claimed / limit_reached). Prints claims per second.
Baseline, in the same run and at the same concurrency: one plain guarded `update_one` per claim on a
document per lead (`{owner: null}` → owner), directly on MongoDB without gRPC, without the limit's
counter document, the revision guard or the outbox — the floor of a claim on this database.

    python bench/claims.py [--claims 1000] [--leads 100] [--reps 50] [--limit 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from pathlib import Path

import grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc, pool_pb2, pool_pb2_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers
from common.context import CallContext
from common.grpc_client import open_channel
from common.roles import PLATFORM
from common.service import start_service
from services.leads.app import DEFINITION as LEADS


def why(err: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.metadata.get("why", ""))
    return ""


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        leads_service = await start_service(LEADS, servers.settings("leads"))
        try:
            token = leads_service.runtime.settings.internal_token
            admin = CallContext(
                tenant="bench", caller="bench", roles=frozenset({PLATFORM})
            ).outgoing_metadata(token)
            async with open_channel(f"127.0.0.1:{leads_service.port}") as channel:
                stub = pool_pb2_grpc.LeadPoolServiceStub(channel)
                customers = leads_pb2_grpc.LeadsServiceStub(channel)

                async def create_customer() -> str:
                    request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name="Bench"))
                    return str((await customers.CreateCustomer(request, metadata=admin)).id)

                pool = await stub.DefinePool(
                    pool_pb2.DefinePoolRequest(
                        pool=pool_pb2.Pool(name="bench", region="bench", claim_limit=opts.limit)
                    ),
                    metadata=admin,
                )
                leads = [await create_customer() for _ in range(opts.leads)]
                for start in range(0, len(leads), 200):
                    batch = leads[start : start + 200]
                    await stub.AddLeads(
                        pool_pb2.AddLeadsRequest(pool_id=pool.id, customer_ids=batch), metadata=admin
                    )
                reps = [f"rep-{i}" for i in range(opts.reps)]
                rep_md = {
                    r: CallContext(tenant="bench", caller=r, roles=frozenset({"sales"})).outgoing_metadata(
                        token
                    )
                    for r in reps
                }
                attempts = [(reps[i % len(reps)], random.choice(leads)) for i in range(opts.claims)]

                async def claim(rep: str, lead: str) -> tuple[str, str]:
                    try:
                        await stub.ClaimLead(
                            pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=rep_md[rep]
                        )
                        return "won", ""
                    except grpc.aio.AioRpcError as err:
                        return "lost", why(err) or err.code().name

                started = time.perf_counter()
                results = await asyncio.gather(*(claim(r, lead) for r, lead in attempts))
                elapsed = time.perf_counter() - started

                owners: dict[str, str] = {}
                for start in range(0, len(leads), 200):
                    reply = await stub.BatchGetLeadFacts(
                        pool_pb2.BatchGetLeadFactsRequest(customer_ids=leads[start : start + 200]),
                        metadata=admin,
                    )
                    owners.update({f.customer_id: f.lead.owner_id for f in reply.facts if f.lead.owner_id})
            wins = [attempts[i] for i, (outcome, _) in enumerate(results) if outcome == "won"]
            reasons = Counter(reason for outcome, reason in results if outcome == "lost")
            per_rep = Counter(owners.values())
            assert len(wins) == len(owners) and {lead: rep for rep, lead in wins} == owners, (
                "a lead won twice"
            )
            assert max(per_rep.values()) <= opts.limit, "a rep above the limit"
            assert set(reasons) <= {"already_claimed", "limit_reached"}, reasons

            # Baseline: one guarded update per claim on a plain document per lead.
            plain = leads_service.runtime.db["bench_plain_claims"]
            await plain.insert_many([{"_id": lead, "owner": None} for lead in leads])

            async def plain_claim(rep: str, lead: str) -> bool:
                result = await plain.update_one({"_id": lead, "owner": None}, {"$set": {"owner": rep}})
                return result.modified_count == 1

            started = time.perf_counter()
            await asyncio.gather(*(plain_claim(r, lead) for r, lead in attempts))
            baseline = time.perf_counter() - started
        finally:
            await leads_service.runtime.db.client.drop_database(leads_service.runtime.settings.database_name)
            await leads_service.stop()

    print(
        f"claims: {opts.claims} concurrent on {opts.leads} leads from {opts.reps} reps, limit {opts.limit}: "
        f"{len(wins)} won, losses {dict(reasons)}; max per rep {max(per_rep.values())}; one owner per lead: ok"
    )
    print(f"  ClaimLead over gRPC: {opts.claims / elapsed:8.0f} claims/s ({elapsed:.2f} s)")
    print(f"  baseline plain guarded update_one: {opts.claims / baseline:8.0f} claims/s ({baseline:.2f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=100)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--limit", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
