"""The pages' Content-Security-Policy: everything from this service, and tiles from the configured tile
servers (exactly those, HAZARDMAP_BASEMAPS); no CDN, no inline script."""

from __future__ import annotations

from app.settings import get_settings


def page_csp() -> str:
    tiles = "".join(f" {host}" for host in get_settings().basemap_hosts())
    return (
        "default-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; "
        # Leaflet positions its panes and icons with inline style attributes.
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )
