"""The map pages (HTML) and the files they load; every file comes from this service, none from a CDN."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.accounts.pages import login_redirect, page_context, page_principal
from app.accounts.pages import router as account_pages
from app.accounts.permissions import Principal
from app.deps import Session
from app.errors import InvalidInput, NotFound
from app.ledger import service as ledger_service
from app.maps import i18n, service
from app.maps.settings import get_map_settings
from app.settings import PROJECT_ROOT, get_settings
from app.vocab import RoadGroup, Status

log = logging.getLogger("hazardmap")

TEMPLATES_DIR = PROJECT_ROOT / "map_templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# URL under /static/vendor → folder inside node_modules (package.json pins the versions).
VENDOR = {
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
    "noto-sans-sc": "@fontsource-variable/noto-sans-sc",
}

templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)


def _csp() -> str:
    """Pages may load from this service alone (and from the tile server, when one is configured)."""
    tiles = ""
    url = get_map_settings().basemap_url
    if url.startswith(("http://", "https://")):
        parts = urlsplit(url.replace("{s}", "*"))
        tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; "
        # Leaflet positions its panes and icons with inline style attributes.
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )


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
    response.headers["Content-Security-Policy"] = _csp()
    response.headers["Cache-Control"] = "no-cache"
    if chosen:
        i18n.remember(response, lang)
    return response


async def _logged_in(session: AsyncSession, principal: Principal, context: dict[str, Any]) -> dict[str, Any]:
    """The page's context with the account in the bar and the CSRF token for its scripts."""
    account = await page_context(session, principal)
    config = {**context["config"], "csrf_token": account["csrf_token"]}
    return {**context, "config": config, "account": account["account"]}


@router.get("/map", response_class=HTMLResponse)
async def city_map(request: Request, session: Session) -> Response:
    """The whole city: every county, its hazards loaded by viewport."""
    principal = await page_principal(request, session)
    if principal is None:
        return login_redirect(request)
    lang, chosen = i18n.pick_lang(request)
    context = await service.map_page(session, request, lang, None)
    return render(request, "map.html", lang, chosen, await _logged_in(session, principal, context))


@router.get("/map/{county_code}", response_class=HTMLResponse)
async def county_map(request: Request, session: Session, county_code: str) -> Response:
    """One county's (or development zone's) 挂图作战 map."""
    principal = await page_principal(request, session)
    if principal is None:
        return login_redirect(request)
    lang, chosen = i18n.pick_lang(request)
    try:
        context = await service.map_page(session, request, lang, county_code[:16])
    except NotFound:
        return render(request, "not_found.html", lang, chosen, {"config": {"page": "none"}}, 404)
    return render(request, "map.html", lang, chosen, await _logged_in(session, principal, context))


@router.get("/wall", response_class=HTMLResponse)
async def wall(
    request: Request,
    session: Session,
    refresh: Annotated[float | None, Query(ge=1, le=3600, description="seconds between data reloads")] = None,
    rotate: Annotated[
        float | None, Query(ge=0, le=3600, description="seconds per county; 0: no rotation")
    ] = None,
) -> Response:
    """The command room's wall display (1920×1080 or 3840×2160), no mouse needed."""
    principal = await page_principal(request, session)
    if principal is None:
        return login_redirect(request)
    lang, chosen = i18n.pick_lang(request)
    context = await service.wall_page(session, request, lang, refresh, rotate)
    return render(request, "wall.html", lang, chosen, await _logged_in(session, principal, context))


@router.get("/field", response_class=HTMLResponse)
async def field(request: Request, session: Session) -> Response:
    """The field officer's phone page: pin a hazard or mark a segment, and send it."""
    principal = await page_principal(request, session)
    if principal is None:
        return login_redirect(request)
    lang, chosen = i18n.pick_lang(request)
    context = await service.field_page(session, request, lang)
    return render(request, "field.html", lang, chosen, await _logged_in(session, principal, context))


@router.get("/ledger", response_class=HTMLResponse)
@router.get("/ledger/{jurisdiction}", response_class=HTMLResponse)
async def ledger_page(
    request: Request,
    session: Session,
    jurisdiction: str | None = None,
    status: Annotated[str | None, Query(max_length=200)] = None,
    road_group: Annotated[str | None, Query(max_length=200)] = None,
    supervised: bool = False,
) -> Response:
    """The printable ledger (台账) of the city, a county or zone, or a township: the rows of
    GET /api/v1/ledger (the same service), for A3/A4 landscape paper."""
    principal = await page_principal(request, session)
    if principal is None:
        return login_redirect(request)
    lang, chosen = i18n.pick_lang(request)
    only = ledger_service.LedgerFilter.parse(status, road_group, supervised)
    try:
        book = await ledger_service.ledger(session, jurisdiction[:16] if jurisdiction else None, only)
    except InvalidInput as exc:
        if any(e.field == "jurisdiction" for e in exc.errors):
            return render(request, "not_found.html", lang, chosen, {"config": {"page": "none"}}, 404)
        raise
    titles = dict(ledger_service.COLUMNS) if lang == "zh" else i18n.LEDGER_COLUMNS_EN
    city = get_settings().city_code
    city_name = (
        book.name
        if book.code == city
        else (
            await session.execute(text("SELECT name FROM jurisdictions WHERE code = :c"), {"c": city})
        ).scalar_one_or_none()
        or ""
    )
    kept = [*only.query()] + ([("jurisdiction", book.code)] if book.code != city else [])
    root = request.scope.get("root_path", "")
    context = {
        "book": book,
        "rows": book.rows(),
        "columns": [(key, titles[key]) for key, _ in ledger_service.COLUMNS],
        "city_name": city_name,
        "is_city": book.code == city,
        "today": datetime.now(ZoneInfo(ledger_service.TIMEZONE)).date().isoformat(),
        "made_at": datetime.now(ZoneInfo(ledger_service.TIMEZONE)).strftime("%Y-%m-%d %H:%M"),
        "filter_text": only.describe(lang),
        "only": only,
        "statuses": [s.value for s in Status],
        "groups": [*RoadGroup.codes(), "none"],
        "downloads": {
            fmt: f"{root}/api/v1/ledger?" + urlencode([*kept, ("format", fmt)]) for fmt in ("csv", "xlsx")
        },
        "config": {"page": "ledger", "code": book.code, "rows": len(book.rows())},
    }
    return render(request, "ledger.html", lang, chosen, await _logged_in(session, principal, context))


def mount(app: FastAPI) -> None:
    """The pages, our scripts and styles, and the npm packages' files (vendor first: /static is a prefix)."""
    app.include_router(router)
    app.include_router(account_pages)
    assets = get_map_settings().assets_dir
    for url, folder in VENDOR.items():
        directory = assets / folder
        if not directory.is_dir():
            log.warning("map assets missing: %s (run `make assets`, i.e. npm ci)", directory)
        app.mount(
            f"/static/vendor/{url}", StaticFiles(directory=directory, check_dir=False), name=f"vendor-{url}"
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
