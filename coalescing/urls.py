"""Mounted at the site root by ``posthog_api/urls.py``: ``/metrics``."""

from __future__ import annotations

from django.urls import path

from coalescing.views import metrics_view

urlpatterns = [path("metrics", metrics_view, name="metrics")]
