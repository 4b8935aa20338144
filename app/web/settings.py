"""Settings of the pages (``HAZARDMAP_*``): an optional tile base map, the wall's timing, the assets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.settings import PROJECT_ROOT


class MapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

    # Off by default: government intranets often reach no tile server, and the service's own layers
    # (outlines, townships, roads) are the base map then. An XYZ template, e.g. an intranet server's
    # https://tiles.example/{z}/{x}/{y}.png or 天地图 with its key (…&tk=KEY). It must be in
    # WGS84/CGCS2000 web-mercator tiles: a GCJ-02 server (AMap, Tencent) would draw ~500 m off.
    basemap_url: str = ""
    basemap_attribution: str = ""
    basemap_subdomains: str = ""  # e.g. 01234567 for 天地图's t0…t7 ({s} in the URL)
    basemap_max_zoom: int = Field(default=18, ge=1, le=22)

    # The wall display reloads its figures this often (a page can ask for another with ?refresh=).
    wall_refresh_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    # Seconds per county when the wall rotates through them; 0 keeps the whole city in view.
    wall_rotate_s: float = Field(default=0.0, ge=0.0, le=3600.0)
    # How long the wall's alarm (newly overdue, newly listed) stays up when nobody acknowledges it.
    wall_alarm_s: float = Field(default=900.0, ge=1.0, le=86400.0)

    # The field app: a GPS fix less accurate than this (metres) is not used to place a pin by itself;
    # the officer is warned and places it by hand. Phones outdoors give 5–20 m; indoors or on a
    # network fix, hundreds.
    field_accuracy_warn_m: float = Field(default=50.0, gt=0, le=100_000)
    # Offline base-map tiles the field app keeps on the phone (only with a configured base map);
    # about 20 kB each, so 2,000 tiles take some 40 MB.
    field_tile_cache_max: int = Field(default=2000, ge=0, le=100_000)

    # Where `npm ci` put Leaflet, its clustering plugin and the Chinese web font.
    assets_dir: Path = PROJECT_ROOT / "node_modules"

    @model_validator(mode="after")
    def _basemap_is_complete(self) -> MapSettings:
        if self.basemap_url:
            if not self.basemap_url.startswith(("http://", "https://", "/")):
                raise ValueError("HAZARDMAP_BASEMAP_URL must be an http(s) URL or a path on this server")
            if not all(p in self.basemap_url for p in ("{z}", "{x}", "{y}")):
                raise ValueError("HAZARDMAP_BASEMAP_URL must contain {z}, {x} and {y}")
            if not self.basemap_attribution:
                raise ValueError(
                    "HAZARDMAP_BASEMAP_ATTRIBUTION is required with a base map (its licence asks for it)"
                )
        return self


@lru_cache
def get_map_settings() -> MapSettings:
    return MapSettings()
