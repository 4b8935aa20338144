"""The administrator's base-map page (/admin/basemaps): every base map, where it comes from, the default."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.permissions import Permission
from app.basemaps import catalog
from app.deps import Session
from app.paths import API_PREFIX
from app.settings import get_settings
from app.web import i18n
from app.web.access import page_access
from app.web.templating import render, with_account

pages = APIRouter(include_in_schema=False)


@pages.get("/admin/basemaps", response_class=HTMLResponse)
async def basemaps_page(request: Request, session: Session) -> Response:
    """The configured and imported base maps, and the default every page opens with."""
    principal = await page_access(request, session, Permission.basemaps_manage)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    root = request.scope.get("root_path", "")
    page = catalog.admin_page(root, lang)
    city_code = get_settings().city_code
    config = {
        "page": "basemaps",
        "root": root,
        "api": f"{root}{API_PREFIX}/basemaps/default",
        "basemaps": catalog.page_config(root, lang),
        "outline": f"{root}{API_PREFIX}/jurisdictions/{city_code}",
        "words": page["w"],
    }
    context = await with_account(session, principal, {**page, "config": config})
    return render(request, "basemaps.html", lang, chosen, context)
