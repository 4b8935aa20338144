"""Writing an export. GeoJSON, GeoJSONSeq and CSV are streamed from the database cursor as they
are read; GeoPackage, Shapefile and KML are files, so they are made by GDAL (pyogrio) from a
GeoJSONSeq spooled to a temporary directory, and sent from there.
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
from enum import StrEnum
from pathlib import Path

import geopandas
import pyogrio
from starlette.concurrency import run_in_threadpool

from app.exports.repository import batches
from app.hazards.schemas import HazardFilter, HazardProperties


class Format(StrEnum):
    geojson = "geojson"
    geojsonseq = "geojsonseq"
    csv = "csv"
    gpkg = "gpkg"
    shp = "shp"
    kml = "kml"


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
}
STREAMED = frozenset({Format.geojson, Format.geojsonseq, Format.csv})
RS = "\x1e"  # RFC 8142: each GeoJSON text of a sequence begins with RS and ends with LF
CSV_COLUMNS = [*HazardProperties.model_fields, "longitude", "latitude", "wkt"]


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
    return "" if value is None else value


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


STREAMS = {Format.geojson: geojson, Format.geojsonseq: geojsonseq, Format.csv: csv_rows}


async def to_file(fmt: Format, kind: str, f: HazardFilter, name: str) -> tuple[Path, Path]:
    """(the file to send, the temporary directory to remove after sending it)."""
    tmp = Path(tempfile.mkdtemp(prefix="hazardmap-export-"))
    try:
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
