from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from geojson_pydantic import Feature, LineString, MultiLineString
from pydantic import BaseModel, Field

from app.geojson import Link
from app.vocab import RoadClass, RoadGroup


class RoadProperties(BaseModel):
    id: int
    code: str = Field(examples=["G309"], description="Route code (GB/T 917).")
    name: str = Field(examples=["青兰线"])
    # "class" is what the users and the query parameter call it.
    class_: RoadClass = Field(alias="class")
    class_name: str = Field(examples=["国道"])
    road_group: RoadGroup
    road_group_name: str = Field(examples=["普通国省道"])
    start_chainage_m: float = Field(description="桩号 where this piece's line starts, in metres.")
    end_chainage_m: float
    length_m: float
    chainage: str | None = Field(examples=["K516+000-K540+300"])
    schematic: bool = Field(description="A schematic line for demos, not a surveyed road.")
    source: str | None


class RoadFeature(Feature[LineString | MultiLineString, RoadProperties]):
    """A road, or one piece of a route."""


class RoadCollection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int
    numberReturned: int
    timeStamp: str
    links: list[Link]
    features: list[RoadFeature]


@dataclass(frozen=True)
class RoadFilter:
    bbox: tuple[float, float, float, float] | None = None
    road_group: list[str] | None = None
    road_class: list[str] | None = None
    code: list[str] | None = None
