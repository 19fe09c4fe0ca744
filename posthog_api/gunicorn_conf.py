"""Gunicorn's configuration, for ``make run`` (``devserver.py``) and the Docker image alike:
``gunicorn -c python:posthog_api.gunicorn_conf posthog_api.wsgi``.

Every gunicorn setting lives here so that process/thread counts change in one place. ``--bind``
on the command line (or ``BIND``) says where to listen.

Prometheus multiprocess mode: each worker process writes its metric values to files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` (``coalescing/views.py``) sums them, so every scrape
reads the same totals whichever worker answers it. The directory is emptied when the master
starts (files of a previous run would be counted again) and a dead worker's live-only values are
dropped by ``child_exit``. The variable must be set before any worker imports prometheus_client,
which is why this module, loaded by the master before it forks, sets it.

Request slots = workers x threads. A coalesced follower holds its slot while it waits, and
requests beyond the slots queue in the worker until one frees up; identical requests that queued
while the leader ran reuse its finished answer (``QUERY_COALESCING_RESULT_TTL_SECONDS``), so the
slot count does not decide how many times a burst computes (README "Coalescing: late followers").
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from posthog_api.env import env_int

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
worker_class = "gthread"
threads = env_int("GUNICORN_THREADS", 8, minimum=1)
timeout = 120
accesslog = "-"

# Set before prometheus_client is imported anywhere (it picks its value store at import).
_OWN_DIRECTORY = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_DIRECTORY:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="posthog-metrics-")


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    # Only the files prometheus_client writes: never wipe whatever else an operator pointed us at.
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server: Any) -> None:
    if _OWN_DIRECTORY:  # the temporary one made for this master: nobody else reads it
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
