"""The map file to hand over (一张图): one self-contained HTML file made with folium.

folium links Leaflet and Bootstrap from CDNs by default; here those links are dropped and Leaflet's
JavaScript and styles (node_modules, the version the pages use) are written into the file, with the
data as GeoJSON. No plugin that loads anything is used, no tile layer is added: the file opens from a
USB stick with no server and no network.
"""

from __future__ import annotations

import html
from typing import Any

import folium
from shapely.geometry import mapping
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards.schemas import HazardFilter
from app.posters import render, service
from app.web.settings import get_map_settings

# The outlines and roads simplified to this many degrees (about 5 m).
TOLERANCE_DEG = 0.00005


# folium writes each popup's HTML as `$(`<div…>`)[0]` (jQuery, which it links from a CDN). Instead of
# jQuery, this turns the HTML into its first element, which is all the popups ask of it.
JQUERY_SHIM = (
    "window.$ = function (html) { var t = document.createElement('template');"
    " t.innerHTML = String(html).trim(); return [t.content.firstElementChild]; };"
)


def _inline_assets() -> tuple[str, str]:
    leaflet = get_map_settings().assets_dir / "leaflet" / "dist"
    js = (leaflet / "leaflet.js").read_text(encoding="utf-8")
    css = (leaflet / "leaflet.css").read_text(encoding="utf-8")
    # A script's text must not close the element it sits in.
    return js.replace("</script", "<\\/script"), css


def _popup(it: render.Item) -> str:
    rows = [
        ("编号", str(it.no)),
        ("隐患编号", it.ledger_no),
        ("道路及桩号", it.road or "—"),
        ("隐患类别", it.category),
        ("状态", it.status + ("（超期）" if it.overdue else "")),
        ("整改时限", it.deadline.isoformat() if it.deadline else "—"),
        ("挂牌督办", "是" if it.supervised else "否"),
    ]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="hm-popup">{cells}</table>'


def _legend(p: render.Poster) -> str:
    counts = "".join(f"<span><b>{html.escape(k)}</b> {html.escape(v)}</span>" for k, v in p.counts.items())
    roads = "".join(
        f'<li><i style="border-top:3px {"dashed" if "dashes" in st else "solid"} {st["color"]}"></i>'
        f"{render.ROAD_LABEL[g]}</li>"
        for g, st in reversed(render.ROAD_STYLE.items())
    )
    return f"""
<div id="hm-panel" class="hm-panel">
  <h1>{html.escape(p.title)}</h1>
  <p class="hm-made">制图时间：{p.made_at:%Y-%m-%d %H:%M}（北京时间）　{html.escape(p.filter_text)}</p>
  <p class="hm-counts">{counts}</p>
  <p class="hm-shown">图中显示 <b id="hm-shown">{len(p.items)}</b> 处</p>
  <ul class="hm-legend">
    <li><i class="dot" style="background:{render.OPEN}"></i>未销号隐患点（路段为红线）</li>
    <li><i class="dot" style="background:{render.CLOSED}"></i>已销号隐患点（路段为绿线）</li>
    <li><i class="ring" style="border-color:{render.OVERDUE}"></i>超期</li>
    <li><i class="ring" style="border-color:{render.SUPERVISED};border-style:dashed"></i>挂牌督办</li>
    {roads}
  </ul>
  <p class="hm-attr">{html.escape(p.attribution)}</p>
</div>
<style>
  .hm-panel {{ position: absolute; z-index: 1000; top: 10px; left: 56px; max-width: 340px; background: #fff;
    padding: 8px 12px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
    font: 13px/1.45 "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }}
  .hm-panel h1 {{ font-size: 16px; margin: 0 0 4px; }}
  .hm-made, .hm-attr {{ color: #5b6b7b; font-size: 11px; margin: 2px 0; }}
  .hm-counts span {{ display: inline-block; margin-right: 10px; }}
  .hm-legend {{ list-style: none; padding: 0; margin: 6px 0; }}
  .hm-legend i {{ display: inline-block; width: 18px; height: 0; margin-right: 6px; vertical-align: middle; }}
  .hm-legend i.dot, .hm-legend i.sq {{ width: 10px; height: 10px; border-radius: 50%; margin: 0 10px 0 4px; }}
  .hm-legend i.sq {{ border-radius: 2px; }}
  .hm-legend i.ring {{ width: 12px; height: 12px; border: 2px solid; border-radius: 50%;
    margin: 0 8px 0 2px; }}
  table.hm-popup th {{ text-align: left; padding-right: 8px; white-space: nowrap; }}
</style>
"""


