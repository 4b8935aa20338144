"""Benchmark: GET /api/v1/hazards?bbox=…&limit=1000 over a million hazards, against the same SQL
run straight in PostgreSQL, so that what the service adds to the database's own work shows.

    python -m bench.list_bbox            # reuses the bench database when it is there
    python -m bench.list_bbox --reload   # rebuilds it

See bench/README.md for what is measured and how to read the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.cluster import Cluster
from app.demo.texts import finding
from app.settings import PROJECT_ROOT
from bench.databases import bench_sql, reuse_or_build
from bench.servers import auth_headers, service_env, uvicorn_app

# Wide enough for the results table whether or not stdout is a terminal (make bench | tee …).
console = Console(width=max(132, shutil.get_terminal_size().columns))

CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench"
# Another port with HAZARDMAP_BENCH_PORT, when a second clone on the machine runs its benches too.
PORT = int(os.environ.get("HAZARDMAP_BENCH_PORT", "54349"))
DATABASE = "hazardmap_bench"
RESULTS = Path(__file__).resolve().parent / "results"

ROWS = 1_000_000
SEED = 371500
GENERATOR = 1  # bump when bulk_hazards.sql changes what it writes; a stale bench database is rebuilt
LIMIT = 1000
BOXES = 200
# A county office's screen: 0.1°–0.2° wide (9–18 km here), 16:9. At 36.5° N a degree of
# longitude is 0.8 of a degree of latitude on the ground, so the box is 0.45 as tall in degrees.
BOX_WIDTH = (0.10, 0.20)
BOX_ASPECT = 9 / 16 * 0.80


def _marker(rows: int) -> str:
    return f"hazardmap bench: {rows} synthetic hazards, generator {GENERATOR}, seed {SEED}"


# -- the database ------------------------------------------------------------------------------------


def prepare_database(cluster: Cluster, rows: int, reload: bool) -> None:
    """Reuse the bench database if it holds this data set; else build it (≈ 2–4 minutes)."""
    reuse_or_build(
        cluster,
        DATABASE,
        _marker(rows),
        reload=reload,
        what="bench database",
        rows=rows,
        load=lambda url: _load(url, rows),
        console=console,
    )


async def _load(url: str, rows: int) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    try:
        t = time.perf_counter()
        report = await load_shipped(engine)
        console.print(f"    shipped geodata loaded: {report.summary()} ({time.perf_counter() - t:.1f} s)")
        async with engine.begin() as conn:
            await _bulk_hazards(conn, rows)
    finally:
        await engine.dispose()
    # VACUUM cannot run in a transaction; it sets the visibility map, ANALYZE the statistics.
    conn2 = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        t = time.perf_counter()
        await conn2.execute("VACUUM (ANALYZE) hazards")
        await conn2.execute("ANALYZE ledger_counters")
        console.print(f"    VACUUM ANALYZE hazards ({time.perf_counter() - t:.1f} s)")
    finally:
        await conn2.close()


async def _bulk_hazards(conn: AsyncConnection, rows: int) -> None:
    async def step(label: str, sql: str, params: dict[str, Any] | None = None) -> None:
        t = time.perf_counter()
        await conn.execute(text(sql), params or {})
        console.print(f"    {label} ({time.perf_counter() - t:.1f} s)")

    await conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    await conn.execute(text("SET LOCAL work_mem = '256MB'"))
    console.print(
        "    [yellow]the hazards table's own triggers are DISABLED for this load[/] (hazards_assign numbers "
        "one row at a time);\n    county, township and ledger number are computed in SQL by the same rules, "
        "and no history rows are written"
    )
    await conn.execute(text("ALTER TABLE hazards DISABLE TRIGGER USER"))
    # Building the secondary indexes once, after the load, is several times faster than
    # maintaining them row by row; the constraint indexes (primary key, unique) stay.
    indexes = (
        await conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() AND tablename = 'hazards'"
                "   AND indexname NOT IN (SELECT conname FROM pg_constraint"
                "                          WHERE conrelid = 'hazards'::regclass)"
                " ORDER BY indexname"
            )
        )
    ).all()
    for name, _ in indexes:
        await conn.execute(text(f'DROP INDEX "{name}"'))
    await conn.execute(text("SELECT setseed(:s)"), {"s": SEED / 1e6})
    wordings = {}
    for (code,) in await conn.execute(text("SELECT code FROM categories")):
        found, advice = finding(code, 0)
        wordings[code] = f"主要隐患:{found}。整改意见:{advice}。"
    await step(
        f"{rows:,} hazards generated in the county outlines and inserted",
        bench_sql("bulk_hazards"),
        {"n": rows, "seed": SEED, "wordings": json.dumps(wordings, ensure_ascii=False)},
    )
    await step(
        "ledger counters set to the last number issued",
        "INSERT INTO ledger_counters AS c (county_code, year, last_value)"
        " SELECT county_code, split_part(ledger_no, '-', 2)::int, max(split_part(ledger_no, '-', 3)::int)"
        "   FROM hazards GROUP BY 1, 2"
        " ON CONFLICT (county_code, year)"
        " DO UPDATE SET last_value = greatest(c.last_value, EXCLUDED.last_value)",
    )
    t = time.perf_counter()
    for _, definition in indexes:
        await conn.execute(text(definition))
    console.print(f"    {len(indexes)} secondary indexes rebuilt ({time.perf_counter() - t:.1f} s)")
    await conn.execute(text("ALTER TABLE hazards ENABLE TRIGGER USER"))
    console.print("    triggers enabled again")
    # The rows were written with the triggers off, hazard_counts' among them: count afresh.
    await step("hazard_counts counted afresh", "SELECT hazard_counts_rebuild()")


def make_bboxes(cluster: Cluster, n: int, seed: int) -> list[list[float]]:
    """Boxes of a county office's screen, centred on points inside the city outline (seeded)."""
    centres = cluster.psql(
        "SELECT string_agg(ST_X(d.geom) || ' ' || ST_Y(d.geom), ',' ORDER BY d.path)"
        "  FROM jurisdictions j, ST_Dump(ST_GeneratePoints(j.geom, "
        f"{int(n)}, {int(seed)})) d WHERE j.level = 'city'",
        database=DATABASE,
    )
    rng = random.Random(seed)
    boxes = []
    for pair in centres.split(","):
        x, y = (float(v) for v in pair.split())
        w = rng.uniform(*BOX_WIDTH)
        h = w * BOX_ASPECT
        boxes.append([round(x - w / 2, 6), round(y - h / 2, 6), round(x + w / 2, 6), round(y + h / 2, 6)])
    return boxes


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    req_per_s: float
    p50_ms: float
    p95_ms: float
    mb_per_response: float

    @staticmethod
    def of(
        scenario: str, concurrency: int, latencies: list[float], seconds: float, errors: int, nbytes: int
    ) -> Result:
        ordered = sorted(latencies)
        return Result(
            scenario=scenario,
            concurrency=concurrency,
            requests=len(ordered),
            errors=errors,
            seconds=round(seconds, 2),
            req_per_s=round(len(ordered) / seconds, 1) if seconds else 0.0,
            p50_ms=round(_percentile(ordered, 0.50), 1),
            p95_ms=round(_percentile(ordered, 0.95), 1),
            mb_per_response=round(nbytes / max(len(ordered), 1) / 1e6, 3),
        )


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def list_statement() -> tuple[str, list[str]]:
    """The endpoint's own list query for a bbox filter, as asyncpg receives it from SQLAlchemy."""
    from app.hazards import repository
    from app.hazards.schemas import HazardFilter

    # The repository builds the statement from the filter; these are the functions it uses for
    # GET /api/v1/hazards, so the SQL timed here is byte for byte the SQL the service sends.
    where, _ = repository._where("point", HazardFilter(bbox=(0.0, 0.0, 1.0, 1.0)))
    compiled = text(repository._list_sql(where)).compile(dialect=asyncpg_dialect())
    return compiled.string, list(compiled.positiontup or [])


