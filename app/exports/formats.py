"""Writing an export. GeoJSON, GeoJSONSeq and CSV are streamed from the database cursor as they
are read; GeoPackage, Shapefile and KML are files, so they are made by GDAL (pyogrio) from a
GeoJSONSeq spooled to a temporary directory, and sent from there. XLSX is written row by row from
the cursor by openpyxl's write-only mode, then sent as a file (a zip is finished before it is sent).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import geopandas
import pyogrio
from openpyxl import Workbook
from starlette.concurrency import run_in_threadpool

from app.exports.repository import batches
from app.hazards.schemas import HazardFilter, HazardProperties
from app.spreadsheets import csv_value, xlsx_row


class Format(StrEnum):
    geojson = "geojson"
    geojsonseq = "geojsonseq"
    csv = "csv"
    gpkg = "gpkg"
    shp = "shp"
    kml = "kml"
    xlsx = "xlsx"


@dataclass(frozen=True)
class Kind:
    media_type: str
    suffix: str


KINDS = {
    Format.geojson: Kind("application/geo+json", "geojson"),
    Format.geojsonseq: Kind("application/geo+json-seq", "geojsons"),
    Format.csv: Kind("text/csv; charset=utf-8", "csv"),
    Format.gpkg: Kind("application/geopackage+sqlite3", "gpkg"),
    Format.shp: Kind("application/zip", "shp.zip"),
    Format.kml: Kind("application/vnd.google-earth.kml+xml", "kml"),
    Format.xlsx: Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
STREAMED = frozenset({Format.geojson, Format.geojsonseq, Format.csv})
RS = "\x1e"  # RFC 8142: each GeoJSON text of a sequence begins with RS and ends with LF
# `duplicates` (the reports merged into a hazard) is answered for one hazard only, never in a list.
CSV_COLUMNS = [
    *(name for name in HazardProperties.model_fields if name != "duplicates"),
    "longitude",
    "latitude",
    "wkt",
]
# The spreadsheet's headers: the ledger's words (app/ledger uses the same for its own columns).
XLSX_HEADERS = {
    "id": "编号",
    "uid": "唯一标识",
    "ledger_no": "隐患编号",
    "kind": "类型",
    "category": "隐患类别代码",
    "category_name": "隐患类别",
    "visibility": "显性/隐性",
    "grade": "等级",
    "source": "来源",
    "description": "隐患描述",
    "address": "路段位置",
    "status": "状态",
    "county": "县(市、区)代码",
    "county_name": "所属县(市、区)",
    "township": "乡镇(街道)代码",
    "township_name": "乡镇(街道)",
    "zone": "开发区代码",
    "zone_name": "开发区",
    "village": "行政村代码",
    "village_name": "行政村",
    "road_code": "道路编号",
    "road_name": "道路名称",
    "road_group": "道路图层",
    "chainage_m": "桩号(米)",
    "end_chainage_m": "终点桩号(米)",
    "chainage": "桩号",
    "direction": "方向",
    "reported_at": "发现时间",
    "deadline": "整改时限",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "duplicate_of": "重复于(编号)",
    "version": "版本",
    "demo": "演示数据",
    "longitude": "经度",
    "latitude": "纬度",
    "wkt": "几何(WKT)",
}


async def geojson(kind: str, f: HazardFilter) -> AsyncIterator[bytes]:
    # RFC 7946: no crs member (WGS84 lon/lat is implied); PostGIS wrote ≤ 7 decimals.
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for rows in batches(kind, f):
        text = ",".join(row.feature for row in rows)
        yield (text if first else "," + text).encode()
        first = False
    yield b"]}\n"


async def geojsonseq(kind: str, f: HazardFilter) -> AsyncIterator[bytes]:
    async for rows in batches(kind, f):
        yield "".join(f"{RS}{row.feature}\n" for row in rows).encode()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else csv_value(value)


async def csv_rows(kind: str, f: HazardFilter) -> AsyncIterator[bytes]:
    # A BOM, so that Excel (the agencies' usual reader) takes the Chinese text for UTF-8.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for rows in batches(kind, f):
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            props = json.loads(row.properties)
            props.update(longitude=row.longitude, latitude=row.latitude, wkt=row.wkt)
            writer.writerow([_cell(props.get(name)) for name in CSV_COLUMNS])
        yield buffer.getvalue().encode()


def _xlsx_cell(value: object) -> object:
    # Numbers stay numbers; times stay the RFC 3339 text PostGIS wrote (Excel has no time zones).
    return float(value) if isinstance(value, Decimal) else value


async def to_xlsx(kind: str, f: HazardFilter, path: Path) -> None:
    """The rows from the server-side cursor into a write-only workbook: openpyxl keeps no more than
    the row at hand; the file is a zip, so it is finished on disk and sent from there."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患" if kind == "point" else "路段")
    ws.freeze_panes = "D2"  # the headers and the ledger number stay in view
    ws.append(xlsx_row(ws, [XLSX_HEADERS[name] for name in CSV_COLUMNS]))
    async for rows in batches(kind, f):
        for row in rows:
            props = json.loads(row.properties)
            props.update(longitude=row.longitude, latitude=row.latitude, wkt=row.wkt)
            ws.append(xlsx_row(ws, [_xlsx_cell(props.get(name)) for name in CSV_COLUMNS]))
    await run_in_threadpool(wb.save, path)


STREAMS = {Format.geojson: geojson, Format.geojsonseq: geojsonseq, Format.csv: csv_rows}


async def to_file(fmt: Format, kind: str, f: HazardFilter, name: str) -> tuple[Path, Path]:
    """(the file to send, the temporary directory to remove after sending it)."""
    tmp = Path(tempfile.mkdtemp(prefix="hazardmap-export-"))
    try:
        if fmt is Format.xlsx:
            path = tmp / f"{name}.xlsx"
            await to_xlsx(kind, f, path)
            return path, tmp
        spool = tmp / "features.geojsons"
        with spool.open("wb") as out:
            async for chunk in geojsonseq(kind, f):
                out.write(chunk)
        path = await run_in_threadpool(_convert, fmt, spool, tmp, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path, tmp


def _convert(fmt: Format, spool: Path, tmp: Path, name: str) -> Path:
    frame = (
        pyogrio.read_dataframe(spool)
        if spool.stat().st_size
        else geopandas.GeoDataFrame({"id": []}, geometry=[], crs="OGC:CRS84")
    )
    if fmt is Format.gpkg:
        path = tmp / f"{name}.gpkg"
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
        return path
    if fmt is Format.kml:
        path = tmp / f"{name}.kml"
        # The ledger number names each placemark, as Google Earth and the like show it.
        pyogrio.write_dataframe(
            frame, path, layer=name, driver="KML", dataset_options={"NameField": "ledger_no"}
        )
        return path
    folder = tmp / "shp"
    folder.mkdir()
    # ENCODING writes the .cpg, so that GIS software reads the Chinese text as UTF-8.
    pyogrio.write_dataframe(
        frame, folder / f"{name}.shp", driver="ESRI Shapefile", layer_options={"ENCODING": "UTF-8"}
    )
    path = tmp / f"{name}.shp.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(folder.iterdir()):
            z.write(part, part.name)
    return path
