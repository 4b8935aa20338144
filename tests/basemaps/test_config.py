"""Configured base maps: typed settings refused when incomplete, 天地图's Web Mercator URLs, the CSP
naming exactly the configured tile hosts (none: nothing off the service), the default chosen by an
administrator and the list every page's switcher gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.settings import BaseMapSource, Settings, get_settings
from tests.basemaps import make

TIANDITU: dict[str, Any] = {
    "name": "tdt",
    "kind": "tianditu",
    "layer": "vec",
    "key": "0123abcd",
    "review_number": "GS（2099）0001号",
}
AMAP: dict[str, Any] = {
    "name": "amap",
    "kind": "xyz",
    "title": "高德",
    "url": "https://webrd0{s}.is.autonavi.example/appmaptile?x={x}&y={y}&z={z}&style=8",
    "subdomains": "12",
    "crs": "gcj02",
    "attribution": "© 高德 审图号：GS(2099)0002号",
}
INTRANET: dict[str, Any] = {
    "name": "intranet",
    "kind": "wmts",
    "url": "http://10.1.2.3:8080/geoserver/gwc/service/wmts",
    "layer": "base:liaocheng",
    "tile_matrix_set": "EPSG:900913",
    "tile_matrix_prefix": "EPSG:900913:",
    "attribution": "聊城市测绘院",
}


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[Settings]:
    settings = get_settings()
    kept = (settings.basemaps, settings.basemap_dir, settings.basemap_default)
    settings.basemaps = [BaseMapSource(**TIANDITU), BaseMapSource(**AMAP), BaseMapSource(**INTRANET)]
    settings.basemap_dir = tmp_path / "basemaps"
    settings.basemap_dir.mkdir()
    yield settings
    settings.basemaps, settings.basemap_dir, settings.basemap_default = kept


def test_incomplete_sources_are_refused() -> None:
    for bad, said in [
        ({**TIANDITU, "key": ""}, "key"),
        ({**TIANDITU, "review_number": ""}, "审图号"),
        ({**TIANDITU, "layer": "vec_c"}, "vec or img"),
        ({**TIANDITU, "crs": "gcj02"}, "not GCJ-02"),
        ({**AMAP, "attribution": ""}, "attribution is required"),
        ({**AMAP, "subdomains": ""}, "needs subdomains"),
        ({**AMAP, "url": "https://tiles.example/{z}/{x}.png"}, "must contain"),
        ({**AMAP, "url": "ftp://tiles.example/{z}/{x}/{y}"}, "http(s)"),
        ({**INTRANET, "layer": ""}, "WMTS needs its layer"),
        ({**AMAP, "name": "Has Space"}, "pattern"),
        ({**AMAP, "colour": "red"}, "Extra inputs"),
    ]:
        with pytest.raises(ValidationError, match=said.replace("(", r"\(").replace(")", r"\)")):
            BaseMapSource(**bad)
    with pytest.raises(ValidationError, match="a name of its own"):
        Settings(basemaps=[TIANDITU, {**AMAP, "name": "tdt"}])


def test_the_environment_takes_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAZARDMAP_BASEMAPS", '[{"name":"tdt","kind":"tianditu","layer":"img","key":"k",'
                       '"review_number":"GS（2099）0001号"}]')  # fmt: skip
    (source,) = Settings().basemaps
    assert source.layer == "img"


def test_tianditu_is_web_mercator_with_its_labels() -> None:
    base, labels = BaseMapSource(**{**TIANDITU, "layer": "img"}).tile_templates()
    assert base.startswith("https://t{s}.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile")
    assert "LAYER=img&" in base and "TILEMATRIXSET=w&" in base and base.endswith("&tk=0123abcd")
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in base
    assert labels.startswith("https://t{s}.tianditu.gov.cn/cia_w/wmts?") and "LAYER=cia&" in labels
    assert BaseMapSource(**TIANDITU).tile_hosts() == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    (wmts,) = BaseMapSource(**INTRANET).tile_templates()
    assert wmts == (
        "http://10.1.2.3:8080/geoserver/gwc/service/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=base:liaocheng&STYLE=default&TILEMATRIXSET=EPSG:900913&FORMAT=image/png"
        "&TILEMATRIX=EPSG:900913:{z}&TILEROW={y}&TILECOL={x}"
    )


def _img_src(csp: str) -> list[str]:
    (directive,) = [d.strip() for d in csp.split(";") if d.strip().startswith("img-src")]
    return directive.split()[1:]


async def test_the_csp_lists_exactly_the_configured_tile_hosts(
    anonymous: httpx.AsyncClient, configured: Settings
) -> None:
    csp = (await anonymous.get("/login")).headers["content-security-policy"]
    assert _img_src(csp) == [
        "'self'",
        "data:",
        "blob:",
        *(f"https://t{i}.tianditu.gov.cn" for i in range(8)),
        "https://webrd01.is.autonavi.example",
        "https://webrd02.is.autonavi.example",
        "http://10.1.2.3:8080",
    ]
    assert "connect-src 'self';" in csp and "script-src 'self';" in csp


async def test_with_no_base_map_nothing_leaves_the_service(anonymous: httpx.AsyncClient) -> None:
    assert get_settings().basemaps == []
    csp = (await anonymous.get("/login")).headers["content-security-policy"]
    assert _img_src(csp) == ["'self'", "data:", "blob:"]
    assert "http" not in csp and "*" not in csp


async def test_an_administrator_chooses_the_default(
    clients: dict[str, httpx.AsyncClient], configured: Settings, tmp_path: Path
) -> None:
    z, x, y = 12, *make.tile_of(*make.LIAOCHENG, 12)
    make.mbtiles(configured.basemap_dir / "city.mbtiles", {(z, x, y): make.raster("png")}, "png", name="离线")
    # (written straight into the folder: a package as the import leaves it, without a sidecar)
    admin, viewer = clients["admin"], clients["viewer"]
    listed = (await viewer.get("/api/v1/basemaps")).json()
    assert [(b["name"], b["source"], b["crs"], b["default"]) for b in listed] == [
        ("blank", "blank", "wgs84", True),
        ("tdt", "tianditu", "wgs84", False),
        ("amap", "xyz", "gcj02", False),
        ("intranet", "wmts", "wgs84", False),
        ("city", "package", "wgs84", False),
    ]
    assert listed[1]["title"] == "天地图矢量" and listed[4]["title"] == "离线"

    refused = await viewer.put("/api/v1/basemaps/default", json={"name": "amap"})
    assert refused.status_code == 403
    unknown = await admin.put("/api/v1/basemaps/default", json={"name": "osm"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "name"
    assert (await admin.put("/api/v1/basemaps/default", json={})).status_code == 422

    chosen = await admin.put("/api/v1/basemaps/default", json={"name": "city"})
    assert chosen.status_code == 200
    assert [b["name"] for b in chosen.json() if b["default"]] == ["city"]
    assert [b["name"] for b in (await viewer.get("/api/v1/basemaps")).json() if b["default"]] == ["city"]

    # The setting is the default until an administrator chooses; a choice that disappears falls back.
    (configured.basemap_dir / "city.mbtiles").unlink()
    configured.basemap_default = "amap"
    assert [b["name"] for b in (await viewer.get("/api/v1/basemaps")).json() if b["default"]] == ["amap"]
