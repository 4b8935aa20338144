"""Reading a multipart/form-data upload without holding an unbounded body.

Starlette's parser spools the file part to a temporary file (memory up to 1 MiB, then disk); the
request stream it reads is cut off here at the photo limit plus room for the other fields, so a
body of any size, declared or chunked, costs at most that much before it is refused with 413.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.errors import BadRequest, FieldError, PayloadTooLarge, UnsupportedMediaType, invalid
from app.settings import get_settings

# Boundaries, part headers, stage and caption: generous, and small beside a photo.
FORM_OVERHEAD = 64 * 1024
CAPTION_MAX = 2000


def body_limit() -> int:
    return get_settings().photo_max_bytes + FORM_OVERHEAD


@dataclass
class Upload:
    file: UploadFile
    stage: str | None
    caption: str | None

    async def close(self) -> None:
        await self.file.close()


async def _bounded(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                detail=f"a photo must be at most {get_settings().photo_max_bytes} bytes",
                errors=[FieldError("file", f"larger than {get_settings().photo_max_bytes} bytes")],
            )
        yield chunk


async def read_upload(request: Request) -> Upload:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(
            detail=f"send the photo as multipart/form-data (fields file, stage, caption), "
            f"not {media_type or 'no content type'}",
            headers={"Accept-Post": "multipart/form-data"},
        )
    parser = MultiPartParser(
        request.headers,
        _bounded(request, body_limit()),
        max_files=1,
        max_fields=4,
        max_part_size=CAPTION_MAX * 4,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(
            detail=f"the multipart body could not be read: {exc}", errors=[FieldError("body", str(exc))]
        ) from exc
    file = form.get("file")
    extra = [k for k in form if k not in ("file", "stage", "caption")]
    if not isinstance(file, UploadFile):
        await form.close()
        raise invalid("file", "attach one photo as the form field 'file'")
    stage, caption = form.get("stage"), form.get("caption")
    if extra or isinstance(stage, UploadFile) or isinstance(caption, UploadFile):
        await form.close()
        raise invalid(
            extra[0] if extra else "file", "send one file as 'file' and only the fields stage, caption"
        )
    return Upload(file, stage or None, caption.strip() or None if caption else None)
