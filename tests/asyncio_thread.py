"""Run an async test body on its own event loop in a fresh thread.

Playwright's sync API (the browser tests) keeps an event loop running in the main thread of a
test process for the whole session; a test that needs its own loop would then fail with
"cannot be called from a running event loop". A fresh thread has no loop.
"""

import asyncio
import functools
import threading


def in_own_loop(test):
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        outcome: dict = {}

        def target():
            try:
                outcome["value"] = asyncio.run(test(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001  (re-raised in the test thread)
                outcome["error"] = exc

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    return wrapper
