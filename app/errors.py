"""One error hierarchy, one mapping to HTTP: every error leaves as application/problem+json.

Services raise these; ``app.main`` registers the handlers once. A problem names the field
that was wrong (``errors[].field``, a dotted path such as ``properties.category``) and says
in a sentence what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class HazardmapError(Exception):
    """Base of every error the service raises on purpose."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 500
    title: str = "Internal error"
    headers: dict[str, str] = field(default_factory=dict)
    # More members of the problem document (RFC 9457 extensions), e.g. the possible duplicates.
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


def invalid(field_name: str, message: str) -> InvalidInput:
    """The common case: one field is wrong."""
    return InvalidInput(detail=f"{field_name}: {message}", errors=[FieldError(field_name, message)])


@dataclass
class InvalidInput(HazardmapError):
    status: int = 422
    title: str = "Invalid input"


@dataclass
class BadRequest(HazardmapError):
    status: int = 400
    title: str = "Bad request"


@dataclass
class Unauthorized(HazardmapError):
    status: int = 401
    title: str = "Unauthorized"
    headers: dict[str, str] = field(default_factory=lambda: {"WWW-Authenticate": 'Bearer realm="hazardmap"'})


@dataclass
class Forbidden(HazardmapError):
    status: int = 403
    title: str = "Forbidden"


@dataclass
class NotFound(HazardmapError):
    status: int = 404
    title: str = "Not found"


@dataclass
class Gone(HazardmapError):
    status: int = 410
    title: str = "Gone"


@dataclass
class Conflict(HazardmapError):
    status: int = 409
    title: str = "Conflict"


@dataclass
class PreconditionFailed(HazardmapError):
    status: int = 412
    title: str = "Precondition failed"


@dataclass
class PreconditionRequired(HazardmapError):
    status: int = 428
    title: str = "Precondition required"


@dataclass
class PayloadTooLarge(HazardmapError):
    status: int = 413
    title: str = "Payload too large"


@dataclass
class UnsupportedMediaType(HazardmapError):
    status: int = 415
    title: str = "Unsupported media type"


@dataclass
class TooManyRequests(HazardmapError):
    status: int = 429
    title: str = "Too many requests"


@dataclass
class ServiceUnavailable(HazardmapError):
    status: int = 503
    title: str = "Service unavailable"


RETRY_AFTER_S = 5  # what a 503 for the database tells the client to wait (Retry-After)


@dataclass
class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached, or it refused the transaction for a passing reason
    (shutting down, starting up, a serialization failure or deadlock): try again shortly.
    ``app.problems`` maps the driver's and the pool's exceptions to this one."""

    detail: str = "the database is unavailable; try again shortly"
    headers: dict[str, str] = field(default_factory=lambda: {"Retry-After": str(RETRY_AFTER_S)})


class ClusterError(RuntimeError):
    """The embedded PostgreSQL could not be set up (a command-line error, not an HTTP one)."""
