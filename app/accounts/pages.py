"""/login and /logout: the browser's session cookie (HttpOnly, SameSite=Lax, Secure configurable).

A page rendered for a logged-in user carries the session's CSRF token in its config; the scripts send
it in ``X-CSRF-Token`` on every write, the forms in a ``csrf_token`` field. The login form itself is
protected by a double-submit token (a cookie and a field), since there is no session yet.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.permissions import Principal
from app.deps import Session
from app.errors import Unauthorized
from app.maps import i18n
from app.settings import get_settings

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "hm_login_csrf"
LANDING = "/"  # the workbench: what the role may open


def safe_next(value: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) and "\n" not in value:
        return value
    return LANDING


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/login?{urlencode({'next': target})}", status_code=303)


async def page_principal(request: Request, session: Session) -> Principal | None:
    """The principal of a page request, or None (the page then redirects to /login)."""
    try:
        return await service.authenticate(session, request)
    except Unauthorized:
        return None


async def page_context(session: Session, principal: Principal) -> dict[str, object]:
    """What every page adds for a logged-in user: the account for the bar, the CSRF token for the scripts."""
    csrf = await service.csrf_token(session, principal.session_id) if principal.session_id else None
    return {"account": principal, "csrf_token": csrf}


def _lang_query(lang: str, chosen: bool) -> str:
    return f"?lang={lang}" if chosen else ""


def _render(request: Request, template: str, status: int = 200, **context: object) -> Response:
    from app.maps.router import render

    lang, chosen = i18n.pick_lang(request)
    root = request.scope.get("root_path", "")
    return render(
        request,
        template,
        lang,
        chosen,
        {"config": {"page": "account"}, "root": root, "lang_query": _lang_query(lang, chosen), **context},
        status,
    )


def _set_cookie(response: Response, name: str, value: str, max_age: int, path: str = "/") -> None:
    s = get_settings()
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax", secure=s.cookie_secure
    )


def _login_form(request: Request, status: int = 200, message: str = "", login: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = _render(
        request,
        "login.html",
        status,
        csrf_token=token,
        next=safe_next(request.query_params.get("next")),
        message=message,
        login=login,
    )
    _set_cookie(response, LOGIN_CSRF_COOKIE, token, 3600, path="/login")
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
        issued = await service.login(session, login, password)
    except Unauthorized:
        return _login_form(request, 401, t["login_failed"], login)
    response = RedirectResponse(safe_next(next), status_code=303)
    settings = get_settings()
    _set_cookie(response, settings.cookie_name, issued.token, int(settings.token_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/logout")
async def logout_page(request: Request, session: Session) -> Response:
    principal = await page_principal(request, session)
    if principal is None or principal.session_id is None:
        return login_redirect(request)
    return _render(
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
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/login{_lang_query(lang, chosen)}", 303)
    response.delete_cookie(get_settings().cookie_name, path="/")
    return response
