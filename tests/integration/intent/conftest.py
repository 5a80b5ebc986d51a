"""A running intent service per test, with a gRPC stub and a NATS connection to watch and publish."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from crm.intent.v1 import intent_pb2_grpc

from common.config import Settings
from services.intent.app import DEFINITION
from tests.integration.intent.helpers import Intent
from tests.support.leads import Leads
from tests.support.service import service_under_test


@pytest.fixture
async def intent(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> AsyncIterator[Intent]:
    async with service_under_test(DEFINITION, settings_for("intent"), nats_url=nats_url) as svc:
        yield Intent(
            stub=intent_pb2_grpc.IntentServiceStub(svc.channel),
            nc=svc.nc,
            js=svc.nc.jetstream(),
            namespace=namespace,
            leads=leads,
        )
