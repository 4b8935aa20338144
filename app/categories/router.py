"""/api/v1/categories: the hazard categories (隐患类别) a new hazard may be filed under."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.categories import repository
from app.categories.schemas import CategoryOut
from app.deps import Session

router = APIRouter(prefix="/categories", tags=["categories (隐患类别)"])


@router.get("", response_model=list[CategoryOut], summary="The hazard categories")
async def list_categories(session: Session) -> Response:
    """Every category, by code, with its group and its usual visibility (显性/隐性)."""
    return Response(await repository.list_json(session), media_type="application/json")
