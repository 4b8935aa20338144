"""Bulk import of hazards and segments: one function for the API job and the CLI.

A file is read into rows (``reading``), each row checked on its own (``rows``), the rows COPYed
into a staging table and checked set-wise in SQL (placing by road + 桩号, snapping, the city and
county outlines), then the good ones inserted by one INSERT … SELECT in the same transaction, with
``hazardmap.action = 'import'`` so that the history's statement trigger records every row (one
INSERT of the events, not one per row). Their ledger numbers are reserved per county and year in a
short transaction of their own before the INSERT, so that the import never holds the counters an
API create in the same county needs; an import that fails gives its blocks back where no number
was issued after them. Nothing is written when the mode is all-or-nothing and a row was refused,
nor on a dry run, nor when anything fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import sqlfiles
from app.clock import BEIJING
from app.coords import Crs
from app.errors import InvalidInput
from app.geodata.progress import NoProgress, ProgressSink
from app.geodata.staging import copy_rows
from app.imports import repository as repo
from app.imports.reading import Field, ImportFormat, read_batches
from app.imports.rows import COLUMNS, stage_records
from app.roads.chainage import ParsedChainage, chainage_sql
from app.roads.heading import direction_in_text
from app.roads.linear import END_TOLERANCE_M
from app.settings import get_settings

log = logging.getLogger(__name__)
PKG = "app.imports"
ACTOR_MAX = 64


class Mode(StrEnum):
    all_or_nothing = "all-or-nothing"  # one refused row and nothing is written
    valid_rows = "valid-rows"  # the valid rows are written, the refused ones reported


@dataclass(frozen=True)
class ImportOptions:
    format: ImportFormat
    crs: Crs = Crs.wgs84
    mapping: dict[str, str] = field(default_factory=dict)  # the file's column → our field
    mode: Mode = Mode.all_or_nothing
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "crs": self.crs.value,
            "mapping": dict(self.mapping),
            "mode": self.mode.value,
            "dry_run": self.dry_run,
        }


@dataclass
class ImportOutcome:
    file_name: str
    rows_read: int = 0
    rows_valid: int = 0
    rows_written: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # {"row", "field", "reason"}

    @property
    def rows_refused(self) -> int:
        return len(self.refused)

    @property
    def summary(self) -> str:
        return (
            f"read {self.rows_read}, valid {self.rows_valid}, refused {self.rows_refused}, "
            f"written {self.rows_written}"
        )


# Called with the import's connection and outcome just before its transaction commits.
Finish = Callable[[AsyncConnection, ImportOutcome], Awaitable[None]]


async def import_hazards(
    engine: AsyncEngine,
    path: Path,
    options: ImportOptions,
    *,
    actor: str,
    file_name: str | None = None,
    progress: ProgressSink | None = None,
    rows_expected: int | None = None,
    finish: Finish | None = None,
) -> ImportOutcome:
    """Import ``path`` in one transaction; ``BadFile`` (nothing written) when the file is unusable,
    ``TooManyRows`` past ``HAZARDMAP_IMPORT_MAX_ROWS``. The file is read, checked and staged one
    batch at a time, so the memory an import takes does not grow with the file. ``finish`` runs
    last in the import's transaction: what it records commits with the rows or not at all."""
    progress = progress or NoProgress()
    s = get_settings()
    name = file_name or path.name
    outcome = ImportOutcome(file_name=name)
    now = datetime.now(BEIJING)
    first_uid: dict[uuid.UUID, int] = {}
    batches = read_batches(
        path, options.format, options.crs, options.mapping, name, max_rows=s.import_max_rows
    )
    blocks: list[repo.LedgerBlock] = []
    committing = False  # past it, a failure may be the COMMIT's: the numbers may be in use
    try:
        async with engine.begin() as conn:
            categories = await repo.load_categories(conn)
            await sqlfiles.run_script(conn, PKG, "stage")
            progress.stage(f"reading, checking and staging {name}", total=rows_expected)
            column_of: dict[Field, str] = {}
            with contextlib.closing(batches):
                while (rows := await asyncio.to_thread(next, batches, None)) is not None:
                    records = await asyncio.to_thread(stage_records, rows, categories, now, first_uid)
                    await copy_rows(conn, "import_rows", COLUMNS, records, NoProgress())
                    outcome.rows_read += len(rows)
                    column_of = rows.column_of
                    progress.advance(len(rows))
                    del rows, records
            progress.stage("placing on the road network, checking locations")
            await sqlfiles.run_script(
                conn,
                PKG,
                "check",
                {
                    "tolerance": END_TOLERANCE_M,
                    "city_code": s.city_code,
                    "border_m": s.city_border_tolerance_m,
                    "snap_m": s.snap_distance_m,
                    "srid": s.metric_srid,
                    "chainage_field": column_of.get(Field.chainage, Field.chainage.value),
                },
                chainage=chainage_sql("i.chainage_m", "i.end_chainage_m"),
                run=chainage_sql("r.start_chainage_m", "r.start_chainage_m + r.length_m"),
            )
            await _headings(conn, column_of.get(Field.chainage, Field.chainage.value))
            outcome.refused = await repo.refused_rows(conn)
            outcome.rows_valid = outcome.rows_read - outcome.rows_refused
            write = not options.dry_run and (options.mode is Mode.valid_rows or not outcome.refused)
            progress.stage("writing to the ledger", total=outcome.rows_valid if write else 0)
            if write and outcome.rows_valid:
                # The numbers are taken and committed apart (milliseconds), so that API creates in
                # the same counties never wait for this transaction; the rows follow in it.
                blocks = await repo.reserve_ledger_numbers(engine, await repo.ledger_blocks_needed(conn))
                await sqlfiles.run_script(
                    conn, PKG, "insert", {"actor": actor[:ACTOR_MAX], **repo.block_params(blocks)}
                )
                outcome.rows_written = outcome.rows_valid
                progress.advance(outcome.rows_valid)
            if finish is not None:
                await finish(conn, outcome)
            committing = True
    except BaseException:
        if blocks and not committing:
            await _give_back(engine, blocks)
        raise
    return outcome


async def _give_back(engine: AsyncEngine, blocks: list[repo.LedgerBlock]) -> None:
    """The blocks of a failed import back to the counters where possible; a block that cannot be
    given back (a number was issued after it) stays a gap in the numbering."""
    try:
        await repo.give_back_ledger_numbers(engine, blocks)
    except Exception:
        log.warning("ledger numbers of a failed import not given back: %s", blocks, exc_info=True)


async def _headings(conn: AsyncConnection, chainage_field: str) -> None:
    """A compass heading in a row's 桩号 (北向南) becomes 上行 or 下行 by the road's course there."""
    for r in await repo.heading_rows(conn):
        parsed = ParsedChainage(r.road_code, r.chainage_m, r.end_chainage_m, heading=r.heading)
        values: dict[str, Any] = {"row_no": r.row_no, "direction": None, "field": None, "reason": None}
        try:
            values["direction"] = await direction_in_text(conn, parsed, r.road_code, chainage_field)
        except InvalidInput as exc:
            values |= {"field": chainage_field, "reason": exc.errors[0].message if exc.errors else str(exc)}
        await repo.set_heading(conn, values)
