"""Evidence photos against the real PostGIS and a real photo store: content checks, storage, serving."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from tests.support.accounts import auth_headers
from tests.support.hazards import GULOU, LIUYUAN, create, point, segment
from tests.support.photos import files_in, image_bytes, upload


async def photo_rows(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM hazard_photos ORDER BY id"))
        return [dict(r._mapping) for r in rows]


@pytest.mark.parametrize(
    ("fmt", "media_type", "ext"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
async def test_each_format_is_stored_by_its_content(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, fmt: str, media_type: str, ext: str
) -> None:
    h = await create(client, "hazards", point(GULOU))
    content = image_bytes(fmt, (640, 480))
    r = await upload(
        client, h["id"], content, stage="report", caption="路口现场", name=f"x.{ext}", declared=media_type
    )
    assert r.status_code == 201, r.text
    body = r.json()
    sha = hashlib.sha256(content).hexdigest()
    assert (body["media_type"], body["sha256"], body["byte_size"], body["width"], body["height"]) == (
        media_type,
        sha,
        len(content),
        640,
        480,
    )
    assert (body["stage"], body["caption"], body["uploaded_by"], body["hazard_id"]) == (
        "report",
        "路口现场",
        "东昌府民警（t-officer）",
        h["id"],
    )
    assert r.headers["Location"] == f"/api/v1/photos/{body['id']}"
    stored = photo_dir / sha[:2] / sha[2:4] / f"{sha}.{ext}"
    assert stored.read_bytes() == content
    assert files_in(photo_dir) == sorted([stored, photo_dir / sha[:2] / sha[2:4] / f"{sha}.thumb.jpg"])

    got = await client.get(f"/api/v1/photos/{body['id']}")
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == media_type
    assert got.headers["etag"] == f'"{sha}"'
    assert got.headers["cache-control"] == "private, max-age=31536000, immutable"


async def test_a_png_named_jpg_and_declared_jpeg_is_stored_as_png(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    h = await create(client, "hazards", point(GULOU))
    content = image_bytes("PNG", (100, 50))
    r = await upload(client, h["id"], content, name="IMG_0001.jpg", declared="image/jpeg")
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == "image/png"
    sha = r.json()["sha256"]
    assert (photo_dir / sha[:2] / sha[2:4] / f"{sha}.png").read_bytes() == content
    got = await client.get(f"/api/v1/photos/{r.json()['id']}")
    assert got.headers["content-type"] == "image/png"
    assert [p["media_type"] for p in await photo_rows(engine)] == ["image/png"]


@pytest.mark.parametrize(
    "content",
    [
        b"this is a text file, not a photo\n",
        image_bytes("JPEG")[:2000],  # a truncated JPEG: the header is fine, the data is not
        image_bytes("GIF"),  # a real image, but not one of the three formats
    ],
    ids=["text", "truncated-jpeg", "gif"],
)
async def test_not_a_photo_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, content: bytes
) -> None:
    h = await create(client, "hazards", point(GULOU))
    r = await upload(client, h["id"], content, name="photo.jpg", declared="image/jpeg")
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["file"]
    assert await photo_rows(engine) == []
    assert files_in(photo_dir) == []
    history = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert [e["action"] for e in history] == ["create"]


async def test_over_the_size_limit_is_413_and_nothing_is_written(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await create(client, "hazards", point(GULOU))
    content = image_bytes("PNG", (400, 400))
    monkeypatch.setattr(get_settings(), "photo_max_bytes", len(content) - 1)
    r = await upload(client, h["id"], content, declared="image/png")
    assert r.status_code == 413, r.text
    assert r.json()["errors"][0]["field"] == "file"
    # Far beyond the limit, and chunked (no Content-Length): cut off while reading.
    monkeypatch.setattr(get_settings(), "photo_max_bytes", 1000)

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(200):
            yield b"\xff" * 4096

    r = await client.post(
        f"/api/v1/hazards/{h['id']}/photos",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413, r.text
    # A declared length over the limit is refused before the body is read.
    r = await client.post(
        f"/api/v1/hazards/{h['id']}/photos",
        content=b"x" * 70_000,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413
    assert await photo_rows(engine) == []
    assert files_in(photo_dir) == []


async def test_a_photo_beyond_the_default_json_limit_is_accepted(
    client: httpx.AsyncClient, photo_dir: Path
) -> None:
    # The JSON body limit (1 MiB) is not the photo limit (10 MiB).
    h = await create(client, "hazards", point(GULOU))
    noise = Image.frombytes("RGB", (1000, 600), os.urandom(1000 * 600 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > get_settings().max_body_bytes
    r = await upload(client, h["id"], out.getvalue(), declared="image/png")
    assert r.status_code == 201, r.text


async def test_too_many_pixels_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await create(client, "hazards", point(GULOU))
    monkeypatch.setattr(get_settings(), "photo_max_pixels", 100 * 100)
    r = await upload(client, h["id"], image_bytes("PNG", (200, 200)), declared="image/png")
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "file"
    assert "too large to decode" in r.json()["errors"][0]["message"]
    assert await photo_rows(engine) == []
    assert files_in(photo_dir) == []


async def test_fields_are_checked(client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path) -> None:
    h = await create(client, "hazards", point(GULOU))
    r = await upload(client, h["id"], image_bytes("JPEG"), stage="later")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "stage"
    # multipart, but no file part
    r = await client.post(f"/api/v1/hazards/{h['id']}/photos", files={"stage": (None, "report")})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "file"
    r = await client.post(f"/api/v1/hazards/{h['id']}/photos", json={"stage": "report"})
    assert r.status_code == 415
    r = await client.post(f"/api/v1/hazards/{h['id']}/photos", data={"stage": "report"})
    assert r.status_code == 415  # urlencoded cannot carry a photo
    r = await upload(client, 999_999, image_bytes("JPEG"))
    assert r.status_code == 404
    r = await upload(client, h["id"], image_bytes("JPEG"), path="segments")
    assert r.status_code == 404  # a point is not under /segments
    assert await photo_rows(engine) == []
    assert files_in(photo_dir) == []


async def test_same_bytes_twice_are_one_file_and_two_rows(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    a = await create(client, "hazards", point(GULOU))
    b = await create(client, "hazards", point(LIUYUAN))
    content = image_bytes("JPEG", color="green")
    r1 = await upload(client, a["id"], content)
    r2 = await upload(client, b["id"], content, stage="before")
    assert (r1.status_code, r2.status_code) == (201, 201)
    assert r1.json()["sha256"] == r2.json()["sha256"]
    assert r1.json()["id"] != r2.json()["id"]
    assert len(files_in(photo_dir)) == 2  # the photo and its thumbnail, once
    assert len(await photo_rows(engine)) == 2


async def test_etag_and_304(client: httpx.AsyncClient, photo_dir: Path) -> None:
    h = await create(client, "hazards", point(GULOU))
    p = (await upload(client, h["id"], image_bytes("WEBP"), declared="image/webp")).json()
    first = await client.get(f"/api/v1/photos/{p['id']}")
    tag = first.headers["etag"]
    assert tag == f'"{p["sha256"]}"'
    again = await client.get(f"/api/v1/photos/{p['id']}", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    other = await client.get(f"/api/v1/photos/{p['id']}", headers={"If-None-Match": '"abc"'})
    assert other.status_code == 200
    thumb = await client.get(f"/api/v1/photos/{p['id']}/thumbnail")
    assert (
        await client.get(
            f"/api/v1/photos/{p['id']}/thumbnail", headers={"If-None-Match": thumb.headers["etag"]}
        )
    ).status_code == 304


@pytest.mark.parametrize(
    ("size", "expected"), [((1600, 1200), (320, 240)), ((300, 900), (107, 320)), ((200, 100), (200, 100))]
)
async def test_thumbnail_dimensions(
    client: httpx.AsyncClient, photo_dir: Path, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    h = await create(client, "hazards", point(GULOU))
    p = (await upload(client, h["id"], image_bytes("PNG", size), declared="image/png")).json()
    r = await client.get(f"/api/v1/photos/{p['id']}/thumbnail")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(r.content)) as im:
        assert (im.format, im.size) == ("JPEG", expected)


async def test_exif_time_is_kept_and_the_thumbnail_has_no_exif(
    client: httpx.AsyncClient, photo_dir: Path
) -> None:
    h = await create(client, "hazards", point(GULOU))
    exif = Image.Exif()
    exif[0x0132] = "2026:03:02 09:30:00"
    exif.get_ifd(0x8769)[0x9003] = "2026:03:02 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (36.0, 27.0, 43.0)
    content = image_bytes("JPEG", exif=exif.tobytes())
    p = (await upload(client, h["id"], content)).json()
    # The camera's wall clock, without an offset: Beijing time.
    assert datetime.fromisoformat(p["taken_at"]) == datetime.fromisoformat("2026-03-02T09:30:00+08:00")
    original = await client.get(f"/api/v1/photos/{p['id']}")
    assert original.content == content  # evidence as uploaded, EXIF and all
    thumb = await client.get(f"/api/v1/photos/{p['id']}/thumbnail")
    with Image.open(io.BytesIO(thumb.content)) as im:
        assert dict(im.getexif()) == {}


async def test_list_soft_delete_and_history(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    h = await create(client, "hazards", point(GULOU))
    p1 = (await upload(client, h["id"], image_bytes("JPEG", color="red"), caption="一")).json()
    p2 = (await upload(client, h["id"], image_bytes("PNG"), stage="before", declared="image/png")).json()
    listed = (await client.get(f"/api/v1/hazards/{h['id']}/photos")).json()
    assert [p["id"] for p in listed] == [p1["id"], p2["id"]]
    assert listed[0]["links"] == [
        {"rel": "enclosure", "type": "image/jpeg", "href": f"http://testserver/api/v1/photos/{p1['id']}"},
        {
            "rel": "preview",
            "type": "image/jpeg",
            "href": f"http://testserver/api/v1/photos/{p1['id']}/thumbnail",
        },
    ]

    r = await client.delete(f"/api/v1/photos/{p1['id']}", headers=auth_headers("admin2"))
    assert r.status_code == 204
    assert [p["id"] for p in (await client.get(f"/api/v1/hazards/{h['id']}/photos")).json()] == [p2["id"]]
    assert (await client.get(f"/api/v1/photos/{p1['id']}")).status_code == 410
    assert (await client.delete(f"/api/v1/photos/{p1['id']}")).status_code == 410
    rows = await photo_rows(engine)
    assert rows[0]["deleted_at"] is not None and rows[0]["deleted_by"] == "第二管理员（t-admin2）"
    assert len(files_in(photo_dir)) == 4  # soft: the files stay

    events = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert [(e["action"], e["actor"], e["version"]) for e in events] == [
        ("create", "测试管理员（t-admin）", 1),
        ("photo_add", "东昌府民警（t-officer）", 1),
        ("photo_add", "东昌府民警（t-officer）", 1),
        ("photo_remove", "第二管理员（t-admin2）", 1),
    ]
    assert events[1]["changes"] == {
        "photo": {
            "id": p1["id"],
            "stage": "report",
            "sha256": p1["sha256"],
            "media_type": "image/jpeg",
            "caption": "一",
        }
    }
    assert events[3]["changes"]["photo"]["id"] == p1["id"]
    # Photos are never deleted for real.
    with pytest.raises(Exception, match="soft-deleted"):
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM hazard_photos"))


async def test_photos_of_a_deleted_hazard_are_gone(client: httpx.AsyncClient, photo_dir: Path) -> None:
    h = await create(client, "hazards", point(GULOU))
    p = (await upload(client, h["id"], image_bytes("JPEG"))).json()
    assert (await client.delete(f"/api/v1/hazards/{h['id']}", headers={"If-Match": '"1"'})).status_code == 204
    assert (await client.get(f"/api/v1/photos/{p['id']}")).status_code == 410
    assert (await client.get(f"/api/v1/photos/{p['id']}/thumbnail")).status_code == 410
    assert (await client.get(f"/api/v1/hazards/{h['id']}/photos")).status_code == 410
    assert (await upload(client, h["id"], image_bytes("PNG"), declared="image/png")).status_code == 410
    assert (await client.get("/api/v1/photos/999999")).status_code == 404


async def test_segments_take_photos_too(client: httpx.AsyncClient, photo_dir: Path) -> None:
    s = await create(client, "segments", segment([(115.95, 36.46), (115.96, 36.465)]))
    r = await upload(client, s["id"], image_bytes("JPEG"), path="segments", stage="before")
    assert r.status_code == 201, r.text
    assert [p["id"] for p in (await client.get(f"/api/v1/segments/{s['id']}/photos")).json()] == [
        r.json()["id"]
    ]
    assert (await client.get(f"/api/v1/hazards/{s['id']}/photos")).status_code == 404


async def test_a_photo_without_a_thumbnail_is_refused_and_no_row_is_written(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.photos import imaging

    def cannot(*_: object) -> None:
        raise OSError("cannot convert this mode")

    monkeypatch.setattr(imaging, "thumbnail", cannot)
    h = await create(client, "hazards", point(GULOU))
    r = await upload(client, h["id"], image_bytes("JPEG"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "file"
    assert await photo_rows(engine) == []
    # The original may stay as an orphan (harmless); never a thumbnail half-written, never a row.
    assert [p.name.endswith(".jpg") and ".thumb." not in p.name for p in files_in(photo_dir)] == [True]
