"""A gunicorn server running this project, for benchmarks that go through real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    workers: int, *, env: dict[str, str] | None = None, threads: int = 0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start gunicorn (sync workers, or gthread with ``threads``) and wait until it answers."""
    port = _free_port()
    environment = {
        **os.environ,
        "DEBUG": "false",
        "TESTING": "1",
        "DATABASE_CONN_MAX_AGE": "600",
        **(env or {}),
    }
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "posthog_api.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *worker_class,
            # Import the app once in the master and fork ready workers, as production
            # deployments do; otherwise a worker may still be importing Django (compiling it, as
            # this box sets PYTHONDONTWRITEBYTECODE) while the timed run has started.
            "--preload",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{url}/_health", timeout=10)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)
