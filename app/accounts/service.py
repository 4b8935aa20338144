"""Passwords, tokens, API keys and sessions; who the request's principal is."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import email, repository
from app.accounts.cache import principals
from app.accounts.permissions import DISPLAY_COOKIE, Principal, Role, display_may_read
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, invalid
from app.settings import get_settings

KEY_PREFIX = "hm_"  # an API key starts with this; a session token never does
SESSION_PREFIX = "hs_"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the login is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH = _hasher.hash("not a password")


# argon2 takes ~80 ms of CPU by design: run it in worker threads, never on the event loop (which
# would stall every other request meanwhile), and only a few at once, so that a burst of logins
# queues here instead of taking every core. One limiter per event loop (tests run several).
_hash_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _hash_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _hash_limiters.get(loop)
    if limiter is None:
        limiter = _hash_limiters[loop] = anyio.CapacityLimiter(get_settings().password_hash_concurrency)
    return limiter


async def hash_password(password: str) -> str:
    if len(password) < 8:
        raise invalid("password", "must be at least 8 characters")
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_hash_limiter())


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str, password: str) -> bool:
    return await anyio.to_thread.run_sync(_verify, stored, password, limiter=_hash_limiter())


def token_hash(token: str) -> str:
    return hmac.new(get_settings().secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


# -- users -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime
    jurisdictions: list[str]
    email: str | None = None


async def list_users(session: AsyncSession) -> list[UserRow]:
    return [UserRow(*r) for r in await repository.users(session)]


async def get_user(session: AsyncSession, login: str) -> UserRow:
    row = await repository.user(session, login)
    if row is None:
        raise NotFound(detail=f"there is no user {login!r}")
    return UserRow(*row)


async def count_users(session: AsyncSession) -> int:
    return await repository.count_users(session)


async def add_user(
    session: AsyncSession,
    login: str,
    *,
    role: Role,
    display_name: str,
    password: str,
    jurisdictions: list[str] = (),  # type: ignore[assignment]
) -> UserRow:
    if not LOGIN_RE.match(login):
        raise invalid(
            "login", "2–32 characters: lower-case letters, digits, '.', '_', '-', starting with a letter"
        )
    if not display_name.strip() or len(display_name) > 24:
        raise invalid("name", "the display name must have 1–24 characters")
    if role is Role.agency:
        raise invalid("role", "the agency role is for API keys only (hazardmap keys create)")
    if role is Role.display:
        raise invalid("role", "the display role is for display keys only (hazardmap keys create-display)")
    if role in (Role.county_officer, Role.verifier) and not jurisdictions:
        raise invalid("jurisdiction", f"a {role} needs at least one county (--jurisdiction 371502)")
    await _check_counties(session, jurisdictions)
    if await repository.login_taken(session, login):
        raise Conflict(detail=f"the user {login!r} exists already")
    user_id = await repository.insert_user(
        session, login, display_name.strip(), role.value, await hash_password(password)
    )
    for code in sorted(set(jurisdictions)):
        await repository.add_jurisdiction(session, user_id, code)
    return await get_user(session, login)


async def _check_counties(session: AsyncSession, codes: list[str]) -> None:
    for code in codes:
        if not await repository.is_county(session, code):
            raise invalid("jurisdiction", f"{code} is not a county code of the city (e.g. 371502)")


async def set_disabled(session: AsyncSession, login: str, disabled: bool) -> UserRow:
    user = await get_user(session, login)
    await repository.set_disabled(session, user.id, disabled)
    principals.clear()
    if disabled:  # at once: every token and browser session of the user stops working
        await repository.revoke_user_sessions(session, user.id)
    return await get_user(session, login)


async def set_email(session: AsyncSession, user_id: int, address: str | None) -> str | None:
    """Set (or with None/blank, remove) the user's e-mail address; the address as stored."""
    normal = email.normalise(address)
    await repository.set_email(session, user_id, normal)
    return normal


