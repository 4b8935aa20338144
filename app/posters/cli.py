"""hazardmap poster JURISDICTION --size A1 -o FILE and hazardmap map-file JURISDICTION -o FILE.html."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from app.clirun import run_async
from app.db import session_scope
from app.geojson import enum_values
from app.hazards.schemas import HazardFilter
from app.posters import mapfile, service
from app.vocab import RoadGroup, Status

console = Console()
T = TypeVar("T")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    return run_async(work, console)


def _filter(status: str | None, road_group: str | None) -> HazardFilter:
    return HazardFilter(
        status=enum_values("status", [status] if status else None, Status),
        road_group=enum_values("road_group", [road_group] if road_group else None, RoadGroup),
    )


def poster_command(
    jurisdiction: str = typer.Argument(..., help="the city's or a county's code, e.g. 371502"),
    output: Path = typer.Option(..., "-o", "--output", help="the file to write: .pdf, or .png for page one"),
    size: str = typer.Option("A1", help="A0, A1, A2, A3 or A4"),
    orientation: str = typer.Option("landscape", help="landscape or portrait"),
    dpi: int = typer.Option(150, help="for a .png"),
    status: str | None = typer.Option(None, help="status codes, comma-separated (default: open and closed)"),
    road_group: str | None = typer.Option(None, help="expressway, trunk, county_township, rural"),
) -> None:
    """The wall map (挂图) of the city or a county as a vector PDF (or a PNG)."""

    async def work() -> bytes:
        f = _filter(status, road_group)
        async with session_scope() as session:
            if output.suffix.lower() == ".png":
                return await service.png(session, jurisdiction, f, size, orientation, dpi)
            return await service.pdf(session, jurisdiction, f, size, orientation)

    started = time.perf_counter()
    body = _run(work)
    output.write_bytes(body)
    console.print(f"{output}: {len(body):,} bytes in {time.perf_counter() - started:.1f} s")


def map_file_command(
    jurisdiction: str = typer.Argument(..., help="the city's or a county's code, e.g. 371502"),
    output: Path = typer.Option(..., "-o", "--output", help="the .html file to write"),
    status: str | None = typer.Option(None, help="status codes, comma-separated (default: open and closed)"),
    road_group: str | None = typer.Option(None, help="expressway, trunk, county_township, rural"),
) -> None:
    """The map as one self-contained HTML file (no server, no network needed to open it)."""

    async def work() -> str:
        f = _filter(status, road_group)
        async with session_scope() as session:
            return await mapfile.map_file(session, jurisdiction, f)

    body = _run(work)
    output.write_text(body, encoding="utf-8")
    console.print(f"{output}: {len(body.encode()):,} bytes")
