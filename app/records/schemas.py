"""The search's answer, for the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    id: int
    kind: Literal["point", "segment"]
    ledger_no: str
    status: str
    status_label: str = Field(description="the status in the request's language")
    category: str = Field(description="the category's name")
    county: str | None
    road: str | None = Field(description="the road's code")
    chainage: str | None = Field(description="桩号, K516+600 (a segment: from-to)")
    address: str | None
    description: str
    distance_m: int | None = Field(description="road search: metres along the road from the asked 桩号")
    url: str = Field(description="the record page")


class SearchAnswer(BaseModel):
    query: str
    match: Literal["ledger_no", "road", "text"] = Field(description="how the query was read")
    road: str | None = Field(default=None, description="road search: the road code read")
    chainage: str | None = Field(default=None, description="road search: the 桩号 read")
    exact: bool = Field(description="the first result's ledger number is the query")
    results: list[SearchHit]
