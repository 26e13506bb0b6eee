"""ETags for the embedded store: unique across processes without asking the OS for
randomness on every write.

A random prefix drawn once per process (64 bits: two instances, or one instance before and
after a restart, practically never share one) and a counter after it. ``uuid4`` read
``os.urandom`` for every write, which showed in the reminder engine's profile.
"""

from __future__ import annotations

import itertools
import secrets

_PREFIX = secrets.token_hex(8)
_COUNTER = itertools.count(1)  # next() on it is atomic under the GIL: safe from aiosqlite's thread too


def new_etag() -> str:
    return f"{_PREFIX}{next(_COUNTER):x}"
