"""The one way a page is rendered: ``render`` (the templates in map_templates/, the page's words, its
language switch, the CSP) and ``with_account`` (the account in the bar, the CSRF token for the scripts)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.accounts import service as accounts
from app.accounts.permissions import Permission, Principal
from app.notifications import service as notifications
from app.settings import PROJECT_ROOT
from app.web import i18n
from app.web.csp import page_csp

TEMPLATES_DIR = PROJECT_ROOT / "map_templates"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def render(
    request: Request, template: str, lang: str, chosen: bool, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    other = "en" if lang == "zh" else "zh"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    response = templates.TemplateResponse(
        request,
        template,
        {
            **context,
            "lang": lang,
            "t": i18n.strings(lang),
            "labels": i18n.vocab(lang),
            "static": f"{root}/static",
            "version": __version__,
            "other_lang": other,
            "lang_href": "?" + urlencode([*kept, ("lang", other)]),
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = page_csp()
    response.headers["Cache-Control"] = "no-cache"
    if chosen:
        i18n.remember(response, lang)
    return response


# The pages without the navigation header (map_templates/_partials/nav.html says why): no bell to count.
NO_NAV = ("wall", "none", "field")


async def with_account(
    session: AsyncSession, principal: Principal, context: dict[str, Any]
) -> dict[str, Any]:
    """The page's context with the account in the bar, the CSRF token for its scripts, and the unread
    count of the navigation's bell: one count on the partial index of the unread, capped (99+), in the
    request's open transaction — cheaper than the request a script would make for it, and drawn with
    the page. The bell's script keeps it current on a page left open (app/static/notifications/bell.js)."""
    csrf = await accounts.csrf_token(session, principal.session_id) if principal.session_id else None
    config = context["config"]
    nav = principal.kind == "user" and config.get("page") not in NO_NAV and not config.get("printing")
    return {
        **context,
        "config": {**config, "csrf_token": csrf},
        "account": principal,
        "unread": await notifications.bell_count(session, principal) if nav else None,
        "unread_cap": notifications.BELL_CAP,
        "is_admin": principal.can(Permission.basemaps_manage),
    }
