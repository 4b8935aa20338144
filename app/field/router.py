"""The field app's service worker, manifest and offline package.

The service worker is served from /field/sw.js with ``Service-Worker-Allowed: /field`` so that it
controls the field page (/field, /field?lang=en) and nothing else. Its text carries the app's
version: a new release is a new worker, which replaces the old caches — and never touches the
outbox, which lives in IndexedDB, apart from every cache.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app import __version__
from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.deps import Session
from app.field import repository
from app.settings import get_settings
from app.web.settings import get_map_settings

# Pages and the worker (no schema: they are not API). The area is API, under the API prefix.
pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["field"])

SCOPE = "/field"


@pages.get("/field/sw.js")
async def service_worker(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    settings = {
        "version": __version__,
        "root": root,
        "scope": root + SCOPE,
        "tile_cache_max": get_map_settings().field_tile_cache_max,
    }
    body = (
        f'import {{ start }} from "{root}/static/maps/field-sw-core.js?v={__version__}";\n'
        f"start({json.dumps(settings)});\n"
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={
            "Service-Worker-Allowed": root + SCOPE,
            # The browser checks for a new worker on every visit; it must not be served from a cache.
            "Cache-Control": "no-cache",
        },
    )


@pages.get("/field/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    icons = [
        {"src": f"{root}/static/maps/icons/field-{n}.png", "sizes": f"{n}x{n}", "type": "image/png",
         "purpose": "any maskable"}
        for n in (192, 512)
    ]  # fmt: skip
    body = {
        "name": "隐患采集 — 道路交通安全隐患台账",
        "short_name": "隐患采集",
        "description": "一线民警现场标注道路交通安全隐患，离线可用，联网后自动上报。",
        "lang": "zh-CN",
        "start_url": f"{root}{SCOPE}",
        "scope": f"{root}{SCOPE}",
        "id": f"{root}{SCOPE}",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@api.get(
    "/field/area",
    summary="The field app's offline package: outlines, township seats and roads of the user's counties",
    responses={200: {"content": {"application/json": {}}}},
)
async def area(
    session: Session, principal: Annotated[Principal, Depends(require(Permission.read_internal))]
) -> Response:
    """Outlines (simplified), township seats with names, and the roads crossing them with their
    chainage ranges: what the field page draws and snaps to with no network. A county officer gets
    their counties; a city-wide role the whole city."""
    counties = (
        None if principal.covers(None) or not principal.jurisdictions else sorted(principal.jurisdictions)
    )
    body = await repository.area_json(session, get_settings().city_code, counties)
    # Private: it is cached by the officer's own service worker, never by a shared proxy.
    return Response(body, media_type="application/json", headers={"Cache-Control": "private, no-cache"})