async def run_direct(
    url: str, bboxes: list[list[float]], concurrency: int, requests: int, seconds: float, first: int = 0
) -> dict[str, Any]:
    """Like bench.loadgen, but the statement straight to PostgreSQL; the same result shape."""
    sql, names = list_statement()
    pool = await asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://"),
        min_size=concurrency,
        max_size=concurrency,
        server_settings={"jit": "off", "plan_cache_mode": "force_custom_plan"},  # as app.db
    )
    assert pool is not None

    def args(i: int) -> list[Any]:
        x1, y1, x2, y2 = bboxes[i % len(bboxes)]
        values = {"kind": "point", "x1": x1, "y1": y1, "x2": x2, "y2": y2, "limit": LIMIT, "offset": 0}
        return [values[n] for n in names]

    latencies: list[float] = []
    matched: dict[str, int] = {}
    nbytes = 0
    taken = 0
    try:
        # Every connection prepares the statement once, as the service's pooled connections have.
        held = [await pool.acquire() for _ in range(concurrency)]
        for conn in held:
            await conn.fetchrow(sql, *args(first))
        for conn in held:
            await pool.release(conn)
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal taken, nbytes
            async with pool.acquire() as conn:
                while taken < requests and time.perf_counter() < deadline:
                    i = first + taken
                    taken += 1
                    t0 = time.perf_counter()
                    row = await conn.fetchrow(sql, *args(i))
                    latencies.append((time.perf_counter() - t0) * 1000)
                    nbytes += len(row["features"].encode())
                    matched[str(i)] = row["number_matched"]

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    finally:
        await pool.close()
    return {
        "latencies_ms": latencies,
        "elapsed_s": elapsed,
        "errors": [],
        "error_count": 0,
        "bytes": nbytes,
        "matched": matched,
    }


