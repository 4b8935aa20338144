"""The accounts' SQL: users, sessions, API keys, failed logins; and where a thing lies, for the
jurisdiction checks of writes that do not lock a hazard row themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def hazard_county(session: AsyncSession, hazard_id: int) -> str | None:
    found = await session.execute(text("SELECT county_code FROM hazards WHERE id = :id"), {"id": hazard_id})
    return found.scalar_one_or_none()


async def candidate_county(session: AsyncSession, candidate_id: int) -> tuple[bool, str | None]:
    """Whether the candidate exists, and the county it would be numbered in once accepted.

    The county covering its anchor (a point, or a segment's midpoint), else the nearest within
    500 m: the rule of the trigger hazards_assign."""
    found = await session.execute(
        text(
            "WITH a AS (SELECT CASE WHEN ST_GeometryType(geom) = 'ST_Point' THEN geom"
            " ELSE ST_LineInterpolatePoint(geom, 0.5) END AS anchor"
            " FROM accident_prone_candidates WHERE id = :id)"
            " SELECT true, coalesce("
            " (SELECT j.code FROM jurisdictions j, a WHERE j.level = 'county' AND j.geom IS NOT NULL"
            "  AND ST_Covers(j.geom, a.anchor) ORDER BY j.code LIMIT 1),"
            " (SELECT j.code FROM jurisdictions j, a WHERE j.level = 'county' AND j.geom IS NOT NULL"
            "  AND ST_DWithin(j.geom::geography, a.anchor::geography, 500)"
            "  ORDER BY ST_Distance(j.geom::geography, a.anchor::geography) LIMIT 1)) FROM a"
        ),
        {"id": candidate_id},
    )
    row = found.one_or_none()
    return (False, None) if row is None else (True, row[1])


# -- users -----------------------------------------------------------------------------------------
_USER_SELECT = (
    "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.created_at,"
    " coalesce(array_agg(j.county_code ORDER BY j.county_code) FILTER (WHERE j.county_code IS NOT NULL),"
    " '{}') AS jurisdictions, u.email"
    " FROM users u LEFT JOIN user_jurisdictions j ON j.user_id = u.id"
)
_USERS = text(f"{_USER_SELECT} GROUP BY u.id ORDER BY u.login")
_USER = text(f"{_USER_SELECT} WHERE u.login = :login GROUP BY u.id")


async def users(session: AsyncSession) -> list[tuple[Any, ...]]:
    """Every user: id, login, display_name, role, disabled, created_at, jurisdictions, email (by login)."""
    return [tuple(r) for r in await session.execute(_USERS)]


async def user(session: AsyncSession, login: str) -> tuple[Any, ...] | None:
    row = (await session.execute(_USER, {"login": login})).one_or_none()
    return None if row is None else tuple(row)


async def count_users(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT count(*) FROM users"))).scalar_one())


async def login_taken(session: AsyncSession, login: str) -> bool:
    found = await session.execute(text("SELECT 1 FROM users WHERE login = :l"), {"l": login})
    return found.one_or_none() is not None


async def insert_user(
    session: AsyncSession, login: str, display_name: str, role: str, password_hash: str
) -> int:
    inserted = await session.execute(
        text(
            "INSERT INTO users (login, display_name, role, password_hash)"
            " VALUES (:login, :name, :role, :hash) RETURNING id"
        ),
        {"login": login, "name": display_name, "role": role, "hash": password_hash},
    )
    return int(inserted.scalar_one())


async def add_jurisdiction(session: AsyncSession, user_id: int, county_code: str) -> None:
    await session.execute(
        text("INSERT INTO user_jurisdictions (user_id, county_code) VALUES (:u, :c)"),
        {"u": user_id, "c": county_code},
    )


async def is_county(session: AsyncSession, code: str) -> bool:
    found = await session.execute(
        text("SELECT 1 FROM jurisdictions WHERE code = :c AND level = 'county'"), {"c": code}
    )
    return found.one_or_none() is not None


async def set_disabled(session: AsyncSession, user_id: int, disabled: bool) -> None:
    await session.execute(
        text("UPDATE users SET disabled = :d WHERE id = :id"), {"d": disabled, "id": user_id}
    )


async def set_email(session: AsyncSession, user_id: int, email: str | None) -> None:
    await session.execute(text("UPDATE users SET email = :e WHERE id = :id"), {"e": email, "id": user_id})


async def email_of(session: AsyncSession, user_id: int) -> str | None:
    found = await session.execute(text("SELECT email FROM users WHERE id = :id"), {"id": user_id})
    return found.scalar_one_or_none()


async def set_password_hash(session: AsyncSession, user_id: int, password_hash: str) -> None:
    await session.execute(
        text("UPDATE users SET password_hash = :h WHERE id = :id"), {"h": password_hash, "id": user_id}
    )


async def password_hash(session: AsyncSession, login: str) -> tuple[str, bool] | None:
    """The user's password hash and whether the account is disabled; None: no such login."""
    row = (
        await session.execute(
            text("SELECT password_hash, disabled FROM users WHERE login = :l"), {"l": login}
        )
    ).one_or_none()
    return None if row is None else (str(row[0]), bool(row[1]))


# -- sessions --------------------------------------------------------------------------------------
async def insert_session(
    session: AsyncSession, user_id: int, token_hash: str, csrf_token: str, expires_at: datetime
) -> None:
    await session.execute(
        text(
            "INSERT INTO auth_sessions (user_id, token_hash, csrf_token, expires_at)"
            " VALUES (:u, :h, :csrf, :exp)"
        ),
        {"u": user_id, "h": token_hash, "csrf": csrf_token, "exp": expires_at},
    )


async def revoke_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
        {"id": session_id},
    )


