"""`python -m services.leads`: serve the leads service until SIGTERM."""

from __future__ import annotations

import asyncio

from common.service import serve
from services.leads.app import DEFINITION

if __name__ == "__main__":
    asyncio.run(serve(DEFINITION))
