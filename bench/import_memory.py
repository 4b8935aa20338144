"""Benchmark: the memory an import's reading takes, by file size.

    python -m bench.import_memory --rows 1000000,200000   # files written once, var/bench-import-memory

For each row count, a zipped Shapefile and an XLSX of pins in Liaocheng are written (once; reused),
then each is read in a fresh child process the way the service does: the row count the upload is
refused by (``count_rows``), then, when within ``HAZARDMAP_IMPORT_MAX_ROWS``, every batch read and
checked (``read_batches`` + ``stage_records``), with nothing kept. The child prints its RSS before and
its peak RSS (``VmHWM``). The database's part (COPY into the staging table, the set-wise checks)
is not in this process's memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import datetime
from pathlib import Path

from app.settings import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "var" / "bench-import-memory"


def write_files(n: int) -> dict[str, Path]:
    import geopandas as gpd
    import numpy as np
    import openpyxl
    import shapely

    shp, xlsx = FOLDER / f"hazards-{n}.zip", FOLDER / f"hazards-{n}.xlsx"
    if shp.exists() and xlsx.exists():
        return {"shapefile": shp, "xlsx": xlsx}
    FOLDER.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261206)
    lon, lat = rng.uniform(115.8, 116.2, n).round(6), rng.uniform(36.3, 36.6, n).round(6)
    cat = np.array(["HJ01", "HJ02", "SS01"])[rng.integers(0, 3, n)]
    grade = np.array(["一般", "较大", "重大"])[rng.integers(0, 3, n)]
    text = [f"批量导入测试 {i}" for i in range(n)]
    parts = FOLDER / f"shp-{n}"
    parts.mkdir(exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"category": cat, "grade": grade, "descr": text}, geometry=shapely.points(lon, lat), crs="EPSG:4326"
    )
    frame.to_file(parts / "hazards.shp", encoding="utf-8")
    with zipfile.ZipFile(shp, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(parts.iterdir()):
            z.write(f, f.name)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["lon", "lat", "category", "grade", "description"])
    for i in range(n):
        sheet.append([float(lon[i]), float(lat[i]), str(cat[i]), str(grade[i]), text[i]])
    book.save(xlsx)
    return {"shapefile": shp, "xlsx": xlsx}


def _status_mib(key: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process. Not ru_maxrss: Linux carries that across
    fork and exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def child(fmt_name: str, path: Path) -> None:
    """Read ``path`` as the service does, print one JSON line of figures."""
    from app.clock import BEIJING
    from app.coords import Crs
    from app.imports.reading import ImportFormat, TooManyRows, count_rows, read_batches
    from app.imports.rows import CategoryInfo, stage_records
    from app.settings import get_settings

    fmt = ImportFormat(fmt_name)
    limit = get_settings().import_max_rows
    categories = {c: CategoryInfo(c, "explicit") for c in ("HJ01", "HJ02", "SS01")}
    before = _status_mib("VmRSS")
    start = time.perf_counter()
    counted = count_rows(path, fmt, limit)
    out: dict[str, object] = {"count": counted, "count_s": round(time.perf_counter() - start, 1)}
    if counted is not None and counted <= limit:
        mapping = {"descr": "description"} if fmt is ImportFormat.shapefile else {}
        read = 0
        uids: dict[uuid.UUID, int] = {}
        try:
            for rows in read_batches(path, fmt, Crs.wgs84, mapping, path.name, max_rows=limit):
                stage_records(rows, categories, datetime.now(BEIJING), uids)
                read += len(rows)
        except TooManyRows:
            pass
        out["read"] = read
    out |= {
        "seconds": round(time.perf_counter() - start, 1),
        "rss_before_mib": round(before),
        "peak_rss_mib": round(_status_mib("VmHWM")),
    }
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="1000000,200000", help="comma-separated row counts")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    for n in (int(x) for x in args.rows.split(",")):
        for fmt, path in write_files(n).items():
            run = subprocess.run(
                [sys.executable, "-m", "bench.import_memory", "--child", fmt, str(path)],
                capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
            )  # fmt: skip
            size = path.stat().st_size / 2**20
            print(f"{n:>9,} rows  {fmt:<9} {size:6.1f} MiB  {run.stdout.strip()}", flush=True)


if __name__ == "__main__":
    main()
