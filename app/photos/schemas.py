from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PhotoLink(BaseModel):
    rel: Literal["enclosure", "preview"]
    type: str
    href: str


class Photo(BaseModel):
    """An evidence photo of a hazard; the bytes are at the `enclosure` link, a JPEG thumbnail at `preview`."""

    id: int
    hazard_id: int
    stage: Literal["report", "before", "after"] = Field(
        description="report 上报, before 整改前, after 整改后"
    )
    media_type: Literal["image/jpeg", "image/png", "image/webp"] = Field(
        description="From the content, not from the name or the declared type"
    )
    sha256: str = Field(description="Of the stored bytes; also the ETag of the photo")
    byte_size: int
    width: int
    height: int
    taken_at: datetime | None = Field(description="From the photo's EXIF, when it has one")
    uploaded_by: str | None
    uploaded_at: datetime
    caption: str | None
    links: list[PhotoLink]


class PhotoUpload(BaseModel):
    """multipart/form-data."""

    model_config = ConfigDict(extra="forbid")

    file: bytes = Field(
        json_schema_extra={
            "format": "binary",
            "x-rules": "A complete JPEG, PNG or WebP image, within the size limits.",
        },
        description="JPEG, PNG or WebP",
    )
    stage: Literal["report", "before", "after"]
    caption: str | None = Field(default=None, max_length=2000)
