"""Staging tables: rows go in by COPY, get checked in SQL, and only the good ones move on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app import sqlfiles
from app.geodata import repository
from app.geodata.progress import ProgressSink
from app.geodata.report import Refusal

COPY_BATCH = 5_000


def statements(name: str) -> list[str]:
    """The statements of ``app/geodata/sql/<name>.sql`` (asyncpg runs one statement per call)."""
    return sqlfiles.statements("app.geodata", name)


async def run_script(conn: AsyncConnection, name: str, params: dict[str, Any] | None = None) -> None:
    """Run ``app/geodata/sql/<name>.sql`` (``app.sqlfiles.run_script``)."""
    await sqlfiles.run_script(conn, "app.geodata", name, params)


async def copy_rows(
    conn: AsyncConnection,
    table: str,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    progress: ProgressSink,
) -> None:
    """COPY ``records`` into the temporary ``table``, inside the connection's transaction."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    progress.stage(f"staging {len(records)} rows", total=len(records))
    for start in range(0, len(records), COPY_BATCH):
        batch = records[start : start + COPY_BATCH]
        await driver.copy_records_to_table(table, records=batch, columns=list(columns))
        progress.advance(len(batch))


async def refusals(conn: AsyncConnection, table: str) -> list[Refusal]:
    rows = await repository.refused_rows(conn, table)
    return [Refusal(row=r.row_no, reason=r.reason) for r in rows]
