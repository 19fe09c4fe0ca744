"""Per-key (else per-user) burst and sustained throttles, rates from settings.

The cache is Redis; if it is unavailable the request is allowed rather than failed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from posthog_api.auth import request_api_key

logger = logging.getLogger(__name__)


class _KeyRateThrottle(SimpleRateThrottle):
    setting_name = ""

    def get_rate(self) -> str:
        return str(getattr(settings, self.setting_name))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = request_api_key(request)
        if key is not None:
            ident = f"key:{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request: Request, view: Any) -> bool:
        # Rates are read per request so a settings override (or reload) takes effect.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # Redis down: fail open, never 500
            logger.warning("throttle cache unavailable, allowing request: %s", exc)
            return True


class BurstRateThrottle(_KeyRateThrottle):
    scope = "burst"
    setting_name = "THROTTLE_BURST_RATE"


class SustainedRateThrottle(_KeyRateThrottle):
    scope = "sustained"
    setting_name = "THROTTLE_SUSTAINED_RATE"
