"""/api/v1/categories: the hazard categories (隐患类别) a new hazard may be filed under, and their
administration (create, change, retire; never delete)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.categories import repository, service
from app.categories.schemas import CODE_PATTERN, CategoryIn, CategoryOut, CategoryPatch
from app.deps import Session
from app.openapi import problems, rules
from app.paths import API_PREFIX

router = APIRouter(prefix="/categories", tags=["categories (隐患类别)"])

Admin = Annotated[Principal, Depends(require(Permission.categories_manage))]
Code = Annotated[str, Path(pattern=CODE_PATTERN, description="Category code, e.g. XL01")]


@router.get("", response_model=list[CategoryOut], summary="The hazard categories")
async def list_categories(session: Session) -> Response:
    """Every category, by code, with its group and its usual visibility (显性/隐性)."""
    return Response(await repository.list_json(session), media_type="application/json")


_GROUP_RULES = rules(
    code="Begins with its group; not taken already (409).",
    body="At least one member to change.",
    group_zh="The group's existing name, when the group exists.",
    group_en="The group's existing name, when the group exists.",
)


@router.post(
    "",
    response_model=CategoryOut,
    status_code=201,
    summary="Add a category",
    responses=problems(409),
    openapi_extra=_GROUP_RULES,
)
async def create_category(session: Session, principal: Admin, body: CategoryIn) -> Response:
    """A new category, active at once; recorded in the category history.

    Permission: administrator only.
    """
    created = await service.create(session, body, principal.actor)
    return Response(
        created,
        status_code=201,
        media_type="application/json",
        headers={"Location": f"{API_PREFIX}/categories/{body.code}"},
    )


@router.patch(
    "/{code}", response_model=CategoryOut, summary="Change or retire a category", openapi_extra=_GROUP_RULES
)
async def patch_category(session: Session, principal: Admin, code: Code, body: CategoryPatch) -> Response:
    """Names, group, usual visibility, or ``active: false`` to retire it: a retired category is
    refused for new hazards, and the hazards filed under it keep it. Recorded in the history.

    Permission: administrator only.
    """
    return Response(await service.update(session, code, body, principal.actor), media_type="application/json")


@router.get(
    "/{code}/history",
    summary="A category's history",
    responses=problems(401, 403, 404, 422),
    # It names the administrators who made the changes: personal data, like a hazard's history.
    dependencies=[Depends(require(Permission.read_internal))],
)
async def category_history(session: Session, code: Code) -> Response:
    """Every creation and change of the category, oldest first, with who made it.

    Permission: anyone who may read the ledger (not an agency key).
    """
    return Response(await service.history_json(session, code), media_type="application/json")
