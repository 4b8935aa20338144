"""One HTTP attempt of a delivery: bounded in time (the whole attempt, not only each step of it) and in
what is read back; no redirects followed, no proxy taken from the environment."""

from __future__ import annotations

import asyncio

import httpx

from app.notifications.webhooks.formats import Outcome, Request, judge

# Enough of an answer to judge it (a robot's errcode) and to keep the start of an error page.
MAX_ANSWER_BYTES = 4096


async def send(fmt: str, request: Request, *, timeout_s: float) -> Outcome:
    """POST the request; a timeout or a connection failure is worth a retry, as a 5xx is."""
    try:
        async with (
            asyncio.timeout(timeout_s),
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False
            ) as client,
            client.stream("POST", request.url, content=request.body, headers=request.headers) as answer,
        ):
            body = b""
            async for chunk in answer.aiter_bytes():
                body += chunk
                if len(body) >= MAX_ANSWER_BYTES:
                    break
            return judge(fmt, answer.status_code, body[:MAX_ANSWER_BYTES])
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(False, True, None, f"no answer within {timeout_s:g} s")
    except httpx.HTTPError as exc:  # refused, reset, unreachable: the receiver may be back soon
        return Outcome(False, True, None, f"{type(exc).__name__}: {exc}"[:300])
    except (httpx.InvalidURL, OSError, ValueError, OverflowError) as exc:  # an address that cannot be used
        return Outcome(False, False, None, f"{type(exc).__name__}: {exc}"[:300])
