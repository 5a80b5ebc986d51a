"""`python -m services.intent`: serve the intent service until SIGTERM."""

from __future__ import annotations

import asyncio

from common.service import serve
from services.intent.app import DEFINITION

if __name__ == "__main__":
    asyncio.run(serve(DEFINITION))
