"""A running journey service per test, with a gRPC stub and a NATS connection to watch and publish."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from crm.journey.v1 import journey_pb2_grpc

from common.config import Settings
from services.journey.app import DEFINITION
from tests.integration.journey.helpers import Journey
from tests.support.leads import Leads
from tests.support.service import service_under_test


@pytest.fixture
async def journey(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> AsyncIterator[Journey]:
    async with service_under_test(DEFINITION, settings_for("journey"), nats_url=nats_url) as svc:
        yield Journey(
            stub=journey_pb2_grpc.JourneyServiceStub(svc.channel),
            nc=svc.nc,
            js=svc.nc.jetstream(),
            namespace=namespace,
            leads=leads,
        )
