"""``/metrics``: Prometheus exposition of every gunicorn worker's metrics, summed (multiprocess
mode, ``PROMETHEUS_MULTIPROC_DIR``, set up by ``posthog_api/gunicorn_conf.py``), or of this
process alone where that is unset (the test server). Readable with ``METRICS_TOKEN`` or, without
one, from loopback only (``posthog_api/metrics_access.py``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from prometheus_client import multiprocess

from posthog_api.metrics_access import metrics_access_denial


def metrics_view(request: HttpRequest) -> HttpResponse:
    denial = metrics_access_denial(request)
    if denial is not None:
        return denial
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
