from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(max_length=32, examples=["zhangsan"])
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    expires_in: int = Field(description="Seconds until the token expires")


class Me(BaseModel):
    kind: str = Field(description="user or key")
    login: str
    display_name: str
    role: str
    role_zh: str
    jurisdictions: list[str]
    permissions: list[str]
    csrf_token: str | None = Field(None, description="For a browser session: send it in X-CSRF-Token")
