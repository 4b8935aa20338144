"""Read your own writes across any number of web processes: a signed cookie set on every write.

A response to a POST, PUT, PATCH or DELETE below 400 carries ``hazardmap_wrote=<until>.<mac>``
(HttpOnly, ``Max-Age`` = ``HAZARDMAP_READ_YOUR_WRITES_S``): ``until`` is the Unix time at which the
client's reads may go back to the replicas, ``mac`` an HMAC-SHA256 of it under
``HAZARDMAP_SECRET_KEY``. Every web process has the same key and the client brings the cookie to
whichever process serves its next request, so no process needs to know what another did and nothing
is shared between them but the key (and a clock kept by NTP). A request bearing a valid, unexpired
mark reads the primary. The mark says nothing but a time; one forged or kept past its time only
sends a client's reads to the primary, and it cannot reach further ahead than the window.

Browsers (and the pages' scripts, same-origin), httpx and requests' ``Session`` keep cookies; a client
that keeps none (curl without ``-b``/``-c``) reads from a replica at once and may miss its own write for
as long as the replica lags (milliseconds on a healthy standby).

Plain ASGI like app.security_headers, so that a tile response pays for no extra streaming.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.replicas import routing
from app.replicas.settings import get_replica_settings
from app.settings import get_settings

COOKIE = "hazardmap_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _mac(until: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"read-your-writes:{until}".encode(), hashlib.sha256).hexdigest()[:32]


def mark(now: float | None = None) -> str:
    """The cookie's value for a write made now."""
    until = math.ceil((time.time() if now is None else now) + get_replica_settings().read_your_writes_s)
    return f"{until}.{_mac(until)}"


def marked(value: str | None, now: float | None = None) -> bool:
    """Does this cookie value send the client's reads to the primary?"""
    if not value:
        return False
    until_text, _, mac = value.partition(".")
    if not until_text.isdigit() or len(until_text) > 12:
        return False
    until = int(until_text)
    now = time.time() if now is None else now
    if not now < until <= now + get_replica_settings().read_your_writes_s + 1:
        return False
    return hmac.compare_digest(mac, _mac(until))


def _cookie_value(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(COOKIE)
            if found:
                return found
    return None


class ReadYourWrites:
    """Says for each request whether its reads may go to a replica, and marks the writers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not routing.enabled():
            await self.app(scope, receive, send)
            return
        if scope["method"] in SAFE_METHODS:
            token = routing.replica_allowed.set(not marked(_cookie_value(scope)))
            try:
                await self.app(scope, receive, send)
            finally:
                routing.replica_allowed.reset(token)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                settings = get_settings()
                window = math.ceil(get_replica_settings().read_your_writes_s)
                cookie = f"{COOKIE}={mark()}; Max-Age={window}; Path=/; HttpOnly; SameSite=Lax"
                if settings.secure_cookies:
                    cookie += "; Secure"
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_marked)
