"""Capture endpoints PostHog's SDKs call (``/batch/``, ``/capture/``, ``/e/``, ``/i/v0/e/``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
