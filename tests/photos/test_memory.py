"""Decoding bombs and big photos: a 16-bit 7000×7000 PNG (a few hundred KB that would decode to about
550 MiB) is refused from its header, six at once leave the process's memory where it was; big
photos within the limits decode a few at a time and give their memory back."""

from __future__ import annotations

import asyncio
import functools
import resource
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from tests.support.hazards import GULOU, create, point
from tests.support.photos import files_in, upload

pytestmark = pytest.mark.asyncio
MIB = 2**20


@functools.cache
def flat_png(width: int, height: int, *, bits: int, channels: int = 3) -> bytes:
    """A black PNG written chunk by chunk (no bitmap is ever held): it compresses to almost nothing."""
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    row = b"\x00" + bytes(width * channels * bits // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, bits, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


@contextmanager
def peak_rss() -> Iterator[list[int]]:
    """The highest RSS seen (sampled every 5 ms) while the block runs: ``[peak]`` afterwards."""
    found = [rss()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            found[0] = max(found[0], rss())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield found
    finally:
        done.set()
        t.join()


async def photo_rows(engine: AsyncEngine) -> int:
    from sqlalchemy import text

    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM hazard_photos"))).scalar_one())


async def test_a_16_bit_bomb_is_refused_from_its_header(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    bomb = flat_png(7000, 7000, bits=16)
    assert len(bomb) < 400_000  # the file was 381 KB
    h = await create(client, "hazards", point(GULOU))
    before = rss()
    r = await upload(client, h["id"], bomb, name="scan.png", declared="image/png")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "field": "file",
            "message": "the image has more than 8 bits a channel (7000×7000 in mode RGB, 16 bits a "
            "channel); send a JPEG, PNG or WebP photo",
        }
    ]
    assert rss() - before < 50 * MIB
    assert await photo_rows(engine) == 0
    assert files_in(photo_dir) == []
    history = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert [e["action"] for e in history] == ["create"]


async def test_six_bombs_at_once_leave_the_memory_where_it_was(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    bombs = [flat_png(7000, 7000, bits=16), flat_png(7000, 7000, bits=16, channels=1)] * 3
    h = await create(client, "hazards", point(GULOU))
    with peak_rss() as peak:
        before = rss()
        answers = await asyncio.gather(
            *(upload(client, h["id"], b, name="scan.png", declared="image/png") for b in bombs)
        )
    assert [r.status_code for r in answers] == [422] * 6
    assert {r.json()["errors"][0]["field"] for r in answers} == {"file"}
    # Each would have cost ~550 MiB decoded (the issue: six took a server from 804 to 3,551 MiB).
    assert peak[0] - before < 100 * MIB, (peak[0] - before) / MIB
    assert await photo_rows(engine) == 0


async def test_big_photos_decode_a_few_at_a_time_and_give_the_memory_back(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six 6000×6000 PNGs (36 MP, within the limit; 137 MiB each decoded): with two decodes at a
    time the peak stays well under six bitmaps, and the memory goes back once they are done."""
    monkeypatch.setattr(get_settings(), "photo_decode_concurrency", 2)
    bitmap = 6000 * 6000 * 4
    photos = [flat_png(6000, 6000, bits=8) + bytes([i]) for i in range(6)]  # six distinct files
    h = await create(client, "hazards", point(GULOU))
    with peak_rss() as peak:
        before = rss()
        answers = await asyncio.gather(
            *(
                upload(client, h["id"], p, name=f"p{i}.png", declared="image/png")
                for i, p in enumerate(photos)
            )
        )
    assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers]
    grew = peak[0] - before
    assert grew < 3 * bitmap + 100 * MIB, grew / MIB  # two decodes at once, not six
    assert rss() - before < 100 * MIB, (rss() - before) / MIB  # and it was given back
    assert await photo_rows(engine) == 6
