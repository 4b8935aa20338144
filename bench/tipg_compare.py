"""Benchmark: our OGC API items and vector tiles against tipg's, side by side, on the same PostGIS
and the same million hazards (the bench database of bench.list_bbox).

    pip install 'tipg==1.6.1'          # the bench extra
    python -m bench.tipg_compare       # builds the bench database first if it is not there

Both services run under uvicorn (one worker each) on loopback; bench.urlload, a process of its
own, sends the requests: items with a county-office bbox (limit 1000) and tiles at z8, z11 and
z14 under those boxes, at concurrency 1 and 16. Each run is bounded by a request count and a
time limit, and the two servers take turns in rounds (the order alternating), medians shown.
tipg is told to put every feature in a tile (as ours does), so that both do the same work; its
items are asked for kind=point, the rows our hazards collection holds. Accept-Encoding is a
browser's ("gzip, deflate") unless --encoding identity: tipg compresses what is asked (level 6),
ours too (level 1). A z8 tile holds a few hundred thousand hazards: one request per client, one
round at c=16, and last.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from bench.list_bbox import (
    BOXES,
    CLUSTER_DIR,
    DATABASE,
    PORT,
    ROWS,
    SEED,
    _percentile,
    console,
    make_bboxes,
    prepare_database,
    service,
)
from bench.servers import uvicorn_app

LIMIT = 1000
ZOOMS = (11, 14, 8)  # z8 last: its run at c=16 takes minutes
TIPG_TABLE = "public.hazards"


@contextmanager
def tipg(url: str) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url.replace("postgresql+asyncpg://", "postgresql://"),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["{TIPG_TABLE}"]',
        "TIPG_MAX_FEATURES_PER_TILE": str(10 * ROWS),
        "TIPG_DB_MAX_CONN_SIZE": "10",
    }
    # Ready once it has found the hazards table (tipg reads the catalogue at start-up).
    with uvicorn_app("tipg.main:app", env, f"/collections/{TIPG_TABLE}") as base:
        yield base


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def scenarios(boxes: list[list[float]]) -> dict[str, tuple[list[str], list[str]]]:
    """name → (our paths, tipg's paths), the same requests in the same order."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    bbox = [",".join(f"{v:.6f}" for v in b) for b in boxes]
    out["items bbox"] = (
        [f"/ogc/collections/hazards/items?bbox={b}&limit={LIMIT}" for b in bbox],
        [f"/collections/{TIPG_TABLE}/items?bbox={b}&limit={LIMIT}&kind=point" for b in bbox],
    )
    for z in ZOOMS:
        tiles = list(dict.fromkeys(tile_of((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, z) for b in boxes))
        out[f"MVT z{z}"] = (
            [f"/tiles/hazards/{z}/{x}/{y}.mvt" for x, y in tiles],
            [f"/collections/{TIPG_TABLE}/tiles/WebMercatorQuad/{z}/{x}/{y}" for x, y in tiles],
        )
    return out


def load(
    base: str, paths: list[str], concurrency: int, requests: int, seconds: float, encoding: str
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(paths, f)
    try:
        cmd = [
            sys.executable, "-m", "bench.urlload", "--base", base, "--paths", f.name,
            "--concurrency", str(concurrency), "--requests", str(requests), "--seconds", str(seconds),
            "--encoding", encoding, "--timeout", "600",
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    finally:
        Path(f.name).unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    if result["error_count"]:
        raise RuntimeError(f"{base}: {result['error_count']} errors, e.g. {result['errors'][:3]}")
    return result


@dataclass(frozen=True)
class Figures:
    rps: float
    p50: float
    p95: float
    kb: float  # mean bytes on the wire per response, in kB
    compressed: float  # share of the responses that came compressed


def figures(result: dict[str, Any]) -> Figures:
    ordered = sorted(result["latencies_ms"])
    n = max(1, len(ordered))
    return Figures(
        len(ordered) / result["elapsed_s"],
        _percentile(ordered, 0.50),
        _percentile(ordered, 0.95),
        result["bytes"] / n / 1000,
        result.get("compressed", 0) / n,
    )


def median_of(runs: list[Figures]) -> Figures:
    return Figures(*(statistics.median(getattr(r, k) for r in runs) for k in Figures.__dataclass_fields__))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.tipg_compare", description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=100, help="requests per run at most (100)")
    p.add_argument("--seconds", type=float, default=8.0, help="seconds per run at most (8)")
    p.add_argument("--rounds", type=int, default=3, help="rounds, each server in turn (3); medians shown")
    p.add_argument("--concurrency", default="1,16", help="concurrent clients (default 1,16)")
    p.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards (default {ROWS:,})")
    p.add_argument("--scenarios", default="", help="comma-separated names to run, e.g. 'MVT z14' (all)")
    p.add_argument(
        "--encoding",
        default="gzip, deflate",
        help="Accept-Encoding sent ('gzip, deflate' as a browser, the default; 'identity' for none)",
    )
    args = p.parse_args(argv)
    wanted = {v.strip() for v in args.scenarios.split(",") if v.strip()}
    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    was_running = cluster.running()
    cluster.up("postgres", fast=True)
    title = (
        f"hazardmap vs tipg 1.6.1 — {args.rows:,} hazards, one uvicorn worker each, "
        f"Accept-Encoding: {args.encoding}; medians of {args.rounds} rounds"
    )
    table = Table(title=title)
    columns = ("scenario", "c", "ours req/s", "tipg req/s", "ratio", "ours p50/p95 ms", "tipg p50/p95 ms")
    for column in (*columns, "ours / tipg kB"):
        table.add_column(column, justify="right" if column != "scenario" else "left")
    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows, False)
        boxes = make_bboxes(cluster, BOXES, SEED)
        url = cluster.url(DATABASE)
        with service(url, 1) as ours, tipg(url) as theirs:
            bases = {"ours": ours, "tipg": theirs}
            for name, (our_paths, their_paths) in scenarios(boxes).items():
                if wanted and name not in wanted:
                    continue
                paths = {"ours": our_paths, "tipg": their_paths}
                for c in (int(v) for v in args.concurrency.split(",")):
                    rounds, requests, seconds = args.rounds, args.requests, args.seconds
                    if name == "MVT z8":
                        # A z8 tile holds a few hundred thousand hazards here and takes seconds
                        # (tipg: some ten) to build: one request per client, one round at c > 1.
                        requests, seconds = max(c, 4), 20.0
                        rounds = 1 if c > 1 else rounds
                    else:
                        # Warm both (connections, plans, the tables' pages) on a few requests first.
                        for who in bases:
                            load(bases[who], paths[who], c, c, 30, args.encoding)
                    runs: dict[str, list[Figures]] = {"ours": [], "tipg": []}
                    for r in range(rounds):
                        # Take turns, the order alternating, so that a burst of other work on a
                        # shared machine falls on both rather than on one.
                        for who in ("ours", "tipg") if r % 2 == 0 else ("tipg", "ours"):
                            runs[who].append(
                                figures(load(bases[who], paths[who], c, requests, seconds, args.encoding))
                            )
                    a, b = median_of(runs["ours"]), median_of(runs["tipg"])
                    table.add_row(
                        name,
                        str(c),
                        f"{a.rps:.1f}",
                        f"{b.rps:.1f}",
                        f"{a.rps / b.rps:.2f}×",
                        f"{a.p50:.0f} / {a.p95:.0f}",
                        f"{b.p50:.0f} / {b.p95:.0f}",
                        f"{a.kb:.1f} / {b.kb:.1f}",
                    )
                    rows.append(
                        {"scenario": name, "c": c, "rounds": rounds, "requests": requests}
                        | {who: [asdict(f) for f in runs[who]] for who in runs}
                    )
                    console.print(
                        f"    {name} c={c}: ours {a.rps:.1f} req/s p50/p95 {a.p50:.0f}/{a.p95:.0f} ms, "
                        f"tipg {b.rps:.1f} req/s p50/p95 {b.p50:.0f}/{b.p95:.0f} ms ({a.rps / b.rps:.2f}×)"
                    )
    finally:
        if not was_running:
            cluster.stop()
    console.print(table)
    out = PROJECT_ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {"encoding": args.encoding, "load_before": load_before, "load_after": os.getloadavg(), "rows": rows}
    path = out / f"tipg_compare-{stamp}.json"
    path.write_text(json.dumps(doc, indent=1))
    where = path.relative_to(PROJECT_ROOT)
    console.print(f"    written to {where} (load average before: {load_before[0]:.2f})")


if __name__ == "__main__":
    main()
