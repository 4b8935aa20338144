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
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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


_USER_SELECT = (
    "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.created_at,"
    " coalesce(array_agg(j.county_code ORDER BY j.county_code) FILTER (WHERE j.county_code IS NOT NULL),"
    " '{}') AS jurisdictions"
    " FROM users u LEFT JOIN user_jurisdictions j ON j.user_id = u.id"
)


async def list_users(session: AsyncSession) -> list[UserRow]:
    rows = await session.execute(text(f"{_USER_SELECT} GROUP BY u.id ORDER BY u.login"))
    return [UserRow(*r) for r in rows]


async def get_user(session: AsyncSession, login: str) -> UserRow:
    row = (
        await session.execute(text(f"{_USER_SELECT} WHERE u.login = :login GROUP BY u.id"), {"login": login})
    ).one_or_none()
    if row is None:
        raise NotFound(detail=f"there is no user {login!r}")
    return UserRow(*row)


async def count_users(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT count(*) FROM users"))).scalar_one())


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
    exists = await session.execute(text("SELECT 1 FROM users WHERE login = :l"), {"l": login})
    if exists.one_or_none() is not None:
        raise Conflict(detail=f"the user {login!r} exists already")
    user_id = (
        await session.execute(
            text(
                "INSERT INTO users (login, display_name, role, password_hash)"
                " VALUES (:login, :name, :role, :hash) RETURNING id"
            ),
            {
                "login": login,
                "name": display_name.strip(),
                "role": role.value,
                "hash": await hash_password(password),
            },
        )
    ).scalar_one()
    for code in sorted(set(jurisdictions)):
        await session.execute(
            text("INSERT INTO user_jurisdictions (user_id, county_code) VALUES (:u, :c)"),
            {"u": user_id, "c": code},
        )
    return await get_user(session, login)


async def _check_counties(session: AsyncSession, codes: list[str]) -> None:
    for code in codes:
        found = await session.execute(
            text("SELECT 1 FROM jurisdictions WHERE code = :c AND level = 'county'"), {"c": code}
        )
        if found.one_or_none() is None:
            raise invalid("jurisdiction", f"{code} is not a county code of the city (e.g. 371502)")


async def set_disabled(session: AsyncSession, login: str, disabled: bool) -> UserRow:
    user = await get_user(session, login)
    await session.execute(
        text("UPDATE users SET disabled = :d WHERE id = :id"), {"d": disabled, "id": user.id}
    )
    if disabled:  # at once: every token and browser session of the user stops working
        await session.execute(
            text("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :id AND revoked_at IS NULL"),
            {"id": user.id},
        )
    return await get_user(session, login)


async def set_password(session: AsyncSession, login: str, password: str) -> None:
    user = await get_user(session, login)
    await session.execute(
        text("UPDATE users SET password_hash = :h WHERE id = :id"),
        {"h": await hash_password(password), "id": user.id},
    )
    await session.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :id AND revoked_at IS NULL"),
        {"id": user.id},
    )


# -- sessions (bearer tokens and browser sessions) -------------------------------------------------
@dataclass(frozen=True)
class IssuedToken:
    token: str
    csrf_token: str
    expires_at: datetime
    user: UserRow


async def login(session: AsyncSession, login_name: str, password: str) -> IssuedToken:
    """Check the password and open a server-side session; 401 with one message for every failure."""
    row = (
        await session.execute(
            text("SELECT password_hash, disabled FROM users WHERE login = :l"), {"l": login_name}
        )
    ).one_or_none()
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
    await session.execute(
        text(
            "INSERT INTO auth_sessions (user_id, token_hash, csrf_token, expires_at)"
            " VALUES (:u, :h, :csrf, :exp)"
        ),
        {"u": user.id, "h": token_hash(token), "csrf": csrf, "exp": expires},
    )
    return IssuedToken(token, csrf, expires, user)


async def revoke_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
        {"id": session_id},
    )


async def csrf_token(session: AsyncSession, session_id: int) -> str:
    value = (
        await session.execute(text("SELECT csrf_token FROM auth_sessions WHERE id = :id"), {"id": session_id})
    ).scalar_one()
    return str(value)


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


