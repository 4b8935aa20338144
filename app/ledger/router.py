"""GET /api/v1/ledger: the ledger (台账) of a jurisdiction, as JSON or as a CSV/XLSX download."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from app.deps import ReadSession
from app.hazards import service as hazard_service
from app.hazards.params import Filters
from app.ledger import service
from app.openapi import KNOWN_CODES, media, problems

router = APIRouter(tags=["ledger (台账)"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/ledger",
    summary="The hazard ledger of the city, a county or zone, or a township",
    responses={**media("application/json", "text/csv", XLSX, description="The ledger."), **problems(422)},
)
async def get_ledger(
    session: ReadSession,
    only: Filters,
    jurisdiction: Annotated[
        str | None,
        Query(
            max_length=16,
            description="Jurisdiction code; the whole city when absent.",
            json_schema_extra=KNOWN_CODES,
        ),
    ] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")] = "json",
) -> Response:
    """One row per hazard, with the columns of a Chinese ledger (序号, 隐患编号, … 是否挂牌督办).
    CSV is UTF-8 with a BOM, so that Excel and WPS open it without asking for the encoding.
    The rows are those the hazard list's filters select (points and segments together)."""
    await hazard_service.check_codes(session, only)
    ledger = await service.ledger(session, jurisdiction, only)
    if format == "json":
        return Response(ledger.as_json(), media_type="application/json")
    filename = f"隐患台账-{ledger.name}-{ledger.code}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="ledger-{ledger.code}.{format}"; '
        f"filename*=UTF-8''{quote(filename)}"
    }
    if format == "csv":
        return Response(ledger.as_csv(), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(ledger.as_xlsx(), media_type=XLSX, headers=headers)
