"""A short-lived memory, per process, of who a session token or API key is.

Without it every signed-in request asks the database twice before its own query: who the token
belongs to, and the sliding renewal (or the key's last use). With it a process asks once per token
every ``HAZARDMAP_AUTH_CACHE_S`` seconds. The bound that keeps: a session revoked or expired, a key
revoked, a user disabled or changed **in another process** (another web process, the CLI) is refused
here at most ``HAZARDMAP_AUTH_CACHE_S`` seconds later; a change made **in this process**
(logout, an administrator's revoke or disable through this process) forgets every remembered token at
once. An entry never outlives its session's own end. Unknown or refused tokens are never remembered.
0 turns the memory off.

Keyed by the token's hash (the raw token is not kept); at most ``MAX_ENTRIES`` tokens, the oldest
forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from app.accounts.permissions import Principal

MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = MAX_ENTRIES) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, token_hash: str) -> Principal | None:
        """The principal remembered for this token, if its time is not up."""
        found = self._entries.get(token_hash)
        if found is None:
            return None
        until, principal = found
        if self._clock() >= until:
            del self._entries[token_hash]
            return None
        return principal

    def put(
        self, token_hash: str, principal: Principal, ttl_s: float, ends_in_s: float | None = None
    ) -> None:
        """Remember ``principal`` ``ttl_s`` seconds, or until its session ends (``ends_in_s``) if sooner."""
        keep = ttl_s if ends_in_s is None else min(ttl_s, ends_in_s)
        if keep <= 0:
            return
        self._entries[token_hash] = (self._clock() + keep, principal)
        self._entries.move_to_end(token_hash)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every token (a session, key or user changed in this process)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


principals = PrincipalCache()
