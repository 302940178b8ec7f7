"""The container's health probe: `python -m config.healthcheck [URL]` asks the local gunicorn
for /healthz (or URL) with a Host header the site accepts.

A bare request to 127.0.0.1 carries Host 127.0.0.1, which production's ALLOWED_HOSTS (the real
domain only) answers with 400, so the container would never count as healthy. Plain urllib, no
Django: the probe must stay cheap and must not touch the database itself.
"""

import os
import sys
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """The first concrete name in ALLOWED_HOSTS ('.example.org' matches example.org itself)."""
    for entry in (h.strip() for h in allowed_hosts.split(",")):
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def main() -> int:
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    url = sys.argv[1] if len(sys.argv) > 1 else URL
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except Exception:
        return 1


if __name__ == "__main__":
    sys.exit(main())
