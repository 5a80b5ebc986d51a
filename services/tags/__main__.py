"""`python -m services.tags`: serve the tags service until SIGTERM."""

from __future__ import annotations

import asyncio

from common.service import serve
from services.tags.app import DEFINITION

asyncio.run(serve(DEFINITION))
