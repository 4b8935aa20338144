"""Adding, reading and removing the evidence photos of a hazard or segment.

Order of an upload: the body is read bounded (app.photos.upload) into a spooled temporary file; its
content is checked by decoding it (app.photos.imaging); the file and its thumbnail are written
(app.photos.storage); then the row is inserted, which a trigger records in the hazard's history.
Files first: if the transaction then fails, an orphan file is left, never a row without its file.

EXIF and GPS: the stored file is the uploaded bytes, unchanged, and its sha256 is the ETag. A photo
is evidence, and evidence that was re-encoded on the server can no longer be matched to the phone's
original; the position and time in its EXIF are part of what it proves. What leaves the service
without metadata is the thumbnail (re-encoded, no EXIF). The external ``agency`` role is served no
photos at all; should it be granted photos later, it is to get a re-encoded copy without EXIF (as
the thumbnail is made), never the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from app.accounts.permissions import Principal, check_county
from app.errors import (
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    invalid,
)
from app.paths import collection_of
from app.photos import imaging, storage
from app.photos import repository as repo
from app.photos.imaging import EXTENSIONS, Inspected
from app.photos.models import STAGES
from app.photos.upload import CAPTION_MAX, Upload
from app.settings import get_settings
from app.vocab import HazardKind


async def _hazard(
    session: AsyncSession, kind: HazardKind, hazard_id: int, lock: bool = False
) -> repo.HazardState:
    found = await repo.hazard(session, hazard_id, lock)
    if found is None or found.kind != kind.value:
        raise NotFound(detail=f"there is no {kind.en} with id {hazard_id} under /{collection_of(kind)}")
    if found.deleted:
        raise Gone(detail=f"{kind.en} {hazard_id} has been deleted; its photos are no longer served")
    return found


def _check_fields(upload: Upload) -> str:
    if upload.stage is None:
        raise invalid("stage", f"required: one of {', '.join(STAGES)} ({', '.join(STAGES.values())})")
    if upload.stage not in STAGES:
        raise invalid("stage", f"unknown stage '{upload.stage}'; one of: {', '.join(STAGES)}")
    if upload.caption is not None and len(upload.caption) > CAPTION_MAX:
        raise invalid("caption", f"at most {CAPTION_MAX} characters")
    return upload.stage


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    inspected: Inspected


def _store(fp: IO[bytes]) -> Stored:
    """Check the bytes and write the file and its thumbnail (blocking: run in a worker thread)."""
    settings = get_settings()
    fp.seek(0, 2)
    size = fp.tell()
    if size == 0:
        raise invalid("file", "the file is empty")
    if size > settings.photo_max_bytes:
        raise PayloadTooLarge(
            detail=f"a photo must be at most {settings.photo_max_bytes} bytes; this one has {size}",
            errors=[FieldError("file", f"{size} bytes, more than {settings.photo_max_bytes}")],
        )
    with imaging.decoding(settings.photo_decode_concurrency):
        return _check_and_write(fp, size)


def _check_and_write(fp: IO[bytes], size: int) -> Stored:
    settings = get_settings()
    try:
        seen = imaging.inspect(fp, settings.photo_max_pixels)
    except imaging.TooManyPixels as exc:
        raise invalid("file", f"the image is too large to decode ({exc})") from exc
    except imaging.TooDeep as exc:
        raise invalid(
            "file", f"the image has more than 8 bits a channel ({exc}); send a JPEG, PNG or WebP photo"
        ) from exc
    except imaging.NotAPhoto as exc:
        raise UnsupportedMediaType(
            detail="file: not a JPEG, PNG or WebP image that decodes completely",
            errors=[FieldError("file", f"not a complete JPEG, PNG or WebP image ({exc})")],
        ) from exc
    sha = storage.sha256_of(fp)
    storage.write_once(storage.path_of(sha, seen.extension), storage.copy_from(fp))
    size_px = settings.photo_thumbnail_px
    try:
        storage.write_once(storage.thumbnail_path(sha), lambda out: imaging.thumbnail(fp, out, size_px))
    except (OSError, ValueError) as exc:
        # It decoded, yet Pillow cannot convert it (an exotic pixel mode): refuse it rather than keep
        # a photo that no list can show. The original already written is an orphan, harmless.
        raise invalid("file", f"the image decodes but cannot be made into a thumbnail ({exc})") from exc
    return Stored(sha, size, seen)


async def add(
    session: AsyncSession, kind: HazardKind, hazard_id: int, upload: Upload, principal: Principal, base: str
) -> tuple[int, str, bool]:
    """The photo's id and JSON, and whether it is new (False: these bytes were already there)."""
    actor = principal.actor
    # Refused before the file is stored: an officer adds photos only to the hazards of their counties.
    check_county(principal, (await _hazard(session, kind, hazard_id)).county_code)
    stage = _check_fields(upload)
    stored = await run_in_threadpool(_store, upload.file.file)
    await _hazard(session, kind, hazard_id, lock=True)  # still there, and stays until we commit
    # A phone that lost the answer to its upload sends the photo again: the same bytes at the same
    # stage of the same hazard are that photo, not a second one (and not a second history event).
    same = await repo.same_photo(session, hazard_id, stage, stored.sha256)
    if same is not None:
        return same, await repo.one_json(session, same, base), False
    await repo.set_actor(session, actor)
    new_id = await repo.insert(
        session,
        repo.NewPhoto(
            hazard_id=hazard_id,
            stage=stage,
            sha256=stored.sha256,
            media_type=stored.inspected.media_type,
            byte_size=stored.size,
            width=stored.inspected.width,
            height=stored.inspected.height,
            taken_at=stored.inspected.taken_at,
            uploaded_by=actor,
            caption=upload.caption,
        ),
    )
    return new_id, await repo.one_json(session, new_id, base), True


