"""/login and /logout: the browser's session cookie (HttpOnly, SameSite=Lax, Secure configurable); and
the static files every page loads.

The login form is protected by a double-submit token (a cookie and a field), since there is no
session yet.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.accounts import service, throttle
from app.accounts.permissions import Permission
from app.deps import Session
from app.errors import TooManyRequests, Unauthorized
from app.settings import get_settings
from app.web import i18n
from app.web.access import (
    LANDING,
    account_page,
    forbidden_page,
    lang_query,
    page_access,
    safe_next,
    set_cookie,
)
from app.web.settings import get_map_settings

log = logging.getLogger("hazardmap")

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "hm_login_csrf"

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# URL under /static/vendor → folder inside node_modules (package.json pins the versions).
VENDOR = {
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
    "noto-sans-sc": "@fontsource-variable/noto-sans-sc",
    "swagger-ui": "swagger-ui-dist",  # /docs
    "redoc": "redoc/bundles",  # /redoc
    "gcoord": "gcoord/dist",  # WGS84 ↔ GCJ-02 for the AMap/Tencent-style base maps
    "protomaps-leaflet": "protomaps-leaflet/dist",  # offline vector (MVT) base maps
}


def _login_form(request: Request, status: int = 200, message: str = "", login: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = account_page(
        request,
        "login.html",
        status,
        csrf_token=token,
        next=safe_next(request.query_params.get("next")),
        message=message,
        login=login,
    )
    set_cookie(response, LOGIN_CSRF_COOKIE, token, 3600, path="/login")
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login")
async def login_submit(
    request: Request,
    session: Session,
    login: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = LANDING,
) -> Response:
    t = i18n.strings(i18n.pick_lang(request)[0])
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_form(request, 403, t["login_expired"], login)
    try:
        issued = await throttle.login(session, request, login, password)
    except Unauthorized:
        return _login_form(request, 401, t["login_failed"], login)
    except TooManyRequests as exc:
        seconds = exc.headers["Retry-After"]
        response = _login_form(request, 429, t["login_throttled"].format(n=seconds), login)
        response.headers["Retry-After"] = seconds
        return response
    response = RedirectResponse(safe_next(next), status_code=303)
    settings = get_settings()
    # The server ends the session (idle or at its maximum age); the cookie may live as long as it can.
    set_cookie(response, settings.cookie_name, issued.token, int(settings.session_max_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/logout")
async def logout_page(request: Request, session: Session) -> Response:
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    if principal.session_id is None:  # as POST /api/v1/auth/logout: an administrator revokes a key
        return forbidden_page(request, principal)
    return account_page(
        request,
        "logout.html",
        csrf_token=await service.csrf_token(session, principal.session_id),
        user=f"{principal.display_name}（{principal.login}）",
    )


@router.post("/logout")
async def logout_submit(request: Request, session: Session) -> Response:
    # authenticate() checks the form's csrf_token for a cookie session: no logout from another site.
    principal = await service.authenticate(session, request)
    if principal.session_id is not None:
        await service.revoke_session(session, principal.session_id)
    lang, chosen = i18n.pick_lang(request)
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/login{lang_query(lang, chosen)}", 303)
    response.delete_cookie(get_settings().cookie_name, path="/")
    return response


def mount(app: FastAPI) -> None:
    """/login and /logout, our scripts and styles, and the npm packages' files (vendor first: /static is a
    prefix)."""
    app.include_router(router)
    assets = get_map_settings().assets_dir
    for url, folder in VENDOR.items():
        directory = assets / folder
        if not directory.is_dir():
            log.warning("map assets missing: %s (run `make assets`, i.e. npm ci)", directory)
        app.mount(
            f"/static/vendor/{url}", StaticFiles(directory=directory, check_dir=False), name=f"vendor-{url}"
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