async def revoke_user_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :id AND revoked_at IS NULL"),
        {"id": user_id},
    )


async def csrf_token(session: AsyncSession, session_id: int) -> str:
    value = (
        await session.execute(text("SELECT csrf_token FROM auth_sessions WHERE id = :id"), {"id": session_id})
    ).scalar_one()
    return str(value)


async def session_user(session: AsyncSession, token_hash: str) -> tuple[Any, ...] | None:
    """The live session of this token and its enabled user: session id, user id, login, display_name,
    role, counties, and the seconds until the session ends."""
    row = (
        await session.execute(
            text(
                "SELECT s.id, u.id, u.login, u.display_name, u.role,"
                " coalesce(array_agg(j.county_code) FILTER (WHERE j.county_code IS NOT NULL), '{}'),"
                " extract(epoch FROM s.expires_at - now())"
                " FROM auth_sessions s JOIN users u ON u.id = s.user_id"
                " LEFT JOIN user_jurisdictions j ON j.user_id = u.id"
                " WHERE s.token_hash = :h AND s.revoked_at IS NULL AND s.expires_at > now()"
                " AND NOT u.disabled"
                " GROUP BY s.id, u.id"
            ),
            {"h": token_hash},
        )
    ).one_or_none()
    return None if row is None else tuple(row)


async def renew_session(session: AsyncSession, session_id: int, idle_s: float, max_s: float) -> None:
    """The session ends ``idle_s`` after now, never later than ``max_s`` after its login; written only
    when that moves its end by more than a minute."""
    await session.execute(
        text(
            "UPDATE auth_sessions SET expires_at = r.until FROM (SELECT least("
            " now() + make_interval(secs => :idle), created_at + make_interval(secs => :max)) AS until"
            " FROM auth_sessions WHERE id = :id) r"
            " WHERE id = :id AND expires_at < r.until - interval '1 minute'"
        ),
        {"id": session_id, "idle": idle_s, "max": max_s},
    )


# -- API keys --------------------------------------------------------------------------------------
_KEY_SELECT = "SELECT id, name, prefix, role, created_at, revoked_at, last_used_at FROM api_keys"


