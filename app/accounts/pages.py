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

from app.accounts import service, throttle
from app.accounts.permissions import DISPLAY_COOKIE, Permission, Principal, Role
from app.deps import Session
from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.maps import i18n
from app.settings import get_settings

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "hm_login_csrf"
# The longest a browser keeps a cookie (Chromium caps it at 400 days); set again at every load of the wall.
DISPLAY_COOKIE_MAX_AGE = 400 * 24 * 3600

# After signing in: the workbench, what the role may open.
LANDING = "/"


def safe_next(value: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) and "\n" not in value:
        return value
    return LANDING


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/login?{urlencode({'next': target})}", status_code=303)


async def page_access(request: Request, session: Session, permission: Permission) -> Principal | Response:
    """The principal of a page that shows data of ``permission``, checked exactly as the API checks it:
    without credentials the way to /login (the API's 401), without the permission a 403 page."""
    try:
        principal = await service.authenticate(session, request)
    except Unauthorized:
        return login_redirect(request)
    except Forbidden:  # a credential that is valid elsewhere only (a display key outside the wall)
        return forbidden_page(request, None)
    if not principal.can(permission):
        return forbidden_page(request, principal)
    return principal


async def wall_access(request: Request, session: Session, display_key: str | None) -> Principal | Response:
    """The wall's principal: a user, an API key, or a screen's display key.

    ``/wall?display_key=hm_…`` (the link `hazardmap keys create-display` prints) stores the key in a
    long-lived cookie and comes back to ``/wall`` without it, so that the key leaves the address bar.
    A screen whose key was revoked gets a page that says so, not the login form.
    """
    if display_key is not None:
        if await service.display_principal(session, display_key) is None:
            return display_revoked_page(request)
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "display_key"]
        target = f"{request.scope.get('root_path', '')}/wall" + (f"?{urlencode(kept)}" if kept else "")
        response = RedirectResponse(target, status_code=303)
        remember_display(response, display_key.strip())
        response.delete_cookie(get_settings().cookie_name, path="/")  # the screen is a display now
        return response
    principal = await page_access(request, session, Permission.read)
    if (
        isinstance(principal, Response)
        and principal.status_code == 303
        and request.cookies.get(DISPLAY_COOKIE)
    ):
        return display_revoked_page(request)
    return principal


def remember_display(response: Response, key: str) -> None:
    _set_cookie(response, DISPLAY_COOKIE, key, DISPLAY_COOKIE_MAX_AGE)


def is_display(principal: Principal) -> bool:
    return principal.role is Role.display


def display_revoked_page(request: Request) -> Response:
    t = i18n.strings(i18n.pick_lang(request)[0])
    # Read from across the command room: the wall's colours, large type.
    return message_page(
        request,
        401,
        "display_revoked",
        t["display_revoked_title"],
        t["display_revoked_text"],
        body_class="hm-message-wall",
    )


def forbidden_page(request: Request, principal: Principal | None) -> Response:
    lang = i18n.pick_lang(request)[0]
    t = i18n.strings(lang)
    role = "—" if principal is None else (principal.role.zh if lang == "zh" else principal.role.value)
    return message_page(
        request, 403, "forbidden", t["forbidden_title"], t["forbidden_text"].format(role=role)
    )


def message_page(
    request: Request, status: int, kind: str, title: str, text: str, body_class: str = ""
) -> Response:
    """A page that says one thing (no permission, a revoked display key) in the page's language."""
    return _render(
        request, "message.html", status, kind=kind, title=title, text=text, link=None, body_class=body_class
    )


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
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax", secure=s.secure_cookies
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
    _set_cookie(response, settings.cookie_name, issued.token, int(settings.session_max_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/logout")
async def logout_page(request: Request, session: Session) -> Response:
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    if principal.session_id is None:  # as POST /api/v1/auth/logout: an administrator revokes a key
        return forbidden_page(request, principal)
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
