"""/api/v1/roads/mileposts: the known mileposts that calibrate the routes' 桩号 (list; upload a CSV)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.coords import Crs
from app.deps import Session
from app.errors import invalid
from app.openapi import problems, rules
from app.roads import mileposts, repository
from app.roads.chainage import format_chainage
from app.roads.linear import normalise_code

router = APIRouter(prefix="/roads", tags=["roads (道路)"])
Manager = Annotated[Principal, Depends(require(Permission.roads_manage))]
MAX_BYTES = 5_000_000
CHUNK = 64 * 1024
FILE_DOC = "CSV: road code, 桩号, lon, lat (道路编号, 桩号, 经度, 纬度)"


@router.get("/mileposts", summary="The current mileposts (桩号 calibration points)", responses=problems(422))
async def list_mileposts(
    session: Session,
    road: Annotated[str | None, Query(description="Route code, e.g. G309", max_length=16)] = None,
) -> dict[str, Any]:
    """Each route's mileposts in the order of the file they came from (a chain break is two at one place)."""
    code = normalise_code(road) if road is not None else None
    rows = await repository.current_mileposts(session, code)
    return {
        "mileposts": [
            {
                "id": r.id,
                "road_code": r.road_code,
                "chainage_m": r.chainage_m,
                "chainage": format_chainage(r.chainage_m),
                "label": r.label,
                "seq": r.seq,
                "lon": r.lon,
                "lat": r.lat,
                "source": r.source,
                "loaded_at": r.loaded_at.isoformat(),
            }
            for r in rows
        ]
    }


async def _read(upload: UploadFile) -> bytes:
    data = bytearray()
    while chunk := await upload.read(CHUNK):
        data += chunk
        if len(data) > MAX_BYTES:
            raise invalid("file", f"the file must be at most {MAX_BYTES} bytes")
    return bytes(data)


@router.post(
    "/mileposts",
    summary="Load mileposts from a CSV and recalibrate their routes",
    responses=problems(403, 422),
    openapi_extra=rules(
        file="A CSV of at most 5 MB with the columns road code, 桩号, lon, lat (Chinese or English headers) "
        "and at least one readable row."
    ),
)
async def upload_mileposts(
    session: Session,
    principal: Manager,
    file: Annotated[
        UploadFile, File(description="CSV: road code, 桩号, lon, lat (道路编号, 桩号, 经度, 纬度)")
    ],
    crs: Annotated[Crs, Form(description="coordinate system of lon/lat")] = Crs.wgs84,
) -> dict[str, Any]:
    """Each code in the file gets these mileposts instead of its earlier ones (kept, marked
    replaced); its routes are measured again. Rows that cannot be read, points far from the
    road and 桩号 out of order are reported, not stored."""
    parsed = mileposts.read_mileposts(await _read(file), crs)
    if not parsed.by_code:
        raise invalid("file", "no milepost could be read: " + "; ".join(r.reason for r in parsed.refused[:5]))
    report = await mileposts.load_mileposts(session, parsed, f"upload:{file.filename or 'mileposts.csv'}")
    return {
        "summary": report.summary,
        "routes": [
            {
                "road_code": r.code,
                "pieces": r.pieces,
                "calibrated": r.calibrated,
                "mileposts": r.posts,
                "chain_breaks": r.breaks,
                "posted_span_m": round(r.posted_span_m, 1),
                "length_m": round(r.length_m, 1),
                "refused": r.refused,
            }
            for r in report.routes
        ],
        "refused_rows": [{"row": r.row, "reason": r.reason} for r in report.refused_rows],
    }
