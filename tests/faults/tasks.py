"""Tasks that the fault tests' worker processes run."""

import os
import time

from django.tasks import task


@task
def slow_mark(path: str, seconds: float) -> int:
    """Append this process's id to `path`, then take `seconds` (longer than a lease)."""
    with open(path, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return os.getpid()
