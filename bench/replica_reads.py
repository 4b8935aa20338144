"""Benchmark: what reading from a streaming replica costs a request, and that the replica does the work.

    python -m bench.replica_reads                 # 20,000 hazards; c = 1 and 16; 3 rounds

A throwaway PostGIS of its own (``var/pg-bench-replicas``, port ``HAZARDMAP_BENCH_REPLICA_PORT`` or
54405) with the bench data set of bench.list_bbox, and a hot standby of it made by ``pg_basebackup -R``
(``Cluster.standby``, that port + 10). The service (one uvicorn worker, production settings, an API key)
runs twice: reading the primary only, and with ``HAZARDMAP_DATABASE_REPLICA_URLS`` naming the standby;
bench.urlload sends OGC items under a county office's bbox (limit 1000) and z14 tiles, the two
configurations taking turns in rounds, medians shown. The standby's own count of transactions in the
bench database (``pg_stat_database.xact_commit`` there) shows where the reads went. On one machine a
replica adds no capacity — the figure is the cost of the second connection (the sign-in stays on the
primary) and of the lag check, which a replica on a machine of its own buys back many times.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime

from rich.table import Table

from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from bench.list_bbox import DATABASE, SEED, console, make_bboxes, prepare_database
from bench.servers import service_env, uvicorn_app
from bench.tipg_compare import Figures, figures, load, median_of, scenarios

PORT = int(os.environ.get("HAZARDMAP_BENCH_REPLICA_PORT", "54405"))
ROWS = 20_000
BOXES = 50
WANTED = ("items bbox", "MVT z14")


def standby_commits(standby: Cluster) -> int:
    return int(
        standby.psql(f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{DATABASE}'")
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.replica_reads", description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards (default {ROWS:,})")
    p.add_argument("--requests", type=int, default=300, help="requests per run at most (300)")
    p.add_argument("--seconds", type=float, default=8.0, help="seconds per run at most (8)")
    p.add_argument("--rounds", type=int, default=3, help="rounds, each configuration in turn (3)")
    p.add_argument("--concurrency", default="1,16", help="concurrent clients (default 1,16)")
    args = p.parse_args(argv)

    cluster = Cluster(path=PROJECT_ROOT / "var" / "pg-bench-replicas", port=PORT)
    cluster.up("postgres", fast=True)
    standby: Cluster | None = None
    load_before = os.getloadavg()
    table = Table(title=f"primary only vs a streaming replica — {args.rows:,} hazards, one uvicorn worker")
    for column in (
        "scenario",
        "c",
        "primary req/s",
        "replica req/s",
        "ratio",
        "primary p50/p95",
        "replica p50/p95",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    rows: list[dict[str, object]] = []
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows, False)
        boxes = make_bboxes(cluster, BOXES, SEED)
        standby = cluster.standby(PROJECT_ROOT / "var" / "pg-bench-replicas-standby", PORT + 10)
        env = {**service_env(cluster.url(DATABASE)), "HAZARDMAP_PUBLIC_URL": "https://bench.invalid"}
        replica_env = {**env, "HAZARDMAP_DATABASE_REPLICA_URLS": standby.url(DATABASE)}
        with (
            uvicorn_app("app.main:app", env, "/healthz") as primary,
            uvicorn_app("app.main:app", replica_env, "/healthz") as replica,
        ):
            bases = {"primary": primary, "replica": replica}
            for name, (paths, _) in scenarios(boxes).items():
                if name not in WANTED:
                    continue
                for c in (int(v) for v in args.concurrency.split(",")):
                    for base in bases.values():  # warm: connections, plans, pages
                        load(base, paths, c, c * 4, 30, "gzip, deflate")
                    runs: dict[str, list[Figures]] = {"primary": [], "replica": []}
                    on_standby = 0
                    for r in range(args.rounds):
                        for who in ("primary", "replica") if r % 2 == 0 else ("replica", "primary"):
                            before = standby_commits(standby)
                            result = load(bases[who], paths, c, args.requests, args.seconds, "gzip, deflate")
                            runs[who].append(figures(result))
                            if who == "replica":
                                on_standby += standby_commits(standby) - before
                    a, b = median_of(runs["primary"]), median_of(runs["replica"])
                    table.add_row(
                        name, str(c), f"{a.rps:.1f}", f"{b.rps:.1f}", f"{b.rps / a.rps:.2f}×",
                        f"{a.p50:.0f} / {a.p95:.0f}", f"{b.p50:.0f} / {b.p95:.0f}",
                    )  # fmt: skip
                    console.print(
                        f"    {name} c={c}: primary {a.rps:.1f} req/s, replica {b.rps:.1f} req/s; "
                        f"{on_standby} transactions on the standby during the replica's runs"
                    )
                    rows.append(
                        {"scenario": name, "c": c, "standby_transactions": on_standby}
                        | {who: [vars(f) for f in runs[who]] for who in runs}
                    )
    finally:
        if standby is not None:
            standby.destroy()
        cluster.stop()
    console.print(table)
    out = PROJECT_ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {"load_before": load_before, "load_after": os.getloadavg(), "rows": rows}
    path = out / f"replica_reads-{stamp}.json"
    path.write_text(json.dumps(doc, indent=1))
    console.print(
        f"    written to {path.relative_to(PROJECT_ROOT)} (load average before: {load_before[0]:.2f})"
    )


if __name__ == "__main__":
    main()