def build(p: render.Poster) -> str:
    x1, y1, x2, y2 = p.box
    m = folium.Map(
        location=[(y1 + y2) / 2, (x1 + x2) / 2],
        tiles=None,
        zoom_start=10,
        control_scale=True,
        prefer_canvas=False,
    )
    # No CDN: drop folium's links and write Leaflet itself into the page's head.
    m.default_js = []
    m.default_css = []
    js, css = _inline_assets()
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")  # type: ignore[attr-defined]
    root.header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js")  # type: ignore[attr-defined]
    root.header.add_child(folium.Element(f"<script>{JQUERY_SHIM}</script>"), name="popup_shim")  # type: ignore[attr-defined]
    root.header.add_child(  # type: ignore[attr-defined]
        folium.Element(
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
        ),
        name="csp",
    )

    outlines = folium.FeatureGroup(name="辖区界线", show=True).add_to(m)
    for code, name, outline, _seat in p.counties:
        if outline is None or outline.is_empty:
            continue
        mine = code == p.unit_code
        folium.GeoJson(
            mapping(outline),
            name=name,
            style_function=lambda _f, mine=mine: {
                "color": "#1f4e79" if mine else "#5b7083",
                "weight": 3 if mine else 1,
                "fillColor": "#dce9f5" if mine else "#eef2f5",
                "fillOpacity": 0.3,
            },
            tooltip=name,
        ).add_to(outlines)
    if p.outline is not None and p.unit_code not in {c for c, *_ in p.counties}:
        folium.GeoJson(
            mapping(p.outline),
            style_function=lambda _f: {"color": "#1f4e79", "weight": 3, "fillOpacity": 0.1},
        ).add_to(outlines)
    for group, style in render.ROAD_STYLE.items():
        layer = folium.FeatureGroup(name=render.ROAD_LABEL[group]).add_to(m)
        features = [
            {"type": "Feature", "properties": {"code": code}, "geometry": mapping(geom)}
            for g, code, geom in p.roads
            if g == group and not geom.is_empty
        ]
        if features:
            folium.GeoJson(
                {"type": "FeatureCollection", "features": features},
                style_function=lambda _f, st=style: {
                    "color": st["color"],
                    "weight": st["width"] * 2,
                    "dashArray": "4 3" if "dashes" in st else None,
                },
                tooltip=folium.GeoJsonTooltip(fields=["code"], labels=False),
            ).add_to(layer)
    towns = folium.FeatureGroup(name="乡镇（街道）驻地").add_to(m)
    for name, seat in p.townships:
        folium.CircleMarker(
            [seat.y, seat.x],
            radius=3,
            color="#44546a",
            weight=1,
            fill=True,
            fill_color="#fff",
            fill_opacity=1,
            tooltip=name,
        ).add_to(towns)

    hazards = folium.FeatureGroup(name="隐患点和路段").add_to(m)
    for it in p.items:
        colour = (
            render.OPEN if it.state == "open" else render.CLOSED if it.state == "closed" else render.OTHER
        )
        popup = folium.Popup(_popup(it), max_width=320)
        tooltip = f"{it.no} {it.ledger_no}"
        classes = (
            f"hm-hazard hm-{it.state}"
            + (" hm-overdue" if it.overdue else "")
            + (" hm-supervised" if it.supervised else "")
        )
        if it.kind == "segment":
            coords: list[Any] = [[[y, x] for x, y in path] for path in render.paths(it.geom)]
            folium.PolyLine(
                coords,
                color=colour,
                weight=7,
                dash_array="12 5" if it.overdue else None,
                popup=popup,
                tooltip=tooltip,
                class_name=classes,
            ).add_to(hazards)
        else:
            folium.CircleMarker(
                [it.geom.y, it.geom.x],
                radius=7,
                color=render.OVERDUE if it.overdue else "#fff",
                weight=3 if it.overdue else 1.5,
                fill=True,
                fill_color=colour,
                fill_opacity=1,
                popup=popup,
                tooltip=tooltip,
                class_name=classes,
            ).add_to(hazards)
        if it.supervised:
            folium.CircleMarker(
                [it.at.y, it.at.x],
                radius=12,
                color=render.SUPERVISED,
                weight=2,
                fill=False,
                dash_array="4 2",
                class_name="hm-supervised-ring",
            ).add_to(hazards)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[y1, x1], [y2, x2]])
    root.html.add_child(folium.Element(_legend(p)))  # type: ignore[attr-defined]
    root.title = p.title  # type: ignore[attr-defined]
    page: str = root.render()
    return page


async def map_file(session: AsyncSession, code: str, f: HazardFilter) -> str:
    p = await service.poster(session, code, f, srid=4326, tolerance=TOLERANCE_DEG)
    return build(p)