async def email_of(session: AsyncSession, user_id: int) -> str | None:
    return await repository.email_of(session, user_id)


async def set_password(session: AsyncSession, login: str, password: str) -> None:
    user = await get_user(session, login)
    await repository.set_password_hash(session, user.id, await hash_password(password))
    await repository.revoke_user_sessions(session, user.id)
    principals.clear()


# -- sessions (bearer tokens and browser sessions) -------------------------------------------------
@dataclass(frozen=True)
class IssuedToken:
    token: str
    csrf_token: str
    expires_at: datetime
    user: UserRow


async def login(session: AsyncSession, login_name: str, password: str) -> IssuedToken:
    """Check the password and open a server-side session; 401 with one message for every failure."""
    row = await repository.password_hash(session, login_name)
    ok = await verify_password(row[0] if row else _DUMMY_HASH, password)
    if row is None or not ok or row[1]:
        raise Unauthorized(detail="wrong login or password, or the account is disabled")
    user = await get_user(session, login_name)
    return await open_session(session, user)


async def open_session(session: AsyncSession, user: UserRow) -> IssuedToken:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    settings = get_settings()
    expires = now() + timedelta(hours=min(settings.token_hours, settings.session_max_hours))
    await repository.insert_session(session, user.id, token_hash(token), csrf, expires)
    return IssuedToken(token, csrf, expires, user)


async def revoke_session(session: AsyncSession, session_id: int) -> None:
    await repository.revoke_session(session, session_id)
    principals.clear()


async def csrf_token(session: AsyncSession, session_id: int) -> str:
    return await repository.csrf_token(session, session_id)


# -- API keys --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


async def create_key(
    session: AsyncSession, name: str, *, role: Role = Role.agency, owner_id: int | None = None
) -> tuple[str, KeyRow]:
    """A new key; the key itself is returned once and only its hash is kept."""
    if not name.strip() or len(name) > 64:
        raise invalid("name", "the key's name (whose key it is) must have 1–64 characters")
    if role in (Role.county_officer, Role.verifier):
        raise invalid("role", "a key acts for the whole city; county roles belong to users")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = key[:10]
    key_id = await repository.insert_key(session, name.strip(), prefix, token_hash(key), role.value, owner_id)
    return key, (await _key(session, key_id))


async def _key(session: AsyncSession, key_id: int) -> KeyRow:
    return KeyRow(*await repository.key(session, key_id))


async def list_keys(session: AsyncSession) -> list[KeyRow]:
    return [KeyRow(*r) for r in await repository.keys(session)]


async def revoke_key(session: AsyncSession, prefix_or_id: str) -> KeyRow:
    by_id = prefix_or_id.isdigit()
    column = "id" if by_id else "prefix"
    ids = await (
        repository.key_ids(session, key_id=int(prefix_or_id))
        if by_id
        else repository.key_ids(session, prefix=prefix_or_id)
    )
    if len(ids) != 1:
        raise NotFound(detail=f"no single API key with {column} {prefix_or_id!r}")
    await repository.revoke_key(session, ids[0])
    principals.clear()
    return await _key(session, ids[0])


