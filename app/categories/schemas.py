from __future__ import annotations

from pydantic import BaseModel, Field

from app.vocab import Visibility


class CategoryOut(BaseModel):
    """A hazard category (隐患类别)."""

    code: str = Field(examples=["XL01"])
    group: str = Field(examples=["XL"])
    group_zh: str = Field(examples=["线形"])
    group_en: str = Field(examples=["alignment"])
    name_zh: str = Field(examples=["急弯"])
    name_en: str = Field(examples=["sharp curve"])
    usual_visibility: Visibility = Field(description="The visibility a new hazard of it gets by default.")
    active: bool = Field(description="Inactive categories stay for old rows; new hazards may not use them.")
