"""`hazardmap import crashes FILE` and `hazardmap detect`: thin layers over the crash functions.

The commands are plain functions so that ``app.cli`` can mount them where users look for them
(``import_cli.command("crashes")(import_crashes_command)``, ``cli.command("detect")(detect_command)``);
``crashes_cli`` holds both for running them on their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table as RichTable

from app.clirun import run_async
from app.coords import Crs
from app.crashes import repository
from app.db import get_engine, session_scope

console = Console()
T = TypeVar("T")

crashes_cli = typer.Typer(help="Crash records (事故) and accident-prone identification (事故易发多发点段).")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    return run_async(work, console, writes=True)


def import_crashes_command(
    file: Path = typer.Argument(..., help="CSV, XLSX, GeoJSON, GeoPackage or Shapefile (or a .zip)"),
    crs: Crs = typer.Option(
        Crs.wgs84, help="coordinate system of lon/lat: wgs84, cgcs2000 or gcj02 (AMap/Tencent phones)"
    ),
    layer: str | None = typer.Option(None, help="layer (GeoPackage, or a .zip with several)"),
    encoding: str | None = typer.Option(None, help="text encoding (CSV: UTF-8 or GBK is detected)"),
) -> None:
    """Crash records: time, location (road + 桩号, or lon/lat), deaths, injuries, procedure, type.

    Columns are found by name (English or Chinese: 事故时间, 经度/纬度, 道路编号, 桩号, 死亡人数,
    受伤人数, 处理程序, 事故形态, 事故编号). Road + chainage wins over lon/lat; a lon/lat is snapped
    to a road within HAZARDMAP_SNAP_DISTANCE_M. Personal data is never read. One transaction.
    """
    from app.crashes.importer import import_crashes

    report = _run(lambda: import_crashes(get_engine(), file, crs, layer=layer, encoding=encoding))
    console.print(f"==> {report.file}: {report.summary}")
    if report.ignored_columns:
        console.print(f"    columns not read (never stored): {', '.join(report.ignored_columns)}")
    if report.refused:
        table = RichTable("row", "reason", title="refused rows")
        for r in report.refused:
            table.add_row(str(r.row), r.reason)
        console.print(table)


def detect_command(
    since: datetime | None = typer.Option(None, help="crashes from (default: --years before --until)"),
    until: datetime | None = typer.Option(None, help="crashes before (default: now)"),
    years: int | None = typer.Option(None, help="time window in years [default: HAZARDMAP_DETECT_YEARS, 3]"),
    window_m: float | None = typer.Option(None, help="segment window [default: 500 m]"),
    point_radius_m: float | None = typer.Option(None, help="point radius [default: 150 m]"),
    max_segment_m: float | None = typer.Option(None, help="longest segment candidate [default: 2000 m]"),
) -> None:
    """Find accident-prone points and segments in the crash records and store them as candidates.

    Thresholds come from the settings (HAZARDMAP_DETECT_MIN_*). Pending candidates are replaced;
    accepted and dismissed ones are kept and not proposed again.
    """
    from app.clock import BEIJING
    from app.crashes.detection import detection_params, run_detection

    def zoned(t: datetime | None) -> datetime | None:
        return t.replace(tzinfo=BEIJING) if t is not None and t.tzinfo is None else t

    async def work() -> str:
        params = detection_params(
            since=zoned(since),
            until=zoned(until),
            years=years,
            window_m=window_m,
            point_radius_m=point_radius_m,
            max_segment_m=max_segment_m,
        )
        async with session_scope() as session:
            s = await run_detection(session, params)
            rows = await repository.top_candidates(session, 20)
        _print_candidates(rows)
        return (
            f"{s.crashes_considered} crashes from {s.since:%Y-%m-%d} to {s.until:%Y-%m-%d}: "
            f"{s.segments_found} segments, {s.points_found} points; {s.proposed} candidates "
            f"({s.already_decided} already decided) in {s.seconds:.2f} s; "
            f"{len(s.off_network)} crashes on no road, not considered"
        )

    console.print(f"==> {_run(work)}")


def _print_candidates(rows: Sequence[Any]) -> None:
    from app.roads.chainage import format_chainage

    if not rows:
        return
    table = RichTable(
        "kind", "road", "chainage", "crashes", "deaths", "injuries", "reasons", title="top candidates"
    )
    for r in rows:
        where = (
            format_chainage(r.point_chainage_m)
            if r.kind == "point"
            else format_chainage(r.start_chainage_m, r.end_chainage_m)
        )
        table.add_row(
            r.kind, r.road_code, where or "", str(r.crash_count), str(r.deaths), str(r.injuries),
            ", ".join(r.reasons),
        )  # fmt: skip
    console.print(table)


crashes_cli.command("import")(import_crashes_command)
crashes_cli.command("detect")(detect_command)
