"""The worker container's health probe: `python -m config.workercheck [--pid N]`.

The worker serves no HTTP, so the probe asks two things: is `manage.py db_worker` the container's
main process (PID 1 after the compose command's `exec`), alive and not stopped, and does the
database answer (the worker takes its tasks from it)? Exit 0 when both hold, else 1 with the
reason on stderr (docker inspect shows it).
"""

import argparse
import os
import sys
from pathlib import Path


def worker_problem(pid: int) -> str | None:
    """Why process `pid` is not a running db_worker, or None."""
    proc = Path("/proc") / str(pid)
    try:
        command = (proc / "cmdline").read_bytes().split(b"\0")
        # /proc/PID/stat: "pid (comm) state …"; comm may hold spaces or parentheses.
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return f"no process {pid}"
    if b"db_worker" not in command:
        return f"process {pid} is not db_worker: {b' '.join(command).decode(errors='replace')}"
    if state in ("Z", "X", "T", "t"):
        return f"db_worker (process {pid}) is not running (state {state})"
    return None


def database_problem() -> str | None:
    """Why the database does not answer, or None."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; the reason is printed
        return f"database: {exc}"
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, default=1, help="the worker's process id (default: 1)")
    args = parser.parse_args(argv)
    problem = worker_problem(args.pid) or database_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
