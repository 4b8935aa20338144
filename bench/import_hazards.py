"""Benchmark: the bulk import of 100,000 hazards from CSV and from GeoPackage.

    python -m bench.import_hazards               # 100,000 rows
    python -m bench.import_hazards --rows 20000

A throwaway cluster of its own (var/pg-bench-import, port 54356 by default): migrated, the shipped
geodata loaded, the ledger emptied. The rows are drawn on the shipped road network: a road by
length, a chainage on it, the point there moved up to ~20 m off the road (so that most pins snap,
some do not). The CSV has Chinese column names (mapped) and one row in ten located by road code +
桩号 instead of lon/lat; the GeoPackage has points only. Each file is imported by the same function
the API job and the CLI run (``app.imports.service.import_hazards``, mode valid-rows), and the time
of each stage is printed, then rows/s, beside the figures of the same run before the import wrote
its history set-wise (``BEFORE``). Finally the INSERT of the same rows is run again under EXPLAIN
ANALYZE in a transaction that is rolled back, to print what each trigger costs (``hazards_assign``
numbers each row and finds its county and township one row at a time, as for an API create).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rich.console import Console
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import migrate
from app.cluster import Cluster
from app.coords import Crs
from app.imports.reading import ImportFormat
from app.imports.service import ImportOptions, Mode, import_hazards
from app.roads.chainage import format_chainage
from app.settings import PROJECT_ROOT

console = Console(width=120)
CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench-import"
DATABASE = "hazardmap_bench_import"
SEED = 20261128
MAPPING = {
    "经度": "lon", "纬度": "lat", "隐患类别": "category", "隐患等级": "grade", "隐患描述": "description",
    "道路编号": "road_code", "桩号": "chainage",
}  # fmt: skip

# The same run (100,000 rows, this file's seed) before the history was written set-wise, the ledger
# numbers reserved apart and zone/village placed set-wise: wall times of 2026-12-06 21:41 UTC (load
# average 0.7); PostgreSQL's CPU time of runs at load 7-13 the same evening (CPU time grows less with
# the load than wall time, but grows: compare with a run at a similar load).
BEFORE_ROWS = 100_000
BEFORE_LOAD = 0.7
BEFORE_CPU_LOAD = "7-13"
BEFORE: dict[str, dict[str, Any]] = {
    "csv": {"seconds": 28.0, "stages": [2.67, 8.32, 16.97], "cpu": 31.3},
    "gpkg": {"seconds": 29.1, "stages": [2.74, 8.61, 17.72], "cpu": 32.1},
}

POINTS_ON_ROADS = """
WITH measured AS MATERIALIZED (
    SELECT id, road_measured(geom, start_chainage_m, length_m) AS m FROM roads
)
SELECT ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
  FROM unnest(CAST(:ids AS bigint[]), CAST(:chainages AS double precision[])) WITH ORDINALITY AS d(id, c, n)
  JOIN measured USING (id),
       LATERAL (SELECT road_point_at(measured.m, d.c) AS pt) AS p
 ORDER BY d.n