_KEY_SELECT = "SELECT id, name, prefix, role, created_at, revoked_at, last_used_at FROM api_keys"


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
    key_id = (
        await session.execute(
            text(
                "INSERT INTO api_keys (name, prefix, key_hash, role, owner_id)"
                " VALUES (:n, :p, :h, :r, :o) RETURNING id"
            ),
            {"n": name.strip(), "p": prefix, "h": token_hash(key), "r": role.value, "o": owner_id},
        )
    ).scalar_one()
    return key, (await _key(session, key_id))


async def _key(session: AsyncSession, key_id: int) -> KeyRow:
    row = (
        await session.execute(
            text(f"{_KEY_SELECT} WHERE id = :id"),
            {"id": key_id},
        )
    ).one()
    return KeyRow(*row)


async def list_keys(session: AsyncSession) -> list[KeyRow]:
    rows = await session.execute(text(f"{_KEY_SELECT} ORDER BY id"))
    return [KeyRow(*r) for r in rows]


async def revoke_key(session: AsyncSession, prefix_or_id: str) -> KeyRow:
    column = "id" if prefix_or_id.isdigit() else "prefix"
    value: int | str = int(prefix_or_id) if prefix_or_id.isdigit() else prefix_or_id
    ids = (
        (await session.execute(text(f"SELECT id FROM api_keys WHERE {column} = :v"), {"v": value}))
        .scalars()
        .all()
    )
    if len(ids) != 1:
        raise NotFound(detail=f"no single API key with {column} {prefix_or_id!r}")
    await session.execute(
        text("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"), {"id": ids[0]}
    )
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
    row = (
        await session.execute(
            text(
                "SELECT s.id, u.id, u.login, u.display_name, u.role,"
                " coalesce(array_agg(j.county_code) FILTER (WHERE j.county_code IS NOT NULL), '{}')"
                " FROM auth_sessions s JOIN users u ON u.id = s.user_id"
                " LEFT JOIN user_jurisdictions j ON j.user_id = u.id"
                " WHERE s.token_hash = :h AND s.revoked_at IS NULL AND s.expires_at > now()"
                " AND NOT u.disabled"
                " GROUP BY s.id, u.id"
            ),
            {"h": token_hash(token)},
        )
    ).one_or_none()
    if row is None:
        return None
    sid, uid, login_name, name, role, counties = row
    await _renew(session, sid)
    return Principal("user", uid, login_name, name, Role(role), frozenset(counties), session_id=sid)


async def _renew(session: AsyncSession, session_id: int) -> None:
    """Sliding renewal: a session in use ends HAZARDMAP_TOKEN_HOURS after its last use, but never later
    than HAZARDMAP_SESSION_MAX_HOURS after the login. Written at most once a minute per session."""
    settings = get_settings()
    await session.execute(
        text(
            "UPDATE auth_sessions SET expires_at = r.until FROM (SELECT least("
            " now() + make_interval(secs => :idle), created_at + make_interval(secs => :max)) AS until"
            " FROM auth_sessions WHERE id = :id) r"
            " WHERE id = :id AND expires_at < r.until - interval '1 minute'"
        ),
        {"id": session_id, "idle": settings.token_hours * 3600, "max": settings.session_max_hours * 3600},
    )


async def _by_key(session: AsyncSession, key: str) -> Principal | None:
    row = (
        await session.execute(
            text("SELECT id, name, prefix, role FROM api_keys WHERE key_hash = :h AND revoked_at IS NULL"),
            {"h": token_hash(key)},
        )
    ).one_or_none()
    if row is None:
        return None
    key_id, name, prefix, role = row
    # Once a minute is enough to tell a key in use from a forgotten one, and spares a write per request.
    await session.execute(
        text(
            "UPDATE api_keys SET last_used_at = now() WHERE id = :id"
            " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"
        ),
        {"id": key_id},
    )
    return Principal("key", key_id, f"key:{prefix}", name[:24], Role(role), frozenset())


async def display_principal(session: AsyncSession, key: str) -> Principal | None:
    """The principal of a display key that is valid now, else None."""
    key = key.strip()
    principal = await _by_key(session, key) if key.startswith(KEY_PREFIX) else None
    return principal if principal is not None and principal.role is Role.display else None


def forbid_key(principal: Principal, what: str) -> None:
    if principal.kind == "key":
        raise Forbidden(detail=f"{what} needs a user's login, not an API key")
