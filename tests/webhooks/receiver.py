"""A real HTTP receiver for the webhook tests: a threaded server on 127.0.0.1 that keeps every request
and answers with the statuses it is given, in order (then 200)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # statuses to answer, in order; then 200
    body: bytes = b'{"ok":true}'  # what a 2xx says (a robot: {"errcode":0,"errmsg":"ok"})
    delay_s: float = 0.0  # wait this long before answering
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def wait_for(self, n: int, limit_s: float = 30) -> list[Received]:
        deadline = time.monotonic() + limit_s
        while len(self.received) < n:
            assert time.monotonic() < deadline, f"{len(self.received)} request(s), not {n}, after {limit_s} s"
            await asyncio.sleep(0.05)
        return list(self.received)


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            with state.lock:
                state.received.append(
                    Received(
                        parts.path,
                        {k: v[0] for k, v in parse_qs(parts.query).items()},
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                status = state.answers.pop(0) if state.answers else 200
            if state.delay_s:
                time.sleep(state.delay_s)
            answer = state.body if 200 <= status < 300 else b"receiver says no"
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
