"""The workbench pages: ``/`` (by role), the record page ``/hazards/{id}`` and ``/segments/{id}`` (一点一档)
with its printable version, ``/todo`` (我的待办), ``/search``; and ``GET /api/v1/search``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.accounts.permissions import CITY_WIDE, Permission, Principal
from app.deps import Session
from app.maps import repository as maps_repository
from app.openapi import problems
from app.paths import API_PREFIX, collection_of
from app.records import service, words
from app.records.schemas import SearchAnswer
from app.settings import get_settings
from app.vocab import HazardKind
from app.web import i18n
from app.web.access import forbidden_page, page_access
from app.web.templating import render, with_account

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["search (查询)"])


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


async def _page(
    request: Request,
    session: Session,
    principal: Principal,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    lang, chosen = i18n.pick_lang(request)
    context = {"w": words.strings(lang), "root": _root(request), **context}
    context.setdefault("config", {"page": template.removesuffix(".html")})
    return render(request, template, lang, chosen, await with_account(session, principal, context), status)


@pages.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Session) -> Response:
    """What the signed-in user can open, by role."""
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    units = await maps_repository.units(session, get_settings().city_code)
    city_wide = principal.role in CITY_WIDE
    mine = units if city_wide else [u for u in units if u["code"] in principal.jurisdictions]
    return await _page(
        request,
        session,
        principal,
        "home.html",
        {
            "me": principal,
            "city_wide": city_wide,
            "units": mine,
            "can": {p.value: principal.can(p) for p in Permission},
            "todo": await service.todo_counts(session, principal),
        },
    )


async def _record(
    request: Request, session: Session, kind: HazardKind, hazard_id: int, printing: bool
) -> Response:
    principal = await page_access(request, session, Permission.read_internal)
    if isinstance(principal, Response):
        return principal
    lang, _ = i18n.pick_lang(request)
    w = words.strings(lang)
    found = await service.record_page(session, principal, hazard_id, lang, w)
    if found is None:
        return await _page(request, session, principal, "record_missing.html", {"hazard_id": hazard_id}, 404)
    rec = found["rec"]
    if rec["kind"] != kind.value:
        suffix = "/print" if printing else ""
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(
            service.page_url(_root(request), rec["kind"], hazard_id) + suffix + query, 303
        )
    api = f"{_root(request)}{API_PREFIX}"
    path = collection_of(rec["kind"])
    config = {
        "page": "record",
        "root": _root(request),  # the login page's, when the session has ended
        "id": hazard_id,
        "kind": rec["kind"],
        "etag": f'"{rec["version"]}"',
        "geometry": rec["geometry"],
        "road_geometry": rec["road_geometry"],
        "api": {
            "feature": f"{api}/{path}/{hazard_id}",
            "transitions": f"{api}/{path}/{hazard_id}/transitions",
            "photos": f"{api}/{path}/{hazard_id}/photos",
            "search": f"{api}/search",
        },
        "printing": printing,
        "w": {
            k: w[k]
            for k in (
                "sending",
                "uploading",
                "refused",
                "stale",
                "photos_kept",
                "evidence_first",
                "no_such_no",
                "network",
            )
        },
    }
    return await _page(
        request,
        session,
        principal,
        "record.html",
        {
            **found,
            "config": config,
            "printing": printing,
            "me": principal,
            "path": path,
            "now": datetime.now(UTC),
        },
    )


HazardPath = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="the hazard's id")]


@pages.get("/hazards/{id}", response_class=HTMLResponse)
async def hazard_page(request: Request, session: Session, hazard_id: HazardPath) -> Response:
    return await _record(request, session, HazardKind.point, hazard_id, printing=False)


@pages.get("/segments/{id}", response_class=HTMLResponse)
async def segment_page(request: Request, session: Session, hazard_id: HazardPath) -> Response:
    return await _record(request, session, HazardKind.segment, hazard_id, printing=False)


@pages.get("/hazards/{id}/print", response_class=HTMLResponse)
async def hazard_print(request: Request, session: Session, hazard_id: HazardPath) -> Response:
    return await _record(request, session, HazardKind.point, hazard_id, printing=True)


@pages.get("/segments/{id}/print", response_class=HTMLResponse)
async def segment_print(request: Request, session: Session, hazard_id: HazardPath) -> Response:
    return await _record(request, session, HazardKind.segment, hazard_id, printing=True)


@pages.get("/todo", response_class=HTMLResponse)
async def todo_page(request: Request, session: Session) -> Response:
    """我的待办: what waits for the user in their counties, with the counts at the top."""
    principal = await page_access(request, session, Permission.read_internal)
    if isinstance(principal, Response):
        return principal
    lang, _ = i18n.pick_lang(request)
    found = await service.todo(session, principal, lang)
    units = await maps_repository.units(session, get_settings().city_code)
    areas = [u["name"] for u in units if u["code"] in principal.jurisdictions]
    return await _page(
        request,
        session,
        principal,
        "todo.html",
        {**found, "me": principal, "areas": areas, "city_wide": principal.role in CITY_WIDE},
    )


@pages.get("/notifications", response_class=HTMLResponse)
async def notifications_page(
    request: Request,
    session: Session,
    unread: Annotated[bool, Query(description="only the unread")] = False,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="older than this one")] = None,
) -> Response:
    """The notification centre: the user's notifications, newest first, a page at a time; the unread
    marked, each one or all marked read, each linking to its hazard's record page."""
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    if principal.kind != "user":  # a display key: a screen has no notifications of its own
        return forbidden_page(request, principal)
    lang, _ = i18n.pick_lang(request)
    w = words.strings(lang)
    root = _root(request)
    units = await maps_repository.units(session, get_settings().city_code)
    found = await service.notification_page(
        session,
        principal,
        lang=lang,
        w=w,
        places={u["code"]: u["name"] for u in units},
        root=root,
        unread_only=unread,
        before=before,
    )
    api = f"{root}{API_PREFIX}/notifications"
    config = {
        "page": "notifications",
        "api": api,
        "unread": found["unread_total"],
        "w": {k: w[k] for k in ("nf_failed", "nf_marked_all", "nf_summary", "nf_read")},
    }
    return await _page(
        request,
        session,
        principal,
        "notifications.html",
        {**found, "unread_only": unread, "before": before, "config": config},
    )