async def list_json(session: AsyncSession, kind: HazardKind, hazard_id: int, base: str) -> str:
    await _hazard(session, kind, hazard_id)
    return await repo.list_json(session, hazard_id, base)


async def _photo(session: AsyncSession, photo_id: int, lock: bool = False) -> repo.Photo:
    found = await repo.one(session, photo_id, lock)
    if found is None:
        raise NotFound(detail=f"there is no photo with id {photo_id}")
    # A photo goes with its hazard: deleted hazard, photo gone too (as the hazard answers 410).
    if found.hazard_deleted:
        raise Gone(detail=f"photo {photo_id} belongs to hazard {found.hazard_id}, which has been deleted")
    if found.deleted:
        raise Gone(detail=f"photo {photo_id} has been removed; the hazard's history keeps the record")
    return found


@dataclass(frozen=True)
class File:
    path: Path
    media_type: str
    etag: str


async def file(session: AsyncSession, photo_id: int) -> File:
    p = await _photo(session, photo_id)
    return File(storage.path_of(p.sha256, EXTENSIONS[p.media_type]), p.media_type, f'"{p.sha256}"')


async def thumbnail(session: AsyncSession, photo_id: int) -> File:
    p = await _photo(session, photo_id)
    path = storage.thumbnail_path(p.sha256)
    if not path.exists():
        # Made at upload; remade here if the thumbnail size changed and old ones were cleared.
        original = storage.path_of(p.sha256, EXTENSIONS[p.media_type])
        size_px = get_settings().photo_thumbnail_px

        def remake() -> None:
            with imaging.decoding(get_settings().photo_decode_concurrency), original.open("rb") as fp:
                storage.write_once(path, lambda out: imaging.thumbnail(fp, out, size_px))

        await run_in_threadpool(remake)
    return File(path, "image/jpeg", f'"{p.sha256}-t{get_settings().photo_thumbnail_px}"')


async def remove(session: AsyncSession, photo_id: int, principal: Principal) -> None:
    actor = principal.actor
    p = await _photo(session, photo_id, lock=True)
    check_county(principal, p.county_code)
    await repo.set_actor(session, actor)
    await repo.soft_delete(session, p.id, actor)


async def check_evidence(session: AsyncSession, hazard_id: int, ids: list[int]) -> list[int]:
    """The rectify transition's ``photos``: live before/after photos of this very hazard."""
    unique = list(dict.fromkeys(ids))
    found = await repo.evidence_photos(session, hazard_id, unique)
    errors = []
    for i, photo_id in enumerate(unique):
        where = found.get(photo_id)
        if where is None:
            errors.append(FieldError(f"photos.{i}", f"there is no photo {photo_id} (or it was removed)"))
        elif where[0] != hazard_id:
            errors.append(
                FieldError(
                    f"photos.{i}", f"photo {photo_id} is a photo of hazard {where[0]}, not {hazard_id}"
                )
            )
        elif where[1] not in ("before", "after"):
            errors.append(
                FieldError(
                    f"photos.{i}",
                    f"photo {photo_id} is a '{where[1]}' photo; evidence is 'before' or 'after'",
                )
            )
    if errors:
        raise InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return unique
