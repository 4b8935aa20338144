from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


CODE_PATTERN = r"^[A-Z]{2}[0-9]{2}$"
GROUP_PATTERN = r"^[A-Z]{2}$"
# Something besides white space (which is stripped).
VISIBLE = r"\S"


class CategoryIn(BaseModel):
    """A new category. Its code is its group's two letters and two digits (``XL06``); a new group
    needs its names (``group_zh``, ``group_en``), an existing group keeps its own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_PATTERN, examples=["XL06"])
    group: str = Field(pattern=GROUP_PATTERN, examples=["XL"])
    group_zh: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=16)
    group_en: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, pattern=VISIBLE, max_length=64, examples=["反向弯道"])
    name_en: str = Field(min_length=1, pattern=VISIBLE, max_length=128, examples=["reverse curve"])
    usual_visibility: Visibility = Visibility.explicit


class CategoryPatch(BaseModel):
    """Changes to a category; ``active: false`` retires it (never deleted: hazards reference it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    group: str | None = Field(default=None, pattern=GROUP_PATTERN)
    group_zh: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=16)
    group_en: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=32)
    name_zh: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=64)
    name_en: str | None = Field(default=None, pattern=VISIBLE, min_length=1, max_length=128)
    usual_visibility: Visibility | None = None
    active: bool | None = None
