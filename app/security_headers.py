"""Headers every response carries, whatever produced it (a route, an error, a static file).

- ``X-Content-Type-Options: nosniff``: a photo is served with the type it was stored under, and a
  browser must not read a JPEG with HTML appended as a page.
- ``Referrer-Policy: strict-origin-when-cross-origin``: a ledger URL (with its filters) never leaves
  the service; a configured tile server still sees which site asks (天地图 keys check the origin).
- ``Strict-Transport-Security`` when the public URL is https (behind a TLS proxy the request itself
  looks like plain HTTP, so the configured address decides).

Plain ASGI, as app.main.LimitBody, so that a small tile response pays for no extra streaming.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings


def security_headers() -> list[tuple[bytes, bytes]]:
    settings = get_settings()
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if settings.base_url.startswith("https://") and settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", f"max-age={settings.hsts_seconds}".encode()))
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((n, v) for n, v in extra if n not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
