"""/api/v1/export: the ledger as a file for other agencies' GIS, with the list's filters."""

from __future__ import annotations

import shutil
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from app.clock import BEIJING
from app.deps import ReadSession
from app.exports import formats
from app.exports.formats import Format
from app.hazards import service
from app.hazards.params import Filters
from app.openapi import media, problems
from app.vocab import HazardKind

router = APIRouter(tags=["export (导出)"])


class Collection(StrEnum):
    hazards = "hazards"
    segments = "segments"


KIND = {Collection.hazards: HazardKind.point, Collection.segments: HazardKind.segment}


@router.get(
    "/export",
    summary="Export hazards or segments",
    response_class=Response,
    responses={
        **media(*sorted({k.media_type.split(";")[0] for k in formats.KINDS.values()})),
        **problems(422),
    },
)
async def export(
    session: ReadSession,
    filters: Filters,
    format_: Annotated[
        Format,
        Query(
            alias="format",
            description="geojson (RFC 7946), geojsonseq (RFC 8142), csv (UTF-8 with BOM; WKT and "
            "longitude/latitude), gpkg, shp (a zip with .prj and .cpg, UTF-8), kml, xlsx (Chinese "
            "headers; 经度/纬度 for points, WKT for segments).",
        ),
    ] = Format.geojson,
    collection: Annotated[
        Collection, Query(description="hazards (points, 隐患点) or segments (路段).")
    ] = Collection.hazards,
) -> Response:
    """Every feature matching the filters of the list endpoint, in id order.

    GeoJSON, GeoJSONSeq and CSV are streamed from the database as they are read; the other
    formats are written by GDAL to a temporary file first.
    """
    await service.check_codes(session, filters)
    kind = KIND[collection].value
    spec = formats.KINDS[format_]
    name = f"{collection.value}-{datetime.now(BEIJING):%Y%m%d-%H%M%S}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{spec.suffix}"'}
    if format_ in formats.STREAMED:
        stream = formats.STREAMS[format_](kind, filters)
        return StreamingResponse(stream, media_type=spec.media_type, headers=disposition)
    path, tmp = await formats.to_file(format_, kind, filters, collection.value)
    return FileResponse(
        path,
        media_type=spec.media_type,
        headers=disposition,
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )
