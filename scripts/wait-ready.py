"""Wait until the web server answers, then ask it for a tenant's login page once (the first
request loads the templates and the modules a page needs: a newcomer's first page is fast).

Usage: wait-ready.py BASE_URL HOST   (exit 1 when the server does not answer within 60 s)
"""

import contextlib
import sys
import time
import urllib.error
import urllib.request


def main(base: str, host: str) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    else:
        sys.stderr.write(f"The web server did not answer on {base} within 60 s.\n")
        return 1
    request = urllib.request.Request(f"{base}/accounts/login/", headers={"Host": host})
    # Warming only: the page itself reports its errors when opened.
    with contextlib.suppress(urllib.error.URLError, OSError):
        urllib.request.urlopen(request, timeout=30).close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
