"""`hazardmap demo load [--if-empty]` and `hazardmap demo clear`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import make_engine
from app.demo import loader
from app.geodata.cli import RichProgress
from app.settings import get_settings

console = Console()
demo_cli = typer.Typer(help="The demo data set (every row marked demo).", no_args_is_help=True)

T = TypeVar("T")


def _in_one_transaction(work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine()
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _refuse_in_production() -> None:
    if get_settings().environment == "production":
        console.print(
            "[red]refused:[/] HAZARDMAP_ENVIRONMENT is production; demo rows would mix with the ledger"
        )
        raise typer.Exit(1)


@demo_cli.command("load")
def load(
    if_empty: bool = typer.Option(
        False,
        "--if-empty",
        help="Load only into a ledger with no live rows, and not after `demo clear`.",
    ),
) -> None:
    """Load the deterministic demo set (~300 points, 40 segments over the 8 counties), in one transaction."""
    _refuse_in_production()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        sink = RichProgress(bar)

        async def work(conn: AsyncConnection) -> tuple[loader.DemoReport, list[loader.CountySummary]]:
            report = await loader.load_demo(conn, if_empty=if_empty, progress=sink)
            rows = await loader.summary(conn) if report.skipped is None else []
            sink.close()
            return report, rows

        try:
            report, rows = _in_one_transaction(work)
        except loader.DemoError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from exc
    if report.skipped:
        console.print(f"==> demo data not loaded: {report.skipped}")
        return
    table = Table("county", "points", "segments", "open", "closed", "overdue", title="demo rows (live)")
    for code, name, points, segments, open_, closed, overdue in rows:
        table.add_row(f"{code} {name}", *(str(v) for v in (points, segments, open_, closed, overdue)))
    console.print(table)
    console.print(
        f"==> demo data loaded: {report.points} points and {report.segments} segments, "
        "every row marked demo (created_by 'demo'); `hazardmap demo clear` removes them from the ledger"
    )


@demo_cli.command("clear")
def clear() -> None:
    """Soft-delete every demo row (hazards are never deleted; the history keeps them)."""
    n = _in_one_transaction(loader.clear_demo)
    console.print(
        f"==> {n} demo rows marked deleted; they stay in the history and their ledger numbers are not reused"
    )
