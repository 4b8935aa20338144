"""The base maps a page may draw: the configured tile servers and the imported packages, by name.

A page's script receives ``page_config()``: every base map with its layers, CRS and attribution,
and the default. "blank" (the service's own layers only) is always there and always allowed.
The default is the administrator's choice (kept beside the packages, so every web process sharing
the folder agrees), else HAZARDMAP_BASEMAP_DEFAULT, else blank.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.basemaps import packages
from app.basemaps.words import CRS, SOURCES, words
from app.settings import BaseMapSource, get_settings

BLANK = "blank"
DEFAULT_FILE = "_default.json"

# 天地图's terms ask for its name and the 审图号 of the map shown.
TIANDITU_CREDIT = {
    "zh": "天地图（国家地理信息公共服务平台）审图号：{n}",
    "en": "Tianditu (National Platform for Common Geospatial Information Services), map review no. {n}",
}
TIANDITU_TITLES = {
    "vec": ("天地图矢量", "Tianditu map"),
    "img": ("天地图影像", "Tianditu imagery"),
}


@dataclass(frozen=True)
class Choice:
    name: str
    title: str
    title_en: str
    source: str  # tianditu, xyz, wmts, package, blank
    crs: str  # wgs84 or gcj02
    tile_format: str  # raster formats or mvt
    hosts: tuple[str, ...]


def _folder() -> Path:
    return get_settings().basemap_dir


def _source_choice(s: BaseMapSource) -> Choice:
    title, title_en = TIANDITU_TITLES.get(s.layer, ("", "")) if s.kind == "tianditu" else ("", "")
    return Choice(
        name=s.name,
        title=s.title or title or s.name,
        title_en=s.title_en or s.title or title_en or s.name,
        source=s.kind,
        crs=s.crs,
        tile_format="raster",
        hosts=tuple(s.tile_hosts()),
    )


def choices() -> list[Choice]:
    """Blank, the configured servers in their order, then the packages by name."""
    found = [Choice(BLANK, "无底图", "No base map", BLANK, "wgs84", "", ())]
    found += [_source_choice(s) for s in get_settings().basemaps]
    taken = {c.name for c in found}
    for p in packages.all_packages(_folder()):
        if p.name not in taken:
            found.append(Choice(p.name, p.title, p.title, "package", "wgs84", p.tile_format, ()))
    return found


def configured_names() -> set[str]:
    return {BLANK, *(s.name for s in get_settings().basemaps)}


def stored_default() -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((_folder() / DEFAULT_FILE).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            return data
    return None


def default_name(names: set[str] | None = None) -> str:
    names = names if names is not None else {c.name for c in choices()}
    stored = stored_default()
    for candidate in (stored["name"] if stored else "", get_settings().basemap_default):
        if candidate and candidate in names:
            return candidate
    return BLANK


def set_default(name: str, by: str) -> dict[str, Any]:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    record = {"name": name, "by": by, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    partial = folder / f".{DEFAULT_FILE}.part"
    partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / DEFAULT_FILE)
    return record


def _layers(source: BaseMapSource) -> list[dict[str, Any]]:
    return [
        {
            "url": url,
            "subdomains": source.tile_subdomains,
            "min_zoom": source.min_zoom,
            "max_native_zoom": source.max_zoom,
        }
        for url in source.tile_templates()
    ]


def _attribution(source: BaseMapSource, lang: str) -> str:
    if source.kind == "tianditu":
        credit = TIANDITU_CREDIT[lang].format(n=source.review_number)
        return f"{credit}；{source.attribution}" if source.attribution else credit
    return source.attribution


def page_config(root: str, lang: str) -> dict[str, Any]:
    """What a page's script needs to draw any base map and offer the others (no keys hidden: a
    天地图 key is bound to the site's domain and travels in every tile URL anyway)."""
    listed: list[dict[str, Any]] = [
        {"name": BLANK, "title": "无底图" if lang == "zh" else "No base map", "crs": "wgs84", "kind": BLANK}
    ]
    for s in get_settings().basemaps:
        choice = _source_choice(s)
        listed.append(
            {
                "name": s.name,
                "title": choice.title if lang == "zh" else choice.title_en,
                "kind": "raster",
                "crs": s.crs,
                "layers": _layers(s),
                "attribution": _attribution(s, lang),
                "max_zoom": 19,
            }
        )
    taken = {b["name"] for b in listed}
    for p in packages.all_packages(_folder()):
        if p.name in taken:
            continue
        listed.append(
            {
                "name": p.name,
                "title": p.title,
                "kind": "vector" if p.vector else "raster",
                "crs": "wgs84",
                "layers": [
                    {
                        "url": f"{root}/basemap/{p.name}/{{z}}/{{x}}/{{y}}",
                        "subdomains": "",
                        "min_zoom": p.min_zoom,
                        "max_native_zoom": p.max_zoom,
                    }
                ],
                "attribution": p.attribution,
                "vector_layers": p.vector_layers,
                "bounds": p.bounds,
                "max_zoom": 19,
            }
        )
    return {"choices": listed, "default": default_name({b["name"] for b in listed})}


def admin_page(root: str, lang: str) -> dict[str, Any]:
    """The base-map page: every choice with where it comes from, the default, the words."""
    i = 0 if lang == "zh" else 1
    found = choices()
    default = default_name({c.name for c in found})
    rows = [
        {
            "name": c.name,
            "title": c.title if lang == "zh" else c.title_en,
            "source": SOURCES[c.source][i],
            "crs": CRS[c.crs][i],
            "format": c.tile_format,
            "hosts": list(c.hosts),
            "default": c.name == default,
        }
        for c in found
    ]
    return {"rows": rows, "w": words(lang), "default": default}
