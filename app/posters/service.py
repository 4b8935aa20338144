"""The wall map (挂图) of the city or a county: what goes on it, read from PostGIS; drawn by render.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import shapely
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import NotFound, invalid
from app.hazards import service as hazards
from app.hazards.schemas import HazardFilter
from app.posters import render, repository
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, Grade, JurisdictionLevel, RoadGroup, Status, Visibility

SIZES = tuple(render.SIZES_MM)
ORIENTATIONS = ("landscape", "portrait")
# A PNG larger than this many pixels is refused (an A0 at 300 dpi would be 140 million).
MAX_PIXELS = 80_000_000
DPI_MIN, DPI_MAX = 36, 600
# The outlines and roads are simplified to this many metres: far below a printed line's width at A0.
TOLERANCE_M = 5.0
# Shown unless a status filter is given: open and closed, not the rejected nor the duplicates.
SHOWN_STATUSES = [s.value for s in (*OPEN_STATUSES, Status.closed)]


def check_sheet(size: str, orientation: str) -> None:
    if size not in SIZES:
        raise invalid("size", f"unknown paper size {size!r}; one of {', '.join(SIZES)}")
    if orientation not in ORIENTATIONS:
        raise invalid("orientation", f"one of {', '.join(ORIENTATIONS)}")


def check_dpi(size: str, orientation: str, dpi: int) -> None:
    if not DPI_MIN <= dpi <= DPI_MAX:
        raise invalid("dpi", f"must lie between {DPI_MIN} and {DPI_MAX}")
    w, h = render.pixels(size, orientation, dpi)
    if w * h > MAX_PIXELS:
        raise invalid(
            "dpi", f"{w} × {h} pixels is more than {MAX_PIXELS:,}; ask a lower dpi or a smaller size"
        )


def _filter_text(f: HazardFilter, defaulted: bool) -> str:
    parts = []
    if defaulted:
        parts.append("状态：未销号和已销号（不含不予认定、重复）")
    elif f.status:
        parts.append("状态：" + "、".join(Status(s).zh for s in f.status))
    if f.road_group:
        parts.append("道路：" + "、".join(RoadGroup(g).zh for g in f.road_group))
    if f.road:
        parts.append("路线：" + "、".join(f.road))
    if f.category:
        parts.append("类别：" + "、".join(f.category))
    if f.grade:
        parts.append("等级：" + "、".join(Grade(g).zh for g in f.grade))
    if f.visibility:
        parts.append("显性/隐性：" + "、".join(Visibility(v).zh for v in f.visibility))
    if f.township:
        parts.append("乡镇：" + "、".join(f.township))
    return "筛选——" + "；".join(parts)


def _rate(closed: int, found: int, rejected: int) -> str:
    accepted = found - rejected
    return f"{closed / accepted * 100:.1f}%" if accepted > 0 else "—"


async def check(
    session: AsyncSession, code: str, f: HazardFilter, size: str, orientation: str, srid: int | None = None
) -> repository.Frame:
    """Refuse what cannot become a wall map (as the poster's request would be refused); its frame."""
    check_sheet(size, orientation)
    settings = get_settings()
    frame = await repository.frame(session, code, settings.city_code, srid or settings.metric_srid)
    if frame is None:
        # The path names no place: there is no such wall map (as for any unknown resource).
        raise NotFound(f"no city, county or development zone {code}")
    if frame.level not in (JurisdictionLevel.city, JurisdictionLevel.county, JurisdictionLevel.zone):
        raise invalid("jurisdiction", "a wall map is made of the city, a county or a development zone")
    await hazards.check_codes(session, f)
    county = None if frame.level == JurisdictionLevel.city else code
    if county and f.county and county not in f.county:
        raise invalid("county", f"the wall map is of {code}; a county filter must name it or be left out")
    return frame


async def poster(
    session: AsyncSession,
    code: str,
    f: HazardFilter,
    size: str = "A1",
    orientation: str = "landscape",
    *,
    srid: int | None = None,
    tolerance: float = TOLERANCE_M,
) -> render.Poster:
    """Read what the poster of ``code`` shows, with the list's filter ``f``, in the metric projection
    (or in ``srid``: 4326 for the HTML map file, with ``tolerance`` in degrees)."""
    settings = get_settings()
    srid = srid or settings.metric_srid
    frame = await check(session, code, f, size, orientation, srid)
    defaulted = f.status is None
    county = None if frame.level == JurisdictionLevel.city else code
    where = replace(
        f, status=SHOWN_STATUSES if defaulted else f.status, county=[county] if county else f.county
    )
    open_statuses = [s.value for s in OPEN_STATUSES]
    now = clock.now()
    rows = await repository.hazards(session, where, srid, open_statuses, now.date())
    context = await repository.context(session, frame, srid, tolerance)
    totals = await repository.counts(session, county, open_statuses, now.date())
    outlines, schematic = await repository.sources(session)

    items = [
        render.Item(
            no=r.no,
            kind=r.kind,
            ledger_no=r.ledger_no,
            road=" ".join(x for x in (r.road_code, r.chainage) if x),
            category=r.category or "",
            status=Status(r.status).zh,
            state="open" if r.is_open else "closed" if r.status == Status.closed else "other",
            deadline=r.deadline,
            overdue=bool(r.overdue),
            supervised=r.supervision_level is not None,
            geom=shapely.from_wkb(r.geom),
            at=shapely.from_wkb(r.at),
        )
        for r in rows
    ]
    name = frame.name
    attribution = "数据来源：行政区划 " + "；".join(outlines) if outlines else "数据来源：本系统"
    attribution += "；道路为示意路网（非测绘成果）" if schematic else "；道路 本系统路网"
    attribution += "；隐患 本系统台账。投影 " + f"EPSG:{srid}。"
    return render.Poster(
        title=f"{name}道路交通安全隐患分布图",
        unit_name=name,
        made_at=now,
        filter_text=_filter_text(f, defaulted),
        counts={
            "发现": str(totals.found),
            "未销号": str(totals.open),
            "已销号": str(totals.closed),
            "整改率": _rate(totals.closed, totals.found, totals.rejected),
            "超期": str(totals.overdue),
            "挂牌督办": str(totals.supervised),
        },
        notes=[
            f"以上为{name}全部台账的数字（重复上报不计入发现和整改率）；图中按筛选显示 {len(items)} 处，"
            "编号与下表对应。"
        ],
        box=frame.box,
        outline=shapely.from_wkb(frame.outline) if frame.outline else None,
        unit_code=frame.code,
        counties=[
            (
                c.code,
                c.name,
                shapely.from_wkb(c.geom) if c.geom else None,
                shapely.from_wkb(c.at) if c.at else None,
            )
            for c in context
            if c.kind == "county"
        ],
        townships=[(t.name, shapely.from_wkb(t.at)) for t in context if t.kind == "township"],
        roads=[(r.grp, r.code, shapely.from_wkb(r.geom)) for r in context if r.kind == "road" and r.geom],
        items=items,
        attribution=attribution,
        size=size,
        orientation=orientation,
    )


async def pdf(session: AsyncSession, code: str, f: HazardFilter, size: str, orientation: str) -> bytes:
    p = await poster(session, code, f, size, orientation)
    # Drawing is CPU work: off the event loop.
    return await asyncio.to_thread(render.pdf, p)


async def png(
    session: AsyncSession, code: str, f: HazardFilter, size: str, orientation: str, dpi: int
) -> bytes:
    check_sheet(size, orientation)
    check_dpi(size, orientation, dpi)
    p = await poster(session, code, f, size, orientation)
    return await asyncio.to_thread(render.png, p, dpi)
