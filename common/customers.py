"""Which customers exist: the check every ingest path makes before it stores a fact about one.

No ingest path introduces a customer (docs/authorization.md): leads owns customers and their
identity resolution, so tags, journey and intent ask leads (`BatchGetCustomers`, as the `platform`
role with the internal token) whether the customer ids of a request or pulled batch exist in the
tenant, and refuse the request when one does not. Customers are never deleted, so a known id stays
known: it is kept in a bounded LRU per (tenant, id) and never asked about again while it stays
there. A miss is never cached, because the customer may be created a moment later.

One call to leads covers a whole request (up to 200 ids per call); consumers warm the cache once
per pulled batch (`warm`) so their per-message `require` is answered from memory.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Container, Iterable, Sequence
from typing import Any

import grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.bus import BatchPrepare
from common.context import CallContext
from common.errors import NotFound, Unavailable
from common.grpc_client import open_channel
from common.ids import CUSTOMER_ID_RE

log = logging.getLogger(__name__)

# BatchGetCustomers answers at most this many ids per call (services/leads/api.py MAX_BATCH).
LOOKUP_CHUNK = 200
DEFAULT_CAPACITY = 100_000
DEFAULT_DEADLINE_SECONDS = 2.0
PLATFORM = frozenset({"platform"})


class KnownCustomers:
    """Answers "do these customers exist in this tenant?" from a cache, asking leads for the rest.

    The channel to leads opens on first use, so a service that never checks (leads itself) or a test
    that never writes does not need leads running.
    """

    def __init__(
        self,
        *,
        address: str | None,
        token: str,
        caller: str,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._address = address
        self._token = token
        self._caller = caller
        self._deadline = deadline
        self._capacity = capacity
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._channel: grpc.aio.Channel | None = None
        self.lookups = 0  # calls made to leads, for tests and benchmarks that count round trips

    async def require(self, tenant: str, ids: Sequence[str], *, field: str | Sequence[str]) -> None:
        """Return if every id exists in `tenant`; else raise NotFound naming the first unknown one.

        `field` names where an id came from: one text in which `{index}` is replaced by the id's
        position in `ids` (e.g. `signals[{index}].customer_id`), or one name per id. Raises
        Unavailable when leads does not answer: the caller stores nothing unchecked.
        """
        refuse_missing(ids, await self.missing(tenant, ids), field=field)

    async def warm(self, tenant: str, ids: Iterable[str]) -> None:
        """Learn which of `ids` exist with one round trip, so later `require` calls need none.

        Failures are only logged: the `require` that follows asks again and reports them."""
        try:
            await self.missing(tenant, list(ids))
        except Unavailable as err:
            log.warning("could not check customers of %s ahead of a batch: %s", tenant, err.message)

    async def missing(self, tenant: str, ids: Sequence[str]) -> set[str]:
        """The ids of `ids` that do not exist in `tenant` (asking leads only about uncached ones)."""
        unknown = [i for i in dict.fromkeys(ids) if not self._hit(tenant, i)]
        if not unknown:
            return set()
        absent: set[str] = set()
        for start in range(0, len(unknown), LOOKUP_CHUNK):
            chunk = unknown[start : start + LOOKUP_CHUNK]
            found = await self._ask_leads(tenant, chunk)
            for customer_id in chunk:
                if customer_id in found:
                    self._remember(tenant, customer_id)
                else:
                    absent.add(customer_id)
        return absent

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    def _hit(self, tenant: str, customer_id: str) -> bool:
        key = (tenant, customer_id)
        if key not in self._known:
            return False
        self._known.move_to_end(key)
        return True

    def _remember(self, tenant: str, customer_id: str) -> None:
        self._known[(tenant, customer_id)] = None
        self._known.move_to_end((tenant, customer_id))
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    async def _ask_leads(self, tenant: str, ids: list[str]) -> set[str]:
        if not self._address:
            raise Unavailable("cannot check customers: no address for the leads service (LEADS_ADDR)")
        if self._channel is None:
            self._channel = open_channel(self._address)
        stub = leads_pb2_grpc.LeadsServiceStub(self._channel)
        metadata = CallContext(tenant=tenant, caller=self._caller, roles=PLATFORM).outgoing_metadata(
            self._token
        )
        self.lookups += 1
        try:
            reply = await stub.BatchGetCustomers(
                leads_pb2.BatchGetCustomersRequest(ids=ids), metadata=metadata, timeout=self._deadline
            )
        except grpc.aio.AioRpcError as err:
            raise Unavailable(
                f"cannot check customers: the leads service answered {err.code().name} ({err.details()})"
            ) from None
        return {c.id for c in reply.customers}


def refuse_missing(ids: Sequence[str], missing: Container[str], *, field: str | Sequence[str]) -> None:
    """Raise NotFound naming the first of `ids` in `missing` (as `KnownCustomers.require` does)."""
    for index, customer_id in enumerate(ids):
        if customer_id in missing:
            where = field.format(index=index) if isinstance(field, str) else field[index]
            raise NotFound(
                f"{where}: customer {customer_id} does not exist in this tenant; create it through leads first",
                field=where,
                metadata={"customer_id": customer_id},
            )


def customer_ids_in(data: Any, *, key: str = "customer_id") -> list[str]:
    """The well-formed customer ids an ingest event's data names: `data[key]`, or `items[*][key]`.

    Anything else (malformed ids, odd shapes) is left to the handler's own validation."""
    if not isinstance(data, dict):
        return []
    items = data.get("items")
    found = [item.get(key) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    found.append(data.get(key))
    return [i for i in found if isinstance(i, str) and CUSTOMER_ID_RE.match(i)]


def batch_warmer(known: KnownCustomers, *, key: str = "customer_id") -> BatchPrepare:
    """A `Consumer.prepare` that asks leads once per pulled batch about every customer it names."""

    async def prepare(tenant: str, events: list[dict[str, Any]]) -> None:
        await known.warm(tenant, [i for event in events for i in customer_ids_in(event.get("data"), key=key)])

    return prepare
