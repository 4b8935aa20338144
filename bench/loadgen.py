"""A small HTTP load generator, run as a process of its own so that it does not share an event loop
(or a core's worth of Python) with the service it measures.

    python -m bench.loadgen --base http://127.0.0.1:8001 --bboxes boxes.json --concurrency 16

``--concurrency`` clients each keep one HTTP/1.1 connection open and send one request after
another, taking the next bounding box from a shared list (in order from ``--first``, cycling), until
``--requests`` have been sent or ``--seconds`` have passed. Prints one JSON object: the latency of
every request in milliseconds, the wall time, the errors, and the numberMatched of the first few.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.servers import auth_headers

PATH = "/api/v1/hazards"


async def run(
    base: str,
    bboxes: list[list[float]],
    concurrency: int,
    requests: int,
    seconds: float,
    limit: int,
    first: int = 0,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    matched: dict[int, int] = {}
    received = 0
    taken = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120, headers=auth_headers()) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def client_loop() -> None:
            nonlocal taken, received
            while taken < requests and time.perf_counter() < deadline:
                i = first + taken
                taken += 1
                box = bboxes[i % len(bboxes)]
                params = {"bbox": ",".join(f"{v:.6f}" for v in box), "limit": str(limit)}
                t0 = time.perf_counter()
                try:
                    r = await client.get(PATH, params=params)
                    body = r.content  # the whole body, as a browser would receive it
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                received += len(body)
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}: {body[:200]!r}")
                elif i - first < 5:
                    matched[i] = json.loads(body)["numberMatched"]

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "latencies_ms": latencies,
        "elapsed_s": elapsed,
        "errors": errors[:20],
        "error_count": len(errors),
        "bytes": received,
        "matched": {str(k): v for k, v in sorted(matched.items())},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8001")
    p.add_argument("--bboxes", type=Path, required=True, help="JSON list of [minLon, minLat, maxLon, maxLat]")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--first", type=int, default=0, help="index of the first box to send (then in order)")
    args = p.parse_args(argv)
    bboxes = json.loads(args.bboxes.read_text())
    result = asyncio.run(
        run(args.base, bboxes, args.concurrency, args.requests, args.seconds, args.limit, args.first)
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
