"""The optional tile base map, as the pages' scripts receive it and as the CSP must allow it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from app.web.settings import get_map_settings


def basemap() -> dict[str, Any] | None:
    """The base map a page's script draws under the service's own layers; None: no tile server."""
    s = get_map_settings()
    if not s.basemap_url:
        return None
    return {
        "url": s.basemap_url,
        "attribution": s.basemap_attribution,
        "subdomains": s.basemap_subdomains,
        "max_zoom": s.basemap_max_zoom,
    }


def tile_origin() -> str | None:
    """The tile server's origin (``{s}`` as a wildcard), when the base map is on another host."""
    url = get_map_settings().basemap_url
    if not url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"