# -- the request's principal -----------------------------------------------------------------------
def credentials(request: Request) -> tuple[str, bool] | None:
    """The token the request carries, and whether it came in the session cookie."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized(detail="use 'Authorization: Bearer <token or API key>'")
        return value.strip(), False
    key = request.headers.get("x-api-key")
    if key:
        return key.strip(), False
    cookie = request.cookies.get(get_settings().cookie_name)
    if cookie:
        return cookie, True
    display = request.cookies.get(DISPLAY_COOKIE)
    if display:
        return display, True
    return None


async def authenticate(session: AsyncSession, request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    found = credentials(request)
    if found is None:
        raise Unauthorized(
            detail="log in first: POST /api/v1/auth/token, then send 'Authorization: Bearer <token>' "
            "(or an API key in X-API-Key)"
        )
    token, via_cookie = found
    display = request.cookies.get(DISPLAY_COOKIE) if via_cookie else None
    if token == display:  # a screen's display key; in that cookie nothing else counts
        principal = await display_principal(session, token)
    else:
        principal = await (
            _by_key(session, token) if token.startswith(KEY_PREFIX) else _by_session(session, token)
        )
        if principal is None and display:  # someone's login on the screen ran out; the screen goes on
            principal = await display_principal(session, display)
    if principal is None:
        raise Unauthorized(detail="the token or API key is unknown, expired or revoked; log in again")
    if principal.role is Role.display:
        _check_display(request)
    elif via_cookie:
        principal = Principal(**{**principal.__dict__, "via_cookie": True})
        if request.method not in SAFE_METHODS:
            await _check_csrf(session, request, principal)
    request.state.principal = principal
    return principal


def _check_display(request: Request) -> None:
    """A display key reads what the wall shows, and nothing else (no writes, no other data)."""
    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if request.method not in SAFE_METHODS or not display_may_read(path):
        raise Forbidden(detail="a display key shows the wall (/wall) and the data it reads, nothing else")


async def _check_csrf(session: AsyncSession, request: Request, principal: Principal) -> None:
    if principal.session_id is None:  # an API key put in the session cookie: no page ever does that
        raise Forbidden(detail="send an API key in X-API-Key or Authorization, not in the session cookie")
    sent = request.headers.get(CSRF_HEADER.lower())
    if sent is None:
        form_type = request.headers.get("content-type", "")
        if form_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = str((await request.form()).get("csrf_token") or "")
    expected = await csrf_token(session, principal.session_id)
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            detail=f"a change from the browser must carry the page's CSRF token ({CSRF_HEADER} header)"
        )


async def _by_session(session: AsyncSession, token: str) -> Principal | None:
    hashed = token_hash(token)
    remembered = principals.get(hashed)
    if remembered is not None:
        return remembered
    row = await repository.session_user(session, hashed)
    if row is None:
        return None
    sid, uid, login_name, name, role, counties, ends_in_s = row
    # Renewed when looked up, so at least once per HAZARDMAP_AUTH_CACHE_S of use: the renewal
    # moves the end only when that gains more than a minute anyway.
    await _renew(session, sid)
    principal = Principal("user", uid, login_name, name, Role(role), frozenset(counties), session_id=sid)
    principals.put(hashed, principal, get_settings().auth_cache_s, float(ends_in_s))
    return principal


async def _renew(session: AsyncSession, session_id: int) -> None:
    """Sliding renewal: a session in use ends HAZARDMAP_TOKEN_HOURS after its last use, but never later
    than HAZARDMAP_SESSION_MAX_HOURS after the login. Written at most once a minute per session."""
    settings = get_settings()
    await repository.renew_session(
        session, session_id, settings.token_hours * 3600, settings.session_max_hours * 3600
    )


async def _by_key(session: AsyncSession, key: str) -> Principal | None:
    hashed = token_hash(key)
    remembered = principals.get(hashed)
    if remembered is not None:
        return remembered
    row = await repository.live_key(session, hashed)
    if row is None:
        return None
    key_id, name, prefix, role = row
    # Once a minute is enough to tell a key in use from a forgotten one, and spares a write per request.
    await repository.touch_key(session, key_id)
    principal = Principal("key", key_id, f"key:{prefix}", name[:24], Role(role), frozenset())
    principals.put(hashed, principal, get_settings().auth_cache_s)
    return principal


async def display_principal(session: AsyncSession, key: str) -> Principal | None:
    """The principal of a display key that is valid now, else None."""
    key = key.strip()
    principal = await _by_key(session, key) if key.startswith(KEY_PREFIX) else None
    return principal if principal is not None and principal.role is Role.display else None


def forbid_key(principal: Principal, what: str) -> None:
    if principal.kind == "key":
        raise Forbidden(detail=f"{what} needs a user's login, not an API key")
