"""Photos made with Pillow in the test, and uploading them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.support.accounts import auth_headers


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), color: str = "orange", **save: Any) -> bytes:
    im = Image.new("RGB", size, color)
    # Something that is not flat, so that each format has real work to do.
    for x in range(0, size[0], 16):
        for y in range(min(size[1], 8)):
            im.putpixel((x, y), (0, 0, 255))
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def files_in(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


async def upload(
    client: httpx.AsyncClient,
    hazard_id: int,
    content: bytes,
    *,
    stage: str = "report",
    name: str = "photo.jpg",
    declared: str = "image/jpeg",
    caption: str | None = None,
    path: str = "hazards",
    user: str = "county_officer",
) -> httpx.Response:
    data = {"stage": stage} | ({"caption": caption} if caption is not None else {})
    return await client.post(
        f"/api/v1/{path}/{hazard_id}/photos",
        files={"file": (name, content, declared)},
        data=data,
        headers=auth_headers(user),
    )