@dataclass
class Tally:
    """The chunks of one scenario at one concurrency, added up."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    nbytes: int = 0

    def add(self, raw: dict[str, Any]) -> None:
        self.latencies += raw["latencies_ms"]
        self.seconds += raw["elapsed_s"]
        self.errors += raw["errors"]
        self.error_count += raw["error_count"]
        self.nbytes += raw["bytes"]


@contextmanager
def service(url: str, workers: int) -> Iterator[str]:
    """The real service under uvicorn on a free loopback port, stopped afterwards."""
    env = service_env(url)
    with uvicorn_app("app.main:app", env, "/healthz", workers=workers) as base:
        yield base


def run_loadgen(
    base: str, boxes_file: Path, concurrency: int, requests: int, seconds: float, first: int = 0
) -> dict[str, Any]:
    cmd = [
        sys.executable, "-m", "bench.loadgen", "--base", base, "--bboxes", str(boxes_file),
        "--concurrency", str(concurrency), "--requests", str(requests), "--seconds", str(seconds),
        "--limit", str(LIMIT), "--first", str(first),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _same_counts(service: dict[str, int], direct: dict[str, int]) -> None:
    """The service must have counted what the SQL counted for the same boxes."""
    mismatch = {k: (v, direct.get(k)) for k, v in service.items() if direct.get(k) != v}
    if mismatch:
        raise RuntimeError(f"numberMatched differs from the direct SQL (service, SQL): {mismatch}")


def _check_endpoint(base: str, box: list[float]) -> None:
    query = f"bbox={','.join(map(str, box))}&limit=1"
    try:
        request = urllib.request.Request(f"{base}/api/v1/hazards?{query}", headers=auth_headers())
        with urllib.request.urlopen(request, timeout=30) as r:
            body = json.loads(r.read())
    except OSError as exc:
        raise RuntimeError(f"GET /api/v1/hazards failed ({exc}); is the list endpoint there?") from exc
    if body.get("type") != "FeatureCollection" or "numberMatched" not in body:
        raise RuntimeError("GET /api/v1/hazards did not answer a FeatureCollection with numberMatched")


# -- the run -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.list_bbox", description=__doc__.split("\n\n")[0])
    p.add_argument("--reload", action="store_true", help="rebuild the bench database")
    p.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards (default {ROWS:,})")
    # On the 2-core reference machine every run ends by count, so that every scenario sees the
    # same boxes; the time bound keeps a slower machine within the ~10 minutes.
    p.add_argument(
        "--requests",
        type=int,
        default=150,
        help="requests per scenario and concurrency, at least 20 per client",
    )
    p.add_argument(
        "--seconds", type=float, default=60.0, help="at most this long per scenario and concurrency"
    )
    p.add_argument("--workers", default="1,2", help="uvicorn worker counts to try (default 1,2)")
    p.add_argument("--concurrency", default="1,16", help="concurrent clients (default 1,16)")
    p.add_argument("--rounds", type=int, default=3, help="turns the scenarios take on the machine (3)")
    args = p.parse_args(argv)
    began = time.perf_counter()

    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    console.print(f"==> bench cluster {CLUSTER_DIR} on 127.0.0.1:{PORT} (throwaway: fsync off)")
    # Left running at the end only if it was running before (bench.map_load shares it).
    was_running = cluster.running()
    cluster.up("postgres", fast=True)
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows, args.reload)
        boxes = make_bboxes(cluster, BOXES, SEED)
        console.print(
            f"==> {len(boxes)} bounding boxes, {BOX_WIDTH[0]}°–{BOX_WIDTH[1]}° wide, 16:9, centred in the "
            f"city (seed {SEED}); limit={LIMIT}; a run stops after {args.requests} requests (at least 20 "
            f"per client) or {args.seconds:.0f} s"
        )
        load = os.getloadavg()
        if load[0] > 1.0:
            console.print(
                f"[yellow]    warning:[/] load average {load[0]:.1f} on {os.cpu_count()} cores before "
                "measuring: other work is running here, and the figures will say as much about it as "
                "about the service"
            )
        results, per_box = measure(cluster.url(DATABASE), boxes, args)
        _print_table(results)
        path = _write_json(results, args, cluster, boxes, per_box, time.perf_counter() - began, load)
    finally:
        # The data stays for the next run; a stopped cluster holds no memory.
        if not was_running:
            cluster.stop()
    console.print(
        f"==> results in {path.relative_to(PROJECT_ROOT)}; the bench cluster's data is kept for the next "
        f"run ({time.perf_counter() - began:.0f} s in all)"
    )


def measure(
    url: str, boxes: list[list[float]], args: argparse.Namespace
) -> tuple[list[Result], dict[str, int]]:
    """Direct SQL and the service with each worker count, taking turns, at each concurrency."""
    workers = [int(w) for w in args.workers.split(",")]
    levels = [int(c) for c in args.concurrency.split(",")]
    console.print("==> warming the cache: every box once, straight in PostgreSQL")
    warm = asyncio.run(run_direct(url, boxes, 2, len(boxes), 120))
    counts = sorted(warm["matched"].values())
    per_box = {"min": counts[0], "median": counts[len(counts) // 2], "max": counts[-1]}
    console.print(
        f"    hazards per box: min {per_box['min']:,}, median {per_box['median']:,}, max {per_box['max']:,} "
        f"(limit={LIMIT} returns the first {LIMIT} by id)"
    )

    names = {0: "direct SQL", **{w: f"service, {w} worker{'s' if w > 1 else ''}" for w in workers}}
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as services:
        boxes_file = Path(tmp) / "bboxes.json"
        boxes_file.write_text(json.dumps(boxes))
        bases = {w: services.enter_context(service(url, w)) for w in workers}
        for w, base in bases.items():
            _check_endpoint(base, boxes[0])
            # Warm every worker: its pool's connections and their prepared statements.
            run_loadgen(base, boxes_file, max(levels), 2 * max(levels) * w, 60)
        console.print(
            f"==> service up ({' and '.join(map(str, workers))} workers); measuring in {args.rounds} "
            "rounds, the scenarios taking turns on the same boxes"
        )
        for c in levels:
            # At least 20 requests per client, so that the ramp-up and the tail (fewer clients
            # still busy) are a small part of a run.
            requests = max(args.requests, 20 * c)
            chunk = math.ceil(requests / args.rounds)
            tallies = {k: Tally() for k in names}
            for r in range(args.rounds):
                first = r * chunk
                n = min(chunk, requests - first)
                # Turns rotate, so that no scenario always follows the same one.
                order = list(names)[r % len(names) :] + list(names)[: r % len(names)]
                counted: dict[int, dict[str, int]] = {}
                for k in order:
                    if k == 0:
                        raw = asyncio.run(run_direct(url, boxes, c, n, args.seconds / args.rounds, first))
                    else:
                        raw = run_loadgen(bases[k], boxes_file, c, n, args.seconds / args.rounds, first)
                    tallies[k].add(raw)
                    counted[k] = raw["matched"]
                for k in bases:
                    _same_counts(counted[k], counted[0])
            for k, t in tallies.items():
                res = Result.of(names[k], c, t.latencies, t.seconds, t.error_count, t.nbytes)
                results.append(res)
                console.print(
                    f"    {res.scenario}, concurrency {c}: {res.req_per_s} req/s, p50 {res.p50_ms} ms"
                )
                if t.errors:
                    console.print(f"[red]    errors:[/] {t.errors[:3]}")
    return results, per_box


def _print_table(results: list[Result]) -> None:
    direct = {r.concurrency: r for r in results if r.scenario.startswith("direct")}
    table = Table(
        "scenario", "concurrency", "requests", "req/s", "p50 ms", "p95 ms", "MB/resp",
        "req/s ÷ SQL", "p50 × SQL", "p95 × SQL",
        title=f"GET /api/v1/hazards?bbox=…&limit={LIMIT} vs the same SQL (asyncpg)",
    )  # fmt: skip
    for r in results:
        d = direct.get(r.concurrency)
        ratios = ["", "", ""]
        if d is not None and r is not d:
            ratios = [
                f"{r.req_per_s / d.req_per_s:.2f}" if d.req_per_s else "",
                f"{r.p50_ms / d.p50_ms:.2f}" if d.p50_ms else "",
                f"{r.p95_ms / d.p95_ms:.2f}" if d.p95_ms else "",
            ]
        table.add_row(
            r.scenario, str(r.concurrency), str(r.requests) + (f" ({r.errors} errors)" if r.errors else ""),
            f"{r.req_per_s:.1f}", f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}", f"{r.mb_per_response:.2f}", *ratios,
        )  # fmt: skip
    console.print(table)


def _write_json(
    results: list[Result],
    args: argparse.Namespace,
    cluster: Cluster,
    boxes: list[list[float]],
    per_box: dict[str, int],
    seconds: float,
    load: tuple[float, float, float],
) -> Path:
    versions = cluster.psql(
        "SELECT current_setting('server_version') || ' / ' || postgis_lib_version()", database=DATABASE
    )
    RESULTS.mkdir(exist_ok=True)
    at = datetime.now(UTC)
    path = RESULTS / f"list_bbox-{at:%Y%m%dT%H%M%SZ}.json"
    body = {
        "benchmark": "list_bbox",
        "at": at.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_before": load,
            "load_average_after": os.getloadavg(),
        },
        "postgresql_postgis": versions,
        "rows": args.rows,
        "limit": LIMIT,
        "bboxes": {
            "count": len(boxes),
            "width_deg": BOX_WIDTH,
            "aspect": "16:9",
            "seed": SEED,
            "hazards_per_box": per_box,
        },
        "bounds": {"requests": args.requests, "seconds": args.seconds},
        "total_seconds": round(seconds, 1),
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2))
    return path


if __name__ == "__main__":
    main()
