"""/api/v1/crashes and /api/v1/detections: crash records, and the accident-prone candidates."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository as places
from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal, check_county
from app.clock import BEIJING
from app.crashes import detection, jobs
from app.crashes import repository as repo
from app.crashes.vocab import CandidateKind, CandidateStatus
from app.deps import BBox, Page, Session
from app.errors import invalid
from app.geojson import GEOJSON, GeoJSONResponse, codes, collection, enum_values, paging_links
from app.http import Instant
from app.openapi import listing, problems, rule, rules
from app.paths import API_PREFIX, hazard_link
from app.settings import get_settings
from app.vocab import Grade
from app.workjobs.schemas import WorkJobOut
from app.workjobs.service import TOO_MANY_RESPONSE

router = APIRouter(tags=["crashes (事故) and accident-prone candidates (事故易发多发点段)"])

# Text that PostgreSQL can hold: no NUL character.
NoNul = Annotated[str, StringConstraints(pattern="^[^\\x00]*$")]
Csv = "One or several: repeat the parameter or separate values with commas."
CandidateId = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1)]
# Where the accepted hazard lives in the ledger API, by kind.
# Accept and dismiss: a county officer for candidates in their counties, or an admin.
Decider = Annotated[Principal, Depends(require(Permission.candidate_decide))]


def _beijing(t: datetime | None) -> datetime | None:
    # A time without a zone is Beijing time, as in the crash records.
    return t.replace(tzinfo=BEIJING) if t is not None and t.tzinfo is None else t


@router.get("/crashes", summary="List crash records (事故)", response_class=GeoJSONResponse)
async def list_crashes(
    request: Request,
    session: Session,
    bbox: BBox,
    page: Page,
    road: Annotated[list[NoNul] | None, Query(description=f"Route code, e.g. G309. {Csv}")] = None,
    since: Annotated[Instant | None, Query(description="From this time (Beijing time if no zone)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time (Beijing time if no zone)")] = None,
) -> Response:
    """A GeoJSON FeatureCollection of crashes, newest first, with road and chainage where snapped."""
    result = await repo.list_crashes(
        session,
        bbox=bbox,
        roads=[c.upper() for c in codes(road, "road") or []] or None,
        since=_beijing(since),
        until=_beijing(until),
        limit=page.limit,
        offset=page.offset,
    )
    links = paging_links(request, page, result.matched, result.returned)
    body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
    return Response(body, media_type=GEOJSON)


# A density map is for the eye: more cells than this in one answer draw no clearer picture.
MAX_DENSITY_CELLS = 20_000
M_PER_DEGREE = 111_320.0


@router.get(
    "/crashes/density",
    summary="Crashes counted per grid cell (事故密度)",
    responses=problems(422),
    response_class=GeoJSONResponse,
)
async def crash_density(
    session: Session,
    bbox: BBox,
    cell: Annotated[
        float,
        Query(
            ge=50,
            le=50_000,
            description="The side of a square cell in metres (default 1000).",
            json_schema_extra=rule(f"At most {MAX_DENSITY_CELLS} cells over the bbox."),
        ),
    ] = 1000,
    since: Annotated[Instant | None, Query(description="From this time (Beijing time if no zone)")] = None,
    until: Annotated[Instant | None, Query(description="Before this time (Beijing time if no zone)")] = None,
) -> Response:
    """A FeatureCollection of square cells holding crashes, each with its crashes, fatal crashes,
    deaths and injuries; `max_crashes` for grading the colours. PostGIS counts the cells.

    Permission: anyone who may read the crash records.
    """
    if bbox is not None:
        x1, y1, x2, y2 = bbox
        width = (x2 - x1) * M_PER_DEGREE * math.cos(math.radians((y1 + y2) / 2))
        height = (y2 - y1) * M_PER_DEGREE
        if width * height / cell**2 > MAX_DENSITY_CELLS:
            raise invalid(
                "cell",
                f"{cell:g} m is too small for this bbox (more than {MAX_DENSITY_CELLS} cells); "
                "give a larger cell or a smaller bbox",
            )
    result = await repo.density(
        session,
        bbox=bbox,
        cell_m=cell,
        srid=get_settings().metric_srid,
        since=_beijing(since),
        until=_beijing(until),
    )
    body = (
        f'{{"type":"FeatureCollection","cell_m":{cell:g},"cells":{result.cells},'
        f'"crashes":{result.crashes},"max_crashes":{result.max_crashes},"features":{result.features}}}'
    )
    return Response(body, media_type=GEOJSON)


class DetectionRequest(BaseModel):
    """Every field is optional: what is left out comes from the settings (HAZARDMAP_DETECT_*)."""

    model_config = ConfigDict(extra="forbid")

    since: Instant | None = Field(None, description="Crashes from (default: `years` before `until`)")
    until: Instant | None = Field(None, description="Crashes before (default: now)")
    years: int | None = Field(None, ge=1, le=20, description="Length of the time window (default 3)")
    window_m: float | None = Field(None, description="Segment window length (default 500 m)")
    window_m_by_class: dict[str, float] | None = Field(None, examples=[{"expressway": 1000}])
    point_radius_m: float | None = Field(None, description="Radius of a point (default 150 m)")
    max_segment_m: float | None = Field(None, description="Longest segment candidate (default 2000 m)")
    min_fatal_crashes: int | None = Field(None, ge=0, description="Crashes with a death (default 3)")
    min_major_crashes: int | None = Field(None, ge=0, description="Crashes with ≥ major_deaths (default 2)")
    major_deaths: int | None = Field(None, ge=1, description="Deaths that make a crash major (default 3)")
    min_ordinary_crashes: int | None = Field(None, ge=0, description="一般程序 crashes (default 5)")
    min_crashes: int | None = Field(None, ge=0, description="Crashes of any kind (default 0: off)")


def _options(body: DetectionRequest | None) -> dict[str, Any]:
    options = (body or DetectionRequest()).model_dump()
    options["since"] = _beijing(options["since"])
    options["until"] = _beijing(options["until"])
    return options


# What a detection request must satisfy beyond its schema, stated once for the run and its job.
DETECTION_RULES = rules(
    since="Before until.",
    until="After since.",
    thresholds="At least one minimum above 0 (else nothing could be flagged).",
    window_m="Between 1 m and 100 km.",
    window_m_by_class="Keys are road classes; each window between 1 m and 100 km.",
    point_radius_m="Between 0.5 m and 5 km.",
    max_segment_m="At least the longest window, at most 100 km.",
)


@router.post(
    "/detections",
    summary="Run the accident-prone identification",
    dependencies=[Depends(require(Permission.detection_run))],
    openapi_extra=DETECTION_RULES,
)
async def run_detection(session: Session, body: DetectionRequest | None = None) -> dict[str, object]:
    """Find accident-prone points and segments and store them as candidates, synchronously.

    Permission: the commander or an admin (a city-wide run replaces every pending candidate).

    The pending candidates of an earlier run are replaced; accepted and dismissed ones stay,
    and a finding overlapping them on the same route is not proposed again. Crashes of the time
    window placed on no road cannot be part of a finding: `off_network` lists them
    (`off_network_count` counts them).
    """
    params = detection.detection_params(**_options(body))
    summary = await detection.run_detection(session, params)
    return summary.as_dict() | {"params": params.as_json()}


@router.post(
    "/detections/jobs",
    status_code=202,
    summary="Run the accident-prone identification in a background job; 202 with the job's Location",
    responses={**problems(422), **TOO_MANY_RESPONSE},
    openapi_extra=DETECTION_RULES,
)
async def detection_job(
    session: Session,
    principal: Annotated[Principal, Depends(require(Permission.detection_run))],
    response: Response,
    body: DetectionRequest | None = None,
) -> WorkJobOut:
    """As `POST /detections`, run by a job worker (one run at a time): poll the job (`Location`,
    `/api/v1/jobs/{id}`) until it has succeeded; its `summary` is what `POST /detections` answers.
    The parameters are checked at once (422); a default `until` is the time of this request.

    Permission: the commander or an admin.
    """
    params = detection.detection_params(**_options(body))
    job = await jobs.submit(session, principal, params)
    response.headers["Location"] = f"{API_PREFIX}/jobs/{job.id}"
    return WorkJobOut.of(job, f"{API_PREFIX}/jobs")


@router.get(
    "/detections/candidates", summary="List the accident-prone candidates", response_class=GeoJSONResponse
)
async def list_candidates(
    request: Request,
    session: Session,
    bbox: BBox,
    page: Page,
    status: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(CandidateStatus.codes()),
            description=f"{', '.join(CandidateStatus.codes())}. {Csv}",
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        Query(json_schema_extra=listing(CandidateKind.codes()), description=f"point, segment. {Csv}"),
    ] = None,
    road: Annotated[list[NoNul] | None, Query(description=f"Route code, e.g. G309. {Csv}")] = None,
) -> Response:
    """A GeoJSON FeatureCollection of candidates with their evidence, most crashes first."""
    result = await repo.list_candidates(
        session,
        bbox=bbox,
        statuses=enum_values("status", status, CandidateStatus),
        kinds=enum_values("kind", kind, CandidateKind),
        roads=[c.upper() for c in codes(road, "road") or []] or None,
        limit=page.limit,
        offset=page.offset,
    )
    links = paging_links(request, page, result.matched, result.returned)
    body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
    return Response(body, media_type=GEOJSON)


class AcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(description="Hazard category code, the closest fit (e.g. XL01 急弯)", max_length=8)
    grade: Grade = Grade.general
    direction: int | None = Field(None, ge=1, le=3, description="1 decreasing, 2 increasing, 3 both")
    description: str | None = Field(
        None, max_length=4000, description="Default: a sentence with the evidence (crashes, deaths, injuries)"
    )


@router.post(
    "/detections/candidates/{id}/accept",
    status_code=201,
    summary="Accept a candidate into the ledger (隐性, source: crash analysis)",
)
async def accept(
    response: Response, session: Session, principal: Decider, candidate_id: CandidateId, body: AcceptRequest
) -> dict[str, object]:
    """Creates the ledger hazard (a point or a segment); the database numbers it and records it.

    Permission: a county officer, for a candidate in their counties, or an admin.
    """
    await _check_candidate_county(session, principal, candidate_id)
    done = await detection.accept_candidate(
        session,
        candidate_id,
        category=body.category,
        actor=principal.actor,
        grade=body.grade.value,
        direction=body.direction,
        description=body.description,
    )
    response.headers["Location"] = hazard_link(done.kind, done.hazard_id)
    return {
        "candidate_id": done.candidate_id,
        "status": CandidateStatus.accepted.value,
        "hazard_id": done.hazard_id,
        "ledger_no": done.ledger_no,
        "kind": done.kind,
    }


async def _check_candidate_county(session: AsyncSession, principal: Principal, candidate_id: int) -> None:
    exists, county = await places.candidate_county(session, candidate_id)
    if exists:  # else the decision answers 404
        check_county(principal, county)


class DismissRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=4000, description="Why (kept with the decision)")


@router.post("/detections/candidates/{id}/dismiss", summary="Dismiss a candidate")
async def dismiss(
    session: Session, principal: Decider, candidate_id: CandidateId, body: DismissRequest | None = None
) -> dict[str, object]:
    """Permission: a county officer, for a candidate in their counties, or an admin."""
    await _check_candidate_county(session, principal, candidate_id)
    await detection.dismiss_candidate(
        session, candidate_id, actor=principal.actor, note=body.note if body else None
    )
    return {"candidate_id": candidate_id, "status": CandidateStatus.dismissed.value}
