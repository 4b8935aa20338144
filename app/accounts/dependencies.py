"""The FastAPI dependencies that guard an endpoint: who the request's principal is, and whether it holds
a permission.

A router guards an endpoint with ``principal: Annotated[Principal, Depends(require(Permission.x))]``
(or ``Depends(require(...))`` in a router's ``dependencies``). The model they check (roles,
permissions, ``Principal``, ``check_county``) is app.accounts.permissions, which needs no request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.accounts import service
from app.accounts.permissions import Permission, Principal
from app.deps import Session
from app.openapi import guarded


@guarded  # its routes document 401/403 and the security schemes
async def current_principal(request: Request, session: Session) -> Principal:
    """The authenticated principal of the request, or 401."""
    return await service.authenticate(session, request)


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal, who must hold ``permission`` (401 without one, 403 without it)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(permission)
        return principal

    dependency.__name__ = f"require_{permission}"
    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
