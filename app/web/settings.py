"""Settings of the pages (``HAZARDMAP_*``): the wall's timing, the field app, the assets (base maps:
``HAZARDMAP_BASEMAPS`` in app/settings.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.settings import PROJECT_ROOT


class MapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

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
    # Offline base-map tiles the field app keeps on the phone (only with a tile base map);
    # about 20 kB each, so 2,000 tiles take some 40 MB.
    field_tile_cache_max: int = Field(default=2000, ge=0, le=100_000)

    # Where `npm ci` put Leaflet, its clustering plugin and the Chinese web font.
    assets_dir: Path = PROJECT_ROOT / "node_modules"


@lru_cache
def get_map_settings() -> MapSettings:
    return MapSettings()
