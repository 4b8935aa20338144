"""Evidence photos: upload under a hazard or segment, list, serve (bytes and thumbnail), remove.

Permissions are written on each endpoint for the accounts work to enforce: photos are served with
the hazard's permissions to the internal roles; the external ``agency`` role gets no photos;
upload and removal are for county officers of the hazard's county, and admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import FileResponse

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.deps import Session
from app.errors import NotFound
from app.hazards.params import HazardId
from app.http import none_match_tag
from app.openapi import media, problems
from app.paths import API_PREFIX, collection_of
from app.photos import service
from app.photos.schemas import Photo, PhotoUpload
from app.photos.upload import read_upload
from app.settings import get_settings
from app.vocab import HazardKind

PhotoId = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="The photo's id.")]
IfNoneMatch = Annotated[str | None, Header(description="The photo's ETag; 304 if it matches.")]
# The bytes of a photo id never change (content-addressed); private: evidence is not for shared caches.
# Adding and removing photos: county officers of the hazard's county and admins (checked in the service).
Writer = Annotated[Principal, Depends(require(Permission.hazard_write))]

CACHE = "private, max-age=31536000, immutable"


def _base(request: Request) -> str:
    return get_settings().base_url


def make_router(kind: HazardKind) -> APIRouter:
    name = collection_of(kind)
    router = APIRouter(prefix=f"/{name}", tags=[f"{name} ({kind.zh})"])

    @router.post(
        "/{id}/photos",
        status_code=201,
        response_model=Photo,
        summary=f"Add a photo to a {kind.en}",
        responses={
            # A retried upload of the same bytes: the photo already there.
            200: {"description": "These bytes were already a photo of this stage", "model": Photo},
            **problems(400, 404, 410, 413, 415, 422),
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {"schema": PhotoUpload.model_json_schema()}},
            }
        },
    )
    async def upload(request: Request, session: Session, principal: Writer, hazard_id: HazardId) -> Response:
        """multipart/form-data with `file` (JPEG, PNG or WebP, judged by decoding the content, at most
        `HAZARDMAP_PHOTO_MAX_BYTES`), `stage` (report 上报, before 整改前, after 整改后) and an optional
        `caption`. 201 with the photo and `Location`; the hazard's history gets a `photo_add` event.
        The same bytes sent again for the same hazard and stage (a retried upload) answer 200 with
        the photo already there, and record nothing new.

        Permission: county officers of the hazard's county, and admins (not the agency role).
        """
        form = await read_upload(request)
        try:
            new_id, body, created = await service.add(
                session, kind, hazard_id, form, principal, _base(request)
            )
        finally:
            await form.close()
        return Response(
            body,
            status_code=201 if created else 200,
            media_type="application/json",
            headers={"Location": f"{API_PREFIX}/photos/{new_id}"},
        )

    @router.get(
        "/{id}/photos",
        response_model=list[Photo],
        summary=f"The photos of a {kind.en}",
        responses=problems(404, 410, 422),
    )
    async def list_photos(request: Request, session: Session, hazard_id: HazardId) -> Response:
        """The live photos, oldest first, each with links to its bytes and its thumbnail.

        Permission: served with the hazard's permissions to the internal roles; not to the agency role.
        """
        return Response(
            await service.list_json(session, kind, hazard_id, _base(request)), media_type="application/json"
        )

    return router


router = make_router(HazardKind.point)
segments_router = make_router(HazardKind.segment)
photos_router = APIRouter(prefix="/photos", tags=["photos (现场照片)"])


def _file(found: service.File, if_none_match: str | None) -> Response:
    headers = {"ETag": found.etag, "Cache-Control": CACHE}
    if none_match_tag(if_none_match, found.etag):
        return Response(status_code=304, headers=headers)
    if not found.path.exists():
        # The row is written only after its file; a missing file was removed by hand.
        raise NotFound(detail="the photo's file is missing from the photo store; tell the administrator")
    return FileResponse(found.path, media_type=found.media_type, headers=headers)


_NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match)."}, **problems(404, 410, 422)}
_SERVED = {**media("image/jpeg", "image/png", "image/webp", description="The photo."), **_NOT_MODIFIED}
_THUMBNAIL = {**media("image/jpeg", description="The thumbnail."), **_NOT_MODIFIED}


@photos_router.get("/{id}", summary="The photo's bytes", responses=_SERVED, response_class=Response)
async def photo(session: Session, photo_id: PhotoId, if_none_match: IfNoneMatch = None) -> Response:
    """The bytes as uploaded (with their EXIF), `Content-Type` from the content, strong `ETag` = sha256.

    Permission: served with the hazard's permissions to the internal roles; not to the agency role.
    """
    return _file(await service.file(session, photo_id), if_none_match)


@photos_router.get(
    "/{id}/thumbnail", summary="A JPEG thumbnail", responses=_THUMBNAIL, response_class=Response
)
async def thumbnail(session: Session, photo_id: PhotoId, if_none_match: IfNoneMatch = None) -> Response:
    """A JPEG at most `HAZARDMAP_PHOTO_THUMBNAIL_PX` (320) px on its longer side, upright, without EXIF.

    Permission: served with the hazard's permissions to the internal roles; not to the agency role.
    """
    return _file(await service.thumbnail(session, photo_id), if_none_match)


@photos_router.delete(
    "/{id}", status_code=204, summary="Remove a photo (soft)", responses=problems(404, 410, 422)
)
async def remove(session: Session, principal: Writer, photo_id: PhotoId) -> Response:
    """Marks the photo removed; the file and the row stay, the hazard's history gets `photo_remove`.

    Permission: county officers of the hazard's county, and admins (not the agency role).
    """
    await service.remove(session, photo_id, principal)
    return Response(status_code=204)
