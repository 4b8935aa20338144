"""The pages' Content-Security-Policy: everything from this service (and the tile server, when one is
configured); no CDN, no inline script."""

from __future__ import annotations

from app.web.basemap import tile_origin


def page_csp() -> str:
    origin = tile_origin()
    tiles = f" {origin}" if origin else ""
    return (
        "default-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; "
        # Leaflet positions its panes and icons with inline style attributes.
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )
