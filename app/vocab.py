"""The users' vocabulary: codes stored in the database, with their Chinese and English labels.

Stored values are short English codes (stable, ASCII, easy in URLs); pages and exports show
the Chinese label first.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A code with a Chinese and an English label."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Labelled:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.en = en
        return obj

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]


class JurisdictionLevel(Labelled):
    city = ("city", "市", "city")
    county = ("county", "县(市、区)", "county")
    zone = ("zone", "开发区", "development zone")
    township = ("township", "乡镇(街道)", "township")
    village = ("village", "村(社区)", "village")


class RoadClass(Labelled):
    expressway = ("expressway", "高速公路", "expressway")
    national = ("national", "国道", "national road")
    provincial = ("provincial", "省道", "provincial road")
    county = ("county", "县道", "county road")
    township = ("township", "乡道", "township road")
    village = ("village", "村道", "village road")


class RoadGroup(Labelled):
    """The four road layers the plan names (高速公路, 普通国省道, 县乡道, 农村道路)."""

    expressway = ("expressway", "高速公路", "expressways")
    trunk = ("trunk", "普通国省道", "national and provincial roads")
    county_township = ("county_township", "县乡道", "county and township roads")
    rural = ("rural", "农村道路", "rural roads")


ROAD_GROUP_OF_CLASS: dict[RoadClass, RoadGroup] = {
    RoadClass.expressway: RoadGroup.expressway,
    RoadClass.national: RoadGroup.trunk,
    RoadClass.provincial: RoadGroup.trunk,
    RoadClass.county: RoadGroup.county_township,
    RoadClass.township: RoadGroup.county_township,
    RoadClass.village: RoadGroup.rural,
}


class HazardKind(Labelled):
    point = ("point", "隐患点", "hazard point")
    segment = ("segment", "事故易发多发路段", "accident-prone segment")


class Visibility(Labelled):
    explicit = ("explicit", "显性", "explicit (visible on site)")
    implicit = ("implicit", "隐性", "implicit (found by analysis)")


class Grade(Labelled):
    general = ("general", "一般", "general")
    significant = ("significant", "较大", "significant")
    major = ("major", "重大", "major")


class Source(Labelled):
    inspection = ("inspection", "排查发现", "field inspection")
    crash_analysis = ("crash_analysis", "事故分析", "crash analysis")
    public_report = ("public_report", "群众举报", "public report")
    procuratorate = ("procuratorate", "检察建议", "procuratorate")
    project_review = ("project_review", "项目审查", "road-project review")


class Status(Labelled):
    reported = ("reported", "已上报", "reported")
    claimed = ("claimed", "已认领", "claimed")
    rectifying = ("rectifying", "整改中", "rectifying")
    rectified = ("rectified", "已整改", "rectified")
    closed = ("closed", "已销号", "closed")
    rejected = ("rejected", "不予认定", "rejected")
    duplicate = ("duplicate", "重复(已合并)", "duplicate (merged)")


#: Statuses that count as open (未销号) in the ledger and on the map.
OPEN_STATUSES = (Status.reported, Status.claimed, Status.rectifying, Status.rectified)


class Direction(Labelled):
    decreasing = ("1", "下行(桩号递减)", "decreasing chainage")
    increasing = ("2", "上行(桩号递增)", "increasing chainage")
    both = ("3", "双向", "both directions")


def sql_in(values: list[str]) -> str:
    """Render codes for a CHECK constraint: the values are our own constants, never input."""
    return ", ".join(f"'{v}'" for v in values)
