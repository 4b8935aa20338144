"""The shapes of the statistics responses (documentation and test validation; PostGIS builds the JSON)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class Tally(BaseModel):
    found: int
    open: int
    closed: int
    overdue: int


class CategoryTally(Tally):
    code: str
    name_zh: str
    name_en: str


class WeeklySeries(BaseModel):
    found: list[int] = Field(description="发现: hazards created in the week")
    closed: list[int] = Field(description="销号: hazards closed in the week")
    open: list[int] = Field(description="未销号 at the week's end (now, for the current week)")
    overdue: list[int] = Field(
        description="超期 at the week's end: open, and due (deadline or claim) before its last day"
    )


class Week(BaseModel):
    week: str = Field(examples=["2026-W48"], description="ISO week, in the users' time zone")
    start: date = Field(description="its Monday")


class UnitStats(BaseModel):
    """One county, development zone or the whole city."""

    code: str
    name: str
    level: str = Field(description="city, county or zone")
    found: int = Field(description="发现: every hazard not deleted, but for duplicates")
    open: int = Field(description="未销号: reported, claimed, rectifying or rectified")
    closed: int = Field(description="已销号")
    rejected: int = Field(description="不予认定")
    duplicate: int = Field(description="重复: reported again; neither found nor in the rates")
    rectification_rate: float | None = Field(
        description="整改率 = closed / (found − rejected); null when nothing was accepted"
    )
    overdue: int = Field(
        description="超期: open, and past its deadline (Beijing days) or not claimed within "
        "HAZARDMAP_CLAIM_WITHIN_DAYS of its report"
    )
    supervised: int = Field(
        description="挂牌督办: hazards listed for supervision and not yet delisted (摘牌)"
    )
    closed_on_time: int = Field(
        description="按期销号: closed (through the workflow) on or before the deadline"
    )
    on_time_rate: float | None = Field(
        description="按期整改率 = closed_on_time / closed with a deadline and a recorded close-out time; "
        "null when there is none (closed rows imported without the workflow are not judged)"
    )
    by_road_group: dict[str, Tally] = Field(
        description="per road group (expressway, trunk, county_township, rural) and 'none' (on no known road)"
    )
    by_grade: dict[str, Tally]
    by_category: list[CategoryTally] = Field(description="categories with at least one hazard, most first")
    weekly: WeeklySeries = Field(description="one value per week of Stats.weeks, oldest first")


class Stats(BaseModel):
    as_of: datetime
    today: date = Field(description="the date overdue is measured against, in the users' time zone")
    timezone: str
    supervision_tracked: bool = Field(
        description="true: 'supervised' counts listed hazards (挂牌督办); it was false before the workflow"
    )
    weeks: list[Week] = Field(description="the weeks of the weekly series, oldest first")
    city: UnitStats
    counties: list[UnitStats] = Field(description="every county and development zone of the city, even empty")


class GridCell(BaseModel):
    lon: float
    lat: float
    count: int
    open: int
    closed: int
    rejected: int
    overdue: int
    supervised: int = Field(description="under listed supervision (挂牌督办)")


class Grid(BaseModel):
    """Hazards counted per square cell of a viewport: what a map draws at low zoom instead of every pin."""

    cell: float = Field(description="cell size in degrees")
    total: int
    cells: list[GridCell]
