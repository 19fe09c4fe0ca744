"""``/metrics``: Prometheus exposition of this process's metrics (or all workers' in multiprocess
mode, when ``PROMETHEUS_MULTIPROC_DIR`` is set for gunicorn)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from prometheus_client import multiprocess


def metrics_view(request: HttpRequest) -> HttpResponse:
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