async def insert_key(
    session: AsyncSession, name: str, prefix: str, key_hash: str, role: str, owner_id: int | None
) -> int:
    inserted = await session.execute(
        text(
            "INSERT INTO api_keys (name, prefix, key_hash, role, owner_id)"
            " VALUES (:n, :p, :h, :r, :o) RETURNING id"
        ),
        {"n": name, "p": prefix, "h": key_hash, "r": role, "o": owner_id},
    )
    return int(inserted.scalar_one())


async def key(session: AsyncSession, key_id: int) -> tuple[Any, ...]:
    """id, name, prefix, role, created_at, revoked_at, last_used_at."""
    return tuple((await session.execute(text(f"{_KEY_SELECT} WHERE id = :id"), {"id": key_id})).one())


async def keys(session: AsyncSession) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await session.execute(text(f"{_KEY_SELECT} ORDER BY id"))]


async def key_ids(
    session: AsyncSession, *, key_id: int | None = None, prefix: str | None = None
) -> list[int]:
    """The keys with this id, or with this prefix."""
    if key_id is not None:
        found = await session.execute(text("SELECT id FROM api_keys WHERE id = :v"), {"v": key_id})
    else:
        found = await session.execute(text("SELECT id FROM api_keys WHERE prefix = :v"), {"v": prefix})
    return [int(i) for i in found.scalars().all()]


async def revoke_key(session: AsyncSession, key_id: int) -> None:
    await session.execute(
        text("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"), {"id": key_id}
    )


async def live_key(session: AsyncSession, key_hash: str) -> tuple[Any, ...] | None:
    """The unrevoked key with this hash: id, name, prefix, role."""
    row = (
        await session.execute(
            text("SELECT id, name, prefix, role FROM api_keys WHERE key_hash = :h AND revoked_at IS NULL"),
            {"h": key_hash},
        )
    ).one_or_none()
    return None if row is None else tuple(row)


async def touch_key(session: AsyncSession, key_id: int) -> None:
    """Note the key's use, at most once a minute (enough to tell a key in use from a forgotten one)."""
    await session.execute(
        text(
            "UPDATE api_keys SET last_used_at = now() WHERE id = :id"
            " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"
        ),
        {"id": key_id},
    )


# -- failed logins (app.accounts.throttle) ---------------------------------------------------------
_BLOCKED = text(
    "SELECT extract(epoch FROM max(blocked_until) - now()) FROM login_throttle"
    " WHERE ((scope = 'login' AND key = :login) OR (scope = 'address' AND key = :address))"
    " AND blocked_until > now()"
)
_FAIL = text(
    "INSERT INTO login_throttle AS t (scope, key, failures, last_failed_at) VALUES (:scope, :key, 1, now())"
    " ON CONFLICT (scope, key) DO UPDATE SET"
    " failures = CASE WHEN t.last_failed_at < now() - make_interval(secs => :window) THEN 1"
    " ELSE t.failures + 1 END,"
    " last_failed_at = now()"
    " RETURNING failures"
)
_BLOCK = text(
    "UPDATE login_throttle SET blocked_until = now() + make_interval(secs => :delay)"
    " WHERE scope = :scope AND key = :key"
)
_CLEAR = text("DELETE FROM login_throttle WHERE scope = 'login' AND key = :login")


async def blocked_for(session: AsyncSession, login_key: str, address: str) -> float | None:
    """Seconds until the login and the address may try again; None: neither is blocked."""
    wait = (await session.execute(_BLOCKED, {"login": login_key, "address": address})).scalar_one_or_none()
    return None if wait is None else float(wait)


async def count_failure(conn: AsyncConnection, scope: str, key: str, window_s: float) -> int:
    """One more failure of the login or address (counting from one again after ``window_s`` without any)."""
    failures = (await conn.execute(_FAIL, {"scope": scope, "key": key, "window": window_s})).scalar_one()
    return int(failures)


async def block(conn: AsyncConnection, scope: str, key: str, delay_s: int) -> None:
    await conn.execute(_BLOCK, {"scope": scope, "key": key, "delay": delay_s})


async def clear_login(session: AsyncSession, login_key: str) -> None:
    await session.execute(_CLEAR, {"login": login_key})
