"""A scripted browser for login and connect flows: ``python -m tests.support.browser URL`` follows
redirects (to the identity provider, back to gestaltd or to a CLI's loopback listener) the way a
browser would, and prints where it ended. Use it as ``BROWSER`` for ``webbrowser``."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def follow(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as reply:
            print(reply.status, reply.url)
    except urllib.error.HTTPError as exc:  # the last page may be a 404 (no web UI): the trip is done
        print(exc.code, exc.url)
    return 0


if __name__ == "__main__":
    raise SystemExit(follow(sys.argv[1]))