"""


class StatementClock:
    """Each statement the engine sends: its wall time and the CPU time its PostgreSQL backend spent
    on it (read from /proc: the bench's cluster runs on this machine). CPU time is what to compare
    on a shared machine, where the wall time of the same run varies by a factor of three."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.rows: list[tuple[float, float, str]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self.before)
        event.listen(engine.sync_engine, "after_cursor_execute", self.after)

    @staticmethod
    def cpu(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        pid = conn.connection.driver_connection.get_server_pid()
        conn.info["bench"] = (pid, time.perf_counter(), self.cpu(pid))

    def after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        pid, wall, cpu = conn.info.pop("bench")
        text_ = " ".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
        self.rows.append((time.perf_counter() - wall, self.cpu(pid) - cpu, " ".join(text_.split())[:72]))

    def take(self) -> list[tuple[float, float, str]]:
        rows, self.rows = self.rows, []
        return rows


class StageClock:
    """A ProgressSink that notes when each stage starts."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def stage(self, description: str, total: int | None = None) -> None:
        self.marks.append((description, time.perf_counter()))

    def advance(self, n: int = 1) -> None:
        pass

    def durations(self, end: float) -> list[tuple[str, float]]:
        ends = [t for _, t in self.marks[1:]] + [end]
        return [(name, stop - start) for (name, start), stop in zip(self.marks, ends, strict=True)]


async def draw_rows(engine: AsyncEngine, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    async with engine.connect() as conn:
        roads = (
            await conn.execute(text("SELECT id, code, start_chainage_m, length_m FROM roads ORDER BY id"))
        ).all()
        categories = (
            (await conn.execute(text("SELECT code FROM categories WHERE active ORDER BY code")))
            .scalars()
            .all()
        )
        lengths = np.array([r.length_m for r in roads])
        pick = rng.choice(len(roads), size=n, p=lengths / lengths.sum())
        starts = np.array([r.start_chainage_m for r in roads])[pick]
        chainages = starts + rng.random(n) * lengths[pick]
        ids = [int(roads[i].id) for i in pick]
        points = (
            await conn.execute(text(POINTS_ON_ROADS), {"ids": ids, "chainages": chainages.tolist()})
        ).all()
    lon = np.array([p.lon for p in points]) + rng.uniform(-0.0002, 0.0002, n)
    lat = np.array([p.lat for p in points]) + rng.uniform(-0.0002, 0.0002, n)
    return pd.DataFrame(
        {
            "经度": lon.round(6),
            "纬度": lat.round(6),
            "隐患类别": rng.choice(categories, n),
            "隐患等级": rng.choice(["一般", "较大", "重大"], n, p=[0.8, 0.15, 0.05]),
            "隐患描述": [f"批量导入测试 {i + 1}" for i in range(n)],
            "道路编号": [roads[i].code for i in pick],
            "桩号": [format_chainage(c) for c in chainages],
        }
    )


def write_files(frame: pd.DataFrame, folder: Path) -> dict[ImportFormat, Path]:
    csv_frame = frame.astype({"经度": object, "纬度": object})
    by_chainage = np.arange(len(frame)) % 10 == 0  # one row in ten: road + 桩号, no lon/lat
    csv_frame.loc[by_chainage, ["经度", "纬度"]] = ""
    csv_frame.loc[~by_chainage, ["道路编号", "桩号"]] = ""
    csv_path = folder / "hazards.csv"
    csv_frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
    gpkg_path = folder / "hazards.gpkg"
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["经度", "纬度", "道路编号", "桩号"]),
        geometry=shapely.points(frame["经度"], frame["纬度"]),
        crs="EPSG:4326",
    )
    gdf.to_file(gpkg_path, driver="GPKG", layer="hazards")
    return {ImportFormat.csv: csv_path, ImportFormat.gpkg: gpkg_path}


async def empty_ledger(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE hazards"))


async def trigger_costs(engine: AsyncEngine, n: int) -> list[dict[str, Any]]:
    """``n`` of the imported rows inserted again as a plain INSERT would (the trigger numbers and
    places each row), under EXPLAIN ANALYZE, rolled back: what the per-row triggers cost."""
    async with engine.connect() as conn, conn.begin() as tx:
        await conn.execute(text("SELECT set_config('hazardmap.action', 'import', true)"))
        plan = (
            await conn.execute(
                text(
                    """EXPLAIN (ANALYZE, FORMAT JSON)
                       INSERT INTO hazards (kind, category_code, visibility, grade, source, description,
                                            status, road_id, chainage_m, geom, created_by)
                       SELECT kind, category_code, visibility, grade, source, description, status,
                              road_id, chainage_m, geom, 'bench' FROM hazards ORDER BY id LIMIT :n"""
                ),
                {"n": n},
            )
        ).scalar_one()
        await tx.rollback()
    top = (plan if isinstance(plan, list) else json.loads(plan))[0]
    return [{"name": "INSERT (all)", "time": top["Execution Time"], "calls": n}] + [
        {"name": t["Trigger Name"], "time": t["Time"], "calls": t["Calls"]}
        for t in top.get("Triggers", [])
        if not t["Trigger Name"].startswith("RI_")
    ]


async def measure(url: str, n: int, statements: bool) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    statement_clock = StatementClock(engine)
    loads = os.getloadavg()
    if loads[0] > 1:
        console.print(f"[yellow]load average {loads[0]:.1f}: other work shares the CPUs[/]")
    try:
        async with engine.connect() as conn:
            has_roads = (await conn.execute(text("SELECT count(*) FROM roads"))).scalar_one()
        if not has_roads:
            console.print(f"==> shipped geodata: {(await load_shipped(engine)).summary()}")
        t = time.perf_counter()
        frame = await draw_rows(engine, n)
        folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
        files = await asyncio.to_thread(write_files, frame, folder)
        console.print(f"==> {n:,} rows drawn and written in {time.perf_counter() - t:.1f} s to {folder}")
        results: dict[str, Any] = {"rows": n, "cpus": os.cpu_count(), "runs": {}}
        for fmt, path in files.items():
            await empty_ledger(engine)
            clock = StageClock()
            # The GeoPackage has its geometry: only the attribute columns are mapped.
            mapping = (
                MAPPING
                if fmt is ImportFormat.csv
                else {k: MAPPING[k] for k in ("隐患类别", "隐患等级", "隐患描述")}
            )
            options = ImportOptions(format=fmt, crs=Crs.wgs84, mapping=mapping, mode=Mode.valid_rows)
            statement_clock.take()
            start = time.perf_counter()
            outcome = await import_hazards(engine, path, options, actor="bench", progress=clock)
            end = time.perf_counter()
            total = end - start
            console.print(
                f"==> {fmt.value} ({path.stat().st_size / 1e6:.1f} MB): {outcome.summary} in {total:.1f} s "
                f"= [bold]{outcome.rows_read / total:,.0f} rows/s[/]"
            )
            before = BEFORE.get(fmt.value) if n == BEFORE_ROWS else None
            if before:
                console.print(
                    f"      before the set-wise write: {before['seconds']:.1f} s at load average"
                    f" {BEFORE_LOAD}, PostgreSQL's CPU time {before['cpu']:.1f} s at load {BEFORE_CPU_LOAD}"
                )
            for i, (name, seconds) in enumerate(clock.durations(end)):
                was = f"  (before {before['stages'][i]:5.2f} s)" if before else ""
                console.print(f"      {name:<52} {seconds:7.2f} s  {seconds / total:5.1%}{was}")
            ran = statement_clock.take()
            backend = sum(c for _, c, _ in ran)
            console.print(f"      PostgreSQL's CPU time for the import: {backend:.1f} s")
            if statements:
                for wall, cpu, sql in sorted(ran, reverse=True)[:16]:
                    console.print(f"        {wall:6.2f} s  cpu {cpu:6.2f} s  {sql}")
            async with engine.connect() as conn:
                snapped = (
                    await conn.execute(
                        text("SELECT count(*) FILTER (WHERE road_id IS NOT NULL) FROM hazards")
                    )
                ).scalar_one()
            console.print(f"      on a road (snapped or by 桩号): {snapped:,} of {outcome.rows_written:,}")
            results["runs"][fmt.value] = {
                "seconds": total, "rows_per_s": outcome.rows_read / total, "written": outcome.rows_written,
                "refused": outcome.rows_refused, "stages": clock.durations(end), "backend_cpu": backend,
            }  # fmt: skip
        results["insert_explain"] = {}
        for sample in sorted({min(n, 5_000), min(n, 20_000)}):
            costs = await trigger_costs(engine, sample)
            console.print(
                f"==> a plain INSERT of {sample:,} of these rows under EXPLAIN ANALYZE (rolled back):"
            )
            whole = costs[0]["time"]
            for c in costs:
                each = c["time"] / sample * 1000  # a statement trigger is called once for them all
                share = c["time"] / whole
                console.print(
                    f"      {c['name']:<24} {c['time'] / 1000:7.2f} s  {share:5.1%}  {each:6.0f} µs/row"
                )
            results["insert_explain"][sample] = costs
        console.print(
            f"    {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; load average"
            f" {loads[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
        results["load_average"] = [loads[0], os.getloadavg()[0]]
        out = PROJECT_ROOT / "bench" / "results" / f"import_hazards-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=54356)
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    parser.add_argument(
        "--statements", action="store_true", help="print the slowest statements (wall and CPU time)"
    )
    args = parser.parse_args()
    cluster = Cluster(path=CLUSTER_DIR, port=args.port)
    cluster.up("postgres", fast=True)
    try:
        cluster.ensure_database(DATABASE)
        url = cluster.url(DATABASE)
        migrate.upgrade(url)
        asyncio.run(measure(url, args.rows, args.statements))
    finally:
        if not args.keep:
            cluster.stop()


if __name__ == "__main__":
    main()
