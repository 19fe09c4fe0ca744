"""Capture endpoints PostHog's SDKs call (``/batch/``, ``/capture/``, ``/e/``, ``/i/v0/e/``)."""

from __future__ import annotations

from django.urls import URLPattern
from django.urls import path

from posthog_api.ingestion.views import CaptureView

capture = CaptureView.as_view()

urlpatterns: list[URLPattern] = [
    path("batch/", capture, name="capture-batch"),
    path("capture/", capture, name="capture"),
    path("e/", capture, name="capture-e"),
    path("i/v0/e/", capture, name="capture-i-v0-e"),
]
