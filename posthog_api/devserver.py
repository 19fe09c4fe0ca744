"""``make run``: migrate, ensure the demo data and key, then run a Celery worker and gunicorn.

The worker is supervised: if it exits it is restarted with backoff (``supervisor.py``) while the
web server keeps serving. Ctrl-C (or SIGTERM) stops every child process. Run it under ``python -m posthog_api.embedded``
to get the embedded PostgreSQL and Redis when ``DATABASE_URL`` / ``REDIS_URL`` are unset.

Each child runs in its own process group, so Ctrl-C reaches only this process, which then sends
each group exactly one SIGTERM. (A gunicorn gthread worker that gets the terminal's SIGINT and
then a SIGTERM can deadlock in its thread-pool shutdown and outlive its master.) Whatever is
still running after the grace period is killed with its whole group, so no worker is orphaned.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from posthog_api.supervisor import Supervised

BIND = os.environ.get("BIND", "127.0.0.1:8000")
# Every gunicorn setting, shared with the Dockerfile's command.
GUNICORN_CONFIG = "python:posthog_api.gunicorn_conf"


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)


GRACE_SECONDS = 20


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def worker_command(queues: str = "default,insights_refresh", concurrency: int = 2) -> list[str]:
    """The Celery worker as ``make run`` and docker-compose run it (the tests run it too).

    Without gossip, mingle and heartbeat: this service uses none of them (no event monitor, no
    remote revoke), and with celery/kombu 5.7 their steps are what breaks on a broker reconnect
    (they close their channels after the consumer dropped its connection:
    ``Error on restarting Gossip: AttributeError``; see README "Celery worker and Redis").
    """
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "posthog_api",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "INFO",
    ]


def web_command() -> list[str]:
    """Gunicorn with every setting from ``posthog_api/gunicorn_conf.py``."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        GUNICORN_CONFIG,
        "--bind",
        BIND,
        "posthog_api.wsgi",
    ]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
    # The demo's printed curl lines use SITE_URL: point them at where the server really listens.
    os.environ.setdefault("SITE_URL", f"http://{BIND}")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s devserver: %(message)s"
    )
    _manage("migrate", "--noinput", "-v", "0")
    _manage("ensure_demo", "--events", os.environ.get("DEMO_EVENTS", "20000"))
    worker = Supervised(
        "celery worker",
        lambda: subprocess.Popen(worker_command(), start_new_session=True),
        on_exit=lambda dead: _signal_group(dead, signal.SIGKILL),
    )
    web = subprocess.Popen(web_command(), start_new_session=True)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"Serving on http://{BIND} (Ctrl-C stops the web server and the worker)", flush=True)
    # A dead worker is restarted (with backoff); a dead web server ends the run.
    while not stopping and web.poll() is None:
        worker.check()
        time.sleep(0.2)
    children = [worker.process, web]
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
