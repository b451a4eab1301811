"""Values computed once per request (the id lists every permission filter starts from).

A request's middleware opens a scope; outside one (services called from commands, tests,
workers) nothing is kept and every call computes afresh, so a change made by a service is
seen by the next read there. Inside a request the lists are read once: a page asks
"which posts and inboxes does this user handle?" up to five times.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_MEMO: ContextVar[dict | None] = ContextVar("request_memo", default=None)


def request_memo[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The value for `key` in this request, computed on first use (or each time outside)."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def in_request() -> bool:
    """Whether a request's memo scope is open (not a worker, command or plain test call)."""
    return _MEMO.get() is not None


def request_memo_put(key: Hashable, value) -> None:
    """Record a value this request already knows (nothing is kept outside a request)."""
    memo = _MEMO.get()
    if memo is not None:
        memo[key] = value


def request_memo_clear() -> None:
    """Forget this request's values (after a write that changes who handles what)."""
    memo = _MEMO.get()
    if memo is not None:
        memo.clear()


@contextmanager
def request_memo_scope() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
