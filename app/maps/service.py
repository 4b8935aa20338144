"""What each page is given: the words in its language, the place it shows, and where its data comes from.

Pages carry no hazards: their scripts load them from the API by viewport, so a page weighs the same
for a county with twenty hazards or twenty thousand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.basemaps import catalog as basemap_catalog
from app.clock import day_of, today
from app.errors import NotFound
from app.hazards.schemas import HazardFilter
from app.maps import repository
from app.paths import API_PREFIX
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, Direction, Grade, RoadGroup, Status, Visibility
from app.web import i18n
from app.web.settings import get_map_settings

# Below this zoom a map asks for counts per grid cell first, and loads single hazards only when
# the viewport holds few enough; from it on, single hazards always (a few streets hold few).
DETAIL_ZOOM = 14
MAX_FEATURES = 2000


def _api(request: Request) -> dict[str, str]:
    base = request.scope.get("root_path", "") + API_PREFIX
    return {
        "hazards": f"{base}/hazards",
        "segments": f"{base}/segments",
        "photos": f"{base}/photos",
        "roads": f"{base}/roads",
        "jurisdictions": f"{base}/jurisdictions",
        "categories": f"{base}/categories",
        "stats": f"{base}/stats",
        "grid": f"{base}/stats/grid",
        "candidates": f"{base}/detections/candidates",
        "density": f"{base}/crashes/density",
        "export": f"{base}/export",
        "posters": f"{base}/posters",
        "map_files": f"{base}/maps",
        "detection_jobs": f"{base}/detections/jobs",
        "reports": f"{base}/reports",
        "report_jobs": f"{base}/reports/jobs",
    }


def filter_form(only: HazardFilter) -> dict[str, Any]:
    """What the filter form shows as chosen, from the filters the address carries."""

    def one(values: list[str] | None) -> str:
        return values[0] if values and len(values) == 1 else ""

    def day(moment: Any) -> str:
        return day_of(moment).isoformat() if moment is not None else ""

    status = one(only.status)
    if only.status and set(only.status) == {s.value for s in OPEN_STATUSES}:
        status = "open"
    return {
        "status": status,
        "category": one(only.category),
        "grade": one(only.grade),
        "visibility": one(only.visibility),
        "township": one(only.township),
        "road_group": one(only.road_group),
        "road_groups_hidden": [g for g in RoadGroup.codes() if only.road_group and g not in only.road_group],
        "overdue": only.overdue is True,
        "supervised": only.supervised is True,
        "reported_from": day(only.reported_from),
        "reported_to": day(only.reported_to),
    }


async def _common(session: AsyncSession, request: Request, lang: str) -> dict[str, Any]:
    city_code = get_settings().city_code
    city = await repository.place(session, city_code, city_code)
    network = await repository.road_network(session)
    t = i18n.strings(lang)
    credits = [t["boundary_credit"]]
    if network["schematic"]:
        credits.append(t["schematic_roads"])
    return {
        "lang": lang,
        "root": request.scope.get("root_path", ""),
        "t": t,
        "vocab": i18n.vocab(lang),
        "open_statuses": [s.value for s in OPEN_STATUSES],
        "road_groups": RoadGroup.codes(),
        "api": _api(request),
        "basemaps": basemap_catalog.page_config(request.scope.get("root_path", ""), lang),
        "credits": credits,
        "city": city,
    }


async def map_page(
    session: AsyncSession, request: Request, lang: str, code: str | None, only: HazardFilter
) -> dict[str, Any]:
    city_code = get_settings().city_code
    config = await _common(session, request, lang)
    county = None
    if code is not None:
        county = await repository.place(session, code, city_code)
        if county is None or county["level"] == "city":
            raise NotFound(f"no county or development zone {code} in this city")
    categories = await repository.categories(session)
    config.update(
        page="map",
        county=county,
        limits={"detail_zoom": DETAIL_ZOOM, "max_features": MAX_FEATURES},
        # For accepting an accident-prone candidate into the ledger: the category it is recorded under.
        categories=[
            {"code": c["code"], "name": c["name_zh" if lang == "zh" else "name_en"]} for c in categories
        ],
    )
    return {
        "config": config,
        "units": await repository.units(session, city_code),
        "categories": categories,
        "statuses": Status.codes(),
        "grades": Grade.codes(),
        "visibilities": Visibility.codes(),
        "townships": await repository.townships(session, county["code"] if county else None, city_code),
        "form": filter_form(only),
        "filter_page": "map",
        "exports": None,
    }


def report_periods(day: date, lang: str) -> list[tuple[str, str]]:
    """The periods the report page offers, newest first: this year's quarters and half-years so far
    and last year's, then the years (code, label)."""
    quarter, half = (day.month - 1) // 3 + 1, 1 if day.month <= 6 else 2
    out: list[tuple[str, str]] = []
    for year in (day.year, day.year - 1):
        out += [
            (f"{year}Q{q}", f"{year}年第{'一二三四'[q - 1]}季度" if lang == "zh" else f"{year} Q{q}")
            for q in range(4 if year < day.year else quarter, 0, -1)
        ]
        out += [
            (f"{year}H{h}", f"{year}年{'上下'[h - 1]}半年" if lang == "zh" else f"{year} H{h}")
            for h in range(2 if year < day.year else half, 0, -1)
        ]
    out += [(str(y), f"{y}年" if lang == "zh" else str(y)) for y in (day.year, day.year - 1, day.year - 2)]
    return out


async def reports_page(session: AsyncSession, request: Request, lang: str) -> dict[str, Any]:
    """The report page: the period, the city or a county, the format; the report is made by a job."""
    city_code = get_settings().city_code
    config = await _common(session, request, lang)
    config.update(page="reports")
    return {
        "config": config,
        "units": await repository.units(session, city_code),
        "periods": report_periods(today(), lang),
    }


async def wall_page(
    session: AsyncSession,
    request: Request,
    lang: str,
    refresh_s: float | None,
    rotate_s: float | None,
    alarm_s: float | None = None,
) -> dict[str, Any]:
    s = get_map_settings()
    config = await _common(session, request, lang)
    config.update(
        page="wall",
        refresh_s=refresh_s if refresh_s is not None else s.wall_refresh_s,
        rotate_s=rotate_s if rotate_s is not None else s.wall_rotate_s,
        alarm_s=alarm_s if alarm_s is not None else s.wall_alarm_s,
    )
    return {"config": config, "units": await repository.units(session, get_settings().city_code)}


async def field_page(session: AsyncSession, request: Request, lang: str) -> dict[str, Any]:
    config = await _common(session, request, lang)
    categories = await repository.categories(session)
    map_settings = get_map_settings()
    root = request.scope.get("root_path", "")
    config.update(
        page="field",
        usual_visibility={c["code"]: c["usual_visibility"] for c in categories},
        category_names={c["code"]: c["name_zh" if lang == "zh" else "name_en"] for c in categories},
        field={
            "accuracy_warn_m": map_settings.field_accuracy_warn_m,
            "snap_distance_m": get_settings().snap_distance_m,
            "area": f"{root}{API_PREFIX}/field/area",
            "service_worker": f"{root}/field/sw.js",
            "scope": f"{root}/field",
            "login": f"{root}/login",
            "record": f"{root}/hazards",
        },
    )
    return {
        "config": config,
        "categories": categories,
        "grades": Grade.codes(),
        "visibilities": Visibility.codes(),
        "directions": Direction.codes(),
    }
