"""GET /api/v1/posters/{jurisdiction}.pdf|.png: the wall map (挂图) for printing; /maps/{jurisdiction}.html:
the map file to hand over."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response

from app.accounts.dependencies import current_principal
from app.accounts.permissions import Principal
from app.deps import Session
from app.hazards.params import Filters
from app.openapi import problems, rule
from app.paths import API_PREFIX
from app.posters import jobs, mapfile, service
from app.workjobs.schemas import WorkJobOut
from app.workjobs.service import TOO_MANY_RESPONSE

router = APIRouter(tags=["posters (挂图)"])

Jurisdiction = Annotated[
    str,
    Path(
        max_length=16,
        description="The city's or a county's (or zone's) code, e.g. 371502",
        examples=["371502"],
    ),
]
Size = Annotated[Literal["A0", "A1", "A2", "A3", "A4"], Query(description="ISO 216 paper size")]
Orientation = Annotated[
    Literal["landscape", "portrait"], Query(description="landscape (default) or portrait")
]


def _headers(code: str, ext: str, size: str) -> dict[str, str]:
    name = f"隐患分布图-{code}-{size}.{ext}"
    return {
        "Content-Disposition": f'inline; filename="poster-{code}-{size}.{ext}"; '
        + f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    }


@router.get(
    "/posters/{jurisdiction}.pdf",
    summary="The wall map (挂图) of the city or a county as a vector PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def poster_pdf(
    session: Session,
    jurisdiction: Jurisdiction,
    filters: Filters,
    size: Size = "A1",
    orientation: Orientation = "landscape",
) -> Response:
    """The outline and townships, the four road layers, the hazards and segments with numbers keyed to
    a table beside the map (more pages when the table is long), a legend, a scale bar, a north arrow,
    the counts and the time it was made. The list's filters apply; without a status filter it shows
    the open and the closed (not the rejected, not the duplicates). Fonts are embedded."""
    body = await service.pdf(session, jurisdiction, filters, size, orientation)
    return Response(body, media_type="application/pdf", headers=_headers(jurisdiction, "pdf", size))


@router.get(
    "/posters/{jurisdiction}.png",
    summary="The wall map's first page as a PNG",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def poster_png(
    session: Session,
    jurisdiction: Jurisdiction,
    filters: Filters,
    size: Size = "A1",
    orientation: Orientation = "landscape",
    dpi: Annotated[
        int,
        Query(
            ge=service.DPI_MIN,
            le=service.DPI_MAX,
            description="dots per inch (36–600; at most 80 million pixels)",
            json_schema_extra=rule("At most 80 million pixels at the chosen size and orientation."),
        ),
    ] = 150,
) -> Response:
    body = await service.png(session, jurisdiction, filters, size, orientation, dpi)
    return Response(body, media_type="image/png", headers=_headers(jurisdiction, "png", size))


Dpi = Annotated[
    int,
    Query(
        ge=service.DPI_MIN,
        le=service.DPI_MAX,
        description="dots per inch (36–600; at most 80 million pixels)",
        json_schema_extra=rule("At most 80 million pixels at the chosen size and orientation."),
    ),
]


@router.post(
    "/posters/{jurisdiction}/jobs",
    status_code=202,
    summary="Draw the wall map (挂图) in a background job; 202 with the job's Location",
    responses={**problems(404, 422), **TOO_MANY_RESPONSE},
)
async def poster_job(
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    response: Response,
    jurisdiction: Jurisdiction,
    filters: Filters,
    format: Annotated[Literal["pdf", "png"], Query(description="pdf (default) or png")] = "pdf",
    size: Size = "A1",
    orientation: Orientation = "landscape",
    dpi: Dpi = 150,
) -> WorkJobOut:
    """The same map as `GET /posters/{jurisdiction}.pdf|.png`, drawn by a job worker: poll the job
    (`Location`, `/api/v1/jobs/{id}`) until it has succeeded, then fetch `links.result`. What the
    synchronous endpoints refuse is refused here at once (404, 422). `dpi` applies to a PNG only."""
    job = await jobs.submit(
        session, principal, jurisdiction, filters, fmt=format, size=size, orientation=orientation, dpi=dpi
    )
    response.headers["Location"] = f"{API_PREFIX}/jobs/{job.id}"
    return WorkJobOut.of(job, f"{API_PREFIX}/jobs")


@router.get(
    "/maps/{jurisdiction}.html",
    summary="The map as one self-contained HTML file (folium, Leaflet inlined) to hand over",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
async def map_file(session: Session, jurisdiction: Jurisdiction, filters: Filters) -> Response:
    """Outline, road layers, open and closed hazards with popups, legend and counts, in one file that
    opens from disk with no server and no network (nothing is fetched: Leaflet and the data are in it).
    The list's filters apply."""
    body = await mapfile.map_file(session, jurisdiction, filters)
    name = f"隐患分布图-{jurisdiction}.html"
    headers = {
        "Content-Disposition": f'attachment; filename="map-{jurisdiction}.html"; '
        + f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    }
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
