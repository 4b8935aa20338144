from __future__ import annotations

from enum import StrEnum
from typing import Literal

from geojson_pydantic import Feature, MultiPolygon, Point
from pydantic import BaseModel, Field

from app.geojson import Link
from app.vocab import JurisdictionLevel


class GeometryChoice(StrEnum):
    outline = "outline"
    centre = "centre"
    none = "none"


class JurisdictionProperties(BaseModel):
    code: str = Field(examples=["371502"], description="adcode, or an internal code for a development zone.")
    name: str = Field(examples=["东昌府区"])
    level: JurisdictionLevel
    level_name: str = Field(examples=["县(市、区)"])
    parent: str | None = Field(examples=["371500"])
    parent_name: str | None = Field(examples=["聊城市"])
    has_outline: bool = Field(description="Township outlines are not published; they have a centre only.")
    has_centre: bool
    source: str | None


class JurisdictionFeature(Feature[MultiPolygon | Point, JurisdictionProperties]):
    """A jurisdiction: its outline (MultiPolygon), its centre (Point), or no geometry (null)."""


class JurisdictionCollection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int
    numberReturned: int
    timeStamp: str
    links: list[Link]
    features: list[JurisdictionFeature]
