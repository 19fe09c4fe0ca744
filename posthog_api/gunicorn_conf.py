"""Gunicorn settings shared by ``make run`` (``devserver.py``) and the Docker image.

``gunicorn -c python:posthog_api.gunicorn_conf posthog_api.wsgi``. Only the process model lives
here; the bind address stays on each command line. ``WEB_CONCURRENCY`` (gunicorn's own variable)
sets the number of worker processes: 2 for ``make run``, the image sets 4.

Request slots = workers x threads. A coalesced follower holds its slot while it waits, and
requests beyond the slots queue in the worker until one frees up; identical requests that queued
while the leader ran reuse its finished answer (``QUERY_COALESCING_RESULT_TTL_SECONDS``), so the
slot count does not decide how many times a burst computes (README "Coalescing: late followers").
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 120
accesslog = "-"
