"""/docs (Swagger UI) and /redoc, served with their assets from this service (npm packages
``swagger-ui-dist`` and ``redoc``, mounted under /static/vendor like Leaflet): they work on an
intranet, and under the pages' CSP. Swagger UI starts with one inline script, allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
TITLE = "hazardmap API"
_INLINE = re.compile(r"<script>(.*?)</script>", re.S)


def _csp(inline_scripts: list[str]) -> str:
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline_scripts
    )
    return (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        f"script-src 'self'{hashes}; worker-src 'self' blob:; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )


@lru_cache(maxsize=4)
def _pages(root: str) -> dict[str, tuple[bytes, str]]:
    vendor = f"{root}/static/vendor"
    openapi = f"{root}/openapi.json"
    swagger = get_swagger_ui_html(
        openapi_url=openapi,
        title=f"{TITLE} — Swagger UI",
        swagger_js_url=f"{vendor}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{vendor}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
    ).body
    redoc = get_redoc_html(
        openapi_url=openapi,
        title=f"{TITLE} — ReDoc",
        redoc_js_url=f"{vendor}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    ).body
    return {
        name: (bytes(body), _csp(_INLINE.findall(bytes(body).decode())))
        for name, body in (("docs", swagger), ("redoc", redoc))
    }


def _page(request: Request, name: str) -> HTMLResponse:
    body, csp = _pages(request.scope.get("root_path", ""))[name]
    return HTMLResponse(body, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs")


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc")
