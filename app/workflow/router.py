"""POST /api/v1/{hazards,segments}/{id}/transitions and GET /api/v1/supervision/suggestions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from app.accounts.dependencies import CurrentPrincipal, require
from app.accounts.permissions import Permission
from app.deps import Session
from app.geojson import feature_response
from app.hazards.lifecycle import TABLE
from app.hazards.params import HazardId, IfMatch
from app.http import JSON_TYPES, read_json_body
from app.openapi import problems, request_body
from app.paths import collection_of
from app.vocab import HazardKind
from app.workflow import repository, service
from app.workflow.schemas import MODELS, TransitionIn

_TABLE_DOC = "\n".join(
    f"- {state} + `{action}` → {m.to}" + (f" (needs {', '.join(m.required)})" if m.required else "")
    for (state, action), m in TABLE.items()
)
_EXAMPLE = {"action": "claim", "name": "张三", "post": "副县长", "unit": "东昌府区人民政府"}


# Which members each action needs, and from which status it may be taken: the workflow table.
_RULES = {
    name: "Required or refused according to the action and the hazard's status (the workflow table)."
    for model in MODELS.values()
    for name in model.model_fields
}


def make_router(kind: HazardKind) -> APIRouter:
    name = collection_of(kind)
    router = APIRouter(prefix=f"/{name}", tags=[f"{name} ({kind.zh})"])

    @router.post(
        "/{id}/transitions",
        summary=f"Move a {kind.en} through the ledger workflow",
        description="One action and its fields; requires `If-Match`. A move the workflow does not "
        "allow from the current state is 409, missing fields 422; a refused request changes nothing.\n\n"
        + _TABLE_DOC,
        responses=problems(400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 428),
        openapi_extra=request_body(TransitionIn, JSON_TYPES, _EXAMPLE, _RULES),
    )
    async def transition(
        request: Request,
        session: Session,
        principal: CurrentPrincipal,
        hazard_id: HazardId,
        if_match: IfMatch = None,
    ) -> Response:
        """Permission: by action — claim, start, rectify, reject, duplicate: a county officer in the
        hazard's county; close, reopen: a verifier in the county (not the rectifier); list, delist: the
        commander; an admin anything."""
        body = await read_json_body(request, JSON_TYPES)
        written = await service.transition(session, kind, hazard_id, body, if_match, principal)
        return feature_response(written.feature, written.etag)

    return router


router = make_router(HazardKind.point)
segments_router = make_router(HazardKind.segment)

supervision_router = APIRouter(prefix="/supervision", tags=["supervision (挂牌督办)"])


@supervision_router.get(
    "/suggestions",
    summary="Open hazards to consider for 挂牌督办",
    dependencies=[Depends(require(Permission.read_internal))],
)
async def suggestions(session: Session) -> Response:
    """Open hazards, not listed, that are overdue or graded 重大 (major); most overdue first."""
    return Response(await repository.suggestions(session), media_type="application/json")
