"""The export's rows: the hazards read through app.hazards.provider, from a server-side cursor so
that no export is held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Row

from app.hazards import provider
from app.hazards.schemas import HazardFilter

BATCH = 2000  # rows fetched from the cursor at a time


async def batches(kind: str, f: HazardFilter) -> AsyncIterator[list[Row[Any]]]:
    """The matching rows in batches. Its own connection: the stream outlives the request handler."""
    async for part in provider.export_batches(kind, f, BATCH):
        yield part
