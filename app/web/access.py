"""Who may see a page: ``page_access`` checks exactly what the API checks for the data a page shows
(without credentials the way to /login, without the permission a 403 page); the wall's display key;
the pages that say one thing (no permission, a revoked display key); the cookies the pages set.

A page rendered for a logged-in user carries the session's CSRF token in its config
(app.web.templating.with_account); the scripts send it in ``X-CSRF-Token`` on every write, the forms
in a ``csrf_token`` field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.permissions import DISPLAY_COOKIE, Permission, Principal, Role
from app.deps import Session
from app.errors import Forbidden, Unauthorized
from app.settings import get_settings
from app.web import i18n
from app.web.templating import render

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
    set_cookie(response, DISPLAY_COOKIE, key, DISPLAY_COOKIE_MAX_AGE)


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
    return account_page(
        request, "message.html", status, kind=kind, title=title, text=text, link=None, body_class=body_class
    )


def lang_query(lang: str, chosen: bool) -> str:
    return f"?lang={lang}" if chosen else ""


def account_page(request: Request, template: str, status: int = 200, **context: object) -> Response:
    """A page of the account's own (login, logout, a message), in the page's language."""
    lang, chosen = i18n.pick_lang(request)
    root = request.scope.get("root_path", "")
    return render(
        request,
        template,
        lang,
        chosen,
        {"config": {"page": "account"}, "root": root, "lang_query": lang_query(lang, chosen), **context},
        status,
    )


def set_cookie(response: Response, name: str, value: str, max_age: int, path: str = "/") -> None:
    s = get_settings()
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax", secure=s.secure_cookies
    )
