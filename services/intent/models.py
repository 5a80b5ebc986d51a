"""Where the engine gets a tenant's model: the current one, and any earlier version by number.

`HouseModels` serves the house model to every tenant; the model store (edited through GraphQL) plugs
in behind the same two methods. A stored aggregate is always scored with the version it was built
with, so `version(tenant, n)` must answer for every version some aggregate may still carry.
"""

from __future__ import annotations

from typing import Protocol

from services.intent.model import IntentModel

HOUSE = IntentModel()


class ModelSource(Protocol):
    async def current(self, tenant: str) -> IntentModel: ...

    async def version(self, tenant: str, version: int) -> IntentModel: ...


class HouseModels:
    """Every tenant uses the house model (version 0)."""

    async def current(self, tenant: str) -> IntentModel:
        return HOUSE

    async def version(self, tenant: str, version: int) -> IntentModel:
        return HOUSE
