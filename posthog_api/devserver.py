"""``make run``: migrate, ensure the demo data and key, then run a Celery worker and gunicorn.

Ctrl-C (or SIGTERM) stops every child process. Run it under ``python -m posthog_api.embedded``
to get the embedded PostgreSQL and Redis when ``DATABASE_URL`` / ``REDIS_URL`` are unset.

Each child runs in its own process group, so Ctrl-C reaches only this process, which then sends
each group exactly one SIGTERM. (A gunicorn gthread worker that gets the terminal's SIGINT and
then a SIGTERM can deadlock in its thread-pool shutdown and outlive its master.) Whatever is
still running after the grace period is killed with its whole group, so no worker is orphaned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType

BIND = os.environ.get("BIND", "127.0.0.1:8000")
# Workers and threads, shared with the Dockerfile's command.
GUNICORN_CONFIG = "python:posthog_api.gunicorn_conf"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)


GRACE_SECONDS = 20


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
    _manage("migrate", "--noinput", "-v", "0")
    _manage("ensure_demo", "--events", os.environ.get("DEMO_EVENTS", "20000"))
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "posthog_api",
                "worker",
                "-Q",
                "default,insights_refresh",
                "--concurrency",
                "2",
                "-l",
                "INFO",
            ],
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                GUNICORN_CONFIG,
                "posthog_api.wsgi",
                "--bind",
                BIND,
            ],
            start_new_session=True,
        ),
    ]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"Serving on http://{BIND} (Ctrl-C stops the web server and the worker)", flush=True)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Also reaps workers a master left behind.
        _signal_group(child, signal.SIGKILL)
        child.wait()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