SearchQ = Annotated[
    str,
    Query(
        min_length=1,
        max_length=200,
        description="a ledger number (371502-2026-0001), a road and 桩号 (G309 K516+600), or words",
    ),
]


@pages.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request, session: Session, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The search box's answer: the record itself for an exact ledger number or a single hit, else a list."""
    principal = await page_access(request, session, Permission.read)
    if isinstance(principal, Response):
        return principal
    lang, _ = i18n.pick_lang(request)
    found = None
    if q.strip():
        found = await service.search(session, q, lang, _root(request))
        if found["exact"] or len(found["results"]) == 1:
            return RedirectResponse(found["results"][0]["url"], 303)
    return await _page(request, session, principal, "search.html", {"q": q, "found": found})


@api.get(
    "/search",
    summary="Find hazards by ledger number, road + 桩号, or words",
    response_model=SearchAnswer,
    responses=problems(401, 403, 422),
)
async def search(request: Request, session: Session, q: SearchQ) -> JSONResponse:
    """`q` is read as a ledger number when it looks like one (exact match first, then numbers containing it);
    as a road and 桩号 when it parses as one (`G309 K516+600`: the hazards on that road, nearest along it
    first, `distance_m` along the road); else as words in the description or place. At most 50 results,
    each with `url`, its record page. `match` says how `q` was read.

    Permission: `read`."""
    lang, _ = i18n.pick_lang(request)
    return JSONResponse(await service.search(session, q, lang, _root(request)))
