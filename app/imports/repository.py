"""The rows of ``import_jobs``: created in the request's session, then updated by the job itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.imports.models import ImportJob
from app.imports.rows import CategoryInfo
from app.sqlfiles import load


async def create(session: AsyncSession, **values: Any) -> ImportJob:
    job = ImportJob(**values)
    session.add(job)
    await session.flush()
    await session.refresh(job)
    return job


async def get(session: AsyncSession, job_id: int) -> ImportJob | None:
    return (await session.execute(select(ImportJob).where(ImportJob.id == job_id))).scalar_one_or_none()


async def set_fields(engine: AsyncEngine, job_id: int, **values: Any) -> None:
    """Update the job in a short transaction of its own, beside the import's long one."""
    async with engine.begin() as conn:
        await set_fields_in(conn, job_id, **values)


async def set_fields_in(conn: AsyncConnection, job_id: int, **values: Any) -> None:
    """Update the job on ``conn``, in whatever transaction it is in (the import's own, at its end)."""
    values.setdefault("updated_at", datetime.now(UTC))
    await conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


async def set_progress(engine: AsyncEngine, job_id: int, progress: float, stage: str) -> None:
    """The progress of a running job; never over a finished one (its end commits with the import)."""
    async with engine.begin() as conn:
        await conn.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == "running")
            .values(progress=progress, stage=stage, updated_at=datetime.now(UTC))
        )


async def fail_unfinished(engine: AsyncEngine, job_id: int, error: str) -> bool:
    """Fail a job the queue gave up on, unless it ended (its end commits with its rows)."""
    async with engine.begin() as conn:
        result = await conn.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status.in_(("queued", "running")))
            .values(
                status="failed",
                error=error,
                progress=1.0,
                finished_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        return bool(result.rowcount)


async def heading_rows(conn: AsyncConnection) -> list[Any]:
    """The placed staged rows whose 桩号 text gave a compass heading (``sql/headings.sql``)."""
    return list((await conn.execute(text(load("app.imports", "headings")))).all())


async def set_heading(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """A staged row's direction from its heading, or why it has none (``sql/heading_set.sql``)."""
    await conn.execute(text(load("app.imports", "heading_set")), values)


async def refused_rows(conn: AsyncConnection) -> list[dict[str, Any]]:
    """The staged rows (import_rows) that were refused: row, field and reason, in row order."""
    refused = await conn.execute(
        text("SELECT row_no, field, reason FROM import_rows WHERE reason IS NOT NULL ORDER BY row_no")
    )
    return [{"row": r.row_no, "field": r.field, "reason": r.reason} for r in refused]


@dataclass(frozen=True)
class LedgerBlock:
    """``k`` ledger numbers of a county and year, the last of them ``last_value``."""

    county_code: str
    year: int
    k: int
    last_value: int


async def ledger_blocks_needed(conn: AsyncConnection) -> list[tuple[str, int, int]]:
    """(county, year, how many numbers) for the staged rows to write (``sql/ledger_blocks.sql``)."""
    rows = await conn.execute(text(load("app.imports", "ledger_blocks")))
    return [(r.county_code, r.year, r.k) for r in rows]


async def reserve_ledger_numbers(
    engine: AsyncEngine, needed: list[tuple[str, int, int]]
) -> list[LedgerBlock]:
    """Take the blocks from the counters in a transaction of its own, committed at once
    (``sql/ledger_reserve.sql``)."""
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(load("app.imports", "ledger_reserve")),
            {
                "counties": [c for c, _, _ in needed],
                "years": [y for _, y, _ in needed],
                "counts": [k for _, _, k in needed],
            },
        )
        last = {(r.county_code, r.year): r.last_value for r in rows}
    return [LedgerBlock(c, y, k, last[(c, y)]) for c, y, k in needed]


async def give_back_ledger_numbers(engine: AsyncEngine, blocks: list[LedgerBlock]) -> None:
    """Return the blocks of an import that failed, where nothing was issued after them
    (``sql/ledger_give_back.sql``)."""
    async with engine.begin() as conn:
        await conn.execute(text(load("app.imports", "ledger_give_back")), block_params(blocks))


def block_params(blocks: list[LedgerBlock]) -> dict[str, list[Any]]:
    return {
        "counties": [b.county_code for b in blocks],
        "years": [b.year for b in blocks],
        "counts": [b.k for b in blocks],
        "lasts": [b.last_value for b in blocks],
    }


async def load_categories(conn: AsyncConnection) -> dict[str, CategoryInfo]:
    """The categories a row may name, by code and by Chinese name (retired ones are not offered)."""
    rows = await conn.execute(text("SELECT code, name_zh, usual_visibility FROM categories WHERE active"))
    out: dict[str, CategoryInfo] = {}
    for r in rows:
        info = CategoryInfo(r.code, r.usual_visibility)
        out[r.code] = out[r.name_zh] = info
    return out
