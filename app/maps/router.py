"""The map pages: /map, /map/{county}, /wall, /field and the printable ledger /ledger/{jurisdiction};
rendered by app.web."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app import clock
from app.accounts.permissions import DISPLAY_COOKIE, Permission
from app.deps import Session
from app.errors import InvalidInput, NotFound
from app.hazards import service as hazard_service
from app.hazards.params import Filters
from app.ledger import service as ledger_service
from app.maps import repository as map_repository
from app.maps import service
from app.settings import get_settings
from app.vocab import Grade, RoadGroup, Status, Visibility
from app.web import i18n
from app.web.access import is_display, page_access, remember_display, wall_access
from app.web.templating import render, with_account

router = APIRouter(include_in_schema=False)


@router.get("/map", response_class=HTMLResponse)
async def city_map(request: Request, session: Session, only: Filters) -> Response:
    """The whole city: every county, its hazards loaded by viewport."""
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    await hazard_service.check_codes(session, only)  # a filter naming nothing is a 422, not a blank map
    context = await service.map_page(session, request, lang, None, only)
    context["config"]["can_detect"] = principal.can(Permission.detection_run)
    return render(request, "map.html", lang, chosen, await with_account(session, principal, context))


@router.get("/map/{county_code}", response_class=HTMLResponse)
async def county_map(request: Request, session: Session, county_code: str, only: Filters) -> Response:
    """One county's (or development zone's) 挂图作战 map."""
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    await hazard_service.check_codes(session, only)
    try:
        context = await service.map_page(session, request, lang, county_code[:16], only)
    except NotFound:
        return render(request, "not_found.html", lang, chosen, {"config": {"page": "none"}}, 404)
    context["config"]["can_detect"] = principal.can(Permission.detection_run)
    return render(request, "map.html", lang, chosen, await with_account(session, principal, context))


@router.get("/wall", response_class=HTMLResponse)
async def wall(
    request: Request,
    session: Session,
    refresh: Annotated[float | None, Query(ge=1, le=3600, description="seconds between data reloads")] = None,
    rotate: Annotated[
        float | None, Query(ge=0, le=3600, description="seconds per county; 0: no rotation")
    ] = None,
    display_key: Annotated[str | None, Query(max_length=100, description="a display key, once")] = None,
    alarm: Annotated[
        float | None, Query(ge=1, le=86400, description="seconds an unacknowledged alarm stays up")
    ] = None,
) -> Response:
    """The command room's wall display (1920×1080 or 3840×2160), no mouse needed; a user's session, or
    a screen's display key (`hazardmap keys create-display`)."""
    principal = await wall_access(request, session, display_key)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    context = await service.wall_page(session, request, lang, refresh, rotate, alarm)
    context["config"]["display"] = is_display(principal)
    response = render(request, "wall.html", lang, chosen, await with_account(session, principal, context))
    if is_display(principal) and DISPLAY_COOKIE in request.cookies:
        remember_display(
            response, request.cookies[DISPLAY_COOKIE]
        )  # the cookie never runs out on a used screen
    return response


@router.get("/reports", response_class=HTMLResponse)
async def reports(request: Request, session: Session) -> Response:
    """The periodic report (季度、半年、年度): chosen here, written by a job worker, then downloaded."""
    principal = await page_access(request, session, Permission.read_internal)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    context = await service.reports_page(session, request, lang)
    return render(request, "reports.html", lang, chosen, await with_account(session, principal, context))


@router.get("/field", response_class=HTMLResponse)
async def field(request: Request, session: Session) -> Response:
    """The field officer's phone page: pin a hazard or mark a segment, and send it."""
    principal = await page_access(request, session, Permission.hazard_write)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    context = await service.field_page(session, request, lang)
    return render(request, "field.html", lang, chosen, await with_account(session, principal, context))


@router.get("/ledger", response_class=HTMLResponse)
@router.get("/ledger/{jurisdiction}", response_class=HTMLResponse)
async def ledger_page(
    request: Request,
    session: Session,
    only: Filters,
    jurisdiction: str | None = None,
) -> Response:
    """The printable ledger (台账) of the city, a county or zone, or a township: the rows of
    GET /api/v1/ledger (the same service), for A3/A4 landscape paper."""
    principal = await page_access(request, session, Permission.read_internal)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    await hazard_service.check_codes(session, only)
    try:
        book = await ledger_service.ledger(session, jurisdiction[:16] if jurisdiction else None, only, lang)
    except InvalidInput as exc:
        if any(e.field == "jurisdiction" for e in exc.errors):
            return render(request, "not_found.html", lang, chosen, {"config": {"page": "none"}}, 404)
        raise
    titles = dict(ledger_service.COLUMNS) if lang == "zh" else i18n.LEDGER_COLUMNS_EN
    city = get_settings().city_code
    city_name = book.name if book.code == city else await map_repository.name(session, city) or ""
    # The downloads keep the page's filters; the jurisdiction narrows them as the page does.
    place = [] if book.code == city else [("county" if book.level != "township" else "township", book.code)]
    kept = [*only.query(), *place]
    root = request.scope.get("root_path", "")
    categories = await map_repository.categories(session)
    county_code = book.code if book.level in ("county", "zone") else None
    context = {
        "book": book,
        "rows": book.rows(),
        "columns": [(key, titles[key]) for key, _ in ledger_service.COLUMNS],
        "city_name": city_name,
        "is_city": book.code == city,
        "today": clock.today().isoformat(),
        "form": service.filter_form(only),
        "filter_page": "ledger",
        "made_at": clock.now().strftime("%Y-%m-%d %H:%M"),
        "filter_text": ledger_service.describe(only, lang),
        "only": only,
        "statuses": [s.value for s in Status],
        "categories": categories,
        "grades": Grade.codes(),
        "visibilities": Visibility.codes(),
        "groups": [*RoadGroup.codes(), "none"],
        "townships": []
        if book.level == "township"
        else await map_repository.townships(session, county_code, city),
        "downloads": {
            fmt: f"{root}/api/v1/ledger?"
            + urlencode([*only.query(), *([("jurisdiction", book.code)] if place else []), ("format", fmt)])
            for fmt in ("csv", "xlsx")
        },
        # A development zone has no outline, so no hazard is filed under it: nothing to export.
        "exports": None
        if book.level == "zone"
        else {
            collection: {
                fmt: f"{root}/api/v1/export?"
                + urlencode([*kept, ("collection", collection), ("format", fmt)])
                for fmt in ("geojson", "xlsx", "shp")
            }
            for collection in ("hazards", "segments")
        },
        "config": {"page": "ledger", "code": book.code, "rows": len(book.rows())},
    }
    return render(request, "ledger.html", lang, chosen, await with_account(session, principal, context))
