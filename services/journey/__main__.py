"""`python -m services.journey` runs the journey service until SIGTERM."""

from __future__ import annotations

import asyncio

from common.service import serve
from services.journey.app import DEFINITION

if __name__ == "__main__":
    asyncio.run(serve(DEFINITION))
