"""/api/v1/auth: log in for a bearer token, who am I, log out."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from app.accounts import service, throttle
from app.accounts.dependencies import CurrentPrincipal
from app.accounts.permissions import ROLE_PERMISSIONS
from app.accounts.schemas import Me, TokenIn, TokenOut
from app.deps import Session
from app.errors import Forbidden, invalid
from app.openapi import problems, request_body

router = APIRouter(prefix="/auth", tags=["auth (账号)"])


async def _credentials(request: Request) -> TokenIn:
    kind = request.headers.get("content-type", "")
    try:
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # The OAuth2 password flow's form (username, password), as Swagger UI and most clients send it.
            form = await request.form()
            return TokenIn(login=str(form.get("username", "")), password=str(form.get("password", "")))
        return TokenIn.model_validate_json(await request.body())
    except ValueError as exc:
        raise invalid(
            "body", 'send {"login": …, "password": …} as JSON (or username/password as a form)'
        ) from exc


@router.post(
    "/token",
    summary="Log in: a bearer token with its expiry",
    responses=problems(401, 422, 429),
    openapi_extra=request_body(TokenIn, ("application/json",), {"login": "zhangsan", "password": "…"}),
)
async def token(request: Request, session: Session) -> TokenOut:
    """Permission: anyone (the login and password are the check).

    The token ends `HAZARDMAP_TOKEN_HOURS` after its last use (each use renews it, up to
    `HAZARDMAP_SESSION_MAX_HOURS` after the login); `expires_at` is the end as of now.
    After a few failed logins for a login name or from an address, the next attempt waits:
    429 with `Retry-After` (seconds), growing with each further failure."""
    body = await _credentials(request)
    issued = await throttle.login(session, request, body.login, body.password)
    seconds = int((issued.expires_at - datetime.now(UTC)).total_seconds())
    return TokenOut(access_token=issued.token, expires_at=issued.expires_at, expires_in=seconds)


@router.get("/me", summary="Who am I: role, jurisdictions, permissions", responses=problems(401))
async def me(session: Session, principal: CurrentPrincipal) -> Me:
    """Permission: any authenticated principal."""
    csrf = (
        await service.csrf_token(session, principal.session_id)
        if principal.via_cookie and principal.session_id
        else None
    )
    return Me(
        kind=principal.kind,
        login=principal.login,
        display_name=principal.display_name,
        role=principal.role.value,
        role_zh=principal.role.zh,
        jurisdictions=sorted(principal.jurisdictions),
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[principal.role]),
        csrf_token=csrf,
    )


@router.post(
    "/logout",
    status_code=204,
    summary="Log out: revoke this token or browser session",
    responses=problems(401),
)
async def logout(session: Session, principal: CurrentPrincipal) -> Response:
    """Permission: any logged-in user (an API key is revoked with `hazardmap keys revoke`)."""
    if principal.session_id is None:
        raise Forbidden(
            detail="an API key does not log out; an administrator revokes it (hazardmap keys revoke)"
        )
    await service.revoke_session(session, principal.session_id)
    return Response(status_code=204)
