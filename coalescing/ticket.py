"""A follower's ticket: its place in a flight, waited on by the DRF mixin after its own checks.

The middleware hands the ticket to the view in ``request.META["_coalesced_response"]``. The mixin
authenticates and authorizes the follower first (so a caller without access is answered at once
and never waits), then calls ``wait()``:

* ``DONE`` with the leader's stored ``{status, content_type, body}``: serve it;
* ``ERROR`` (the leader's answer is not shareable, or Redis failed): compute on its own;
* ``LEAD`` (the leader died and this follower took over): compute, and the middleware publishes;
* ``TIMEOUT``: answer a retryable 503.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from django.http import HttpResponse
from django.http import JsonResponse

from coalescing import metrics
from coalescing.flight import Flight
from coalescing.flight import Outcome
from posthog_api.exceptions import error_body

logger = logging.getLogger(__name__)

TIMEOUT_DETAIL = "An identical query is still running. Please retry shortly."


def encode_payload(response: HttpResponse) -> bytes:
    head = orjson.dumps({"status": response.status_code, "content_type": response["Content-Type"]})
    return head + b"\n" + response.content


def decode_payload(raw: bytes) -> dict[str, Any] | None:
    head, sep, body = raw.partition(b"\n")
    if not sep:
        return None
    try:
        meta = orjson.loads(head)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("status"), int):
        return None
    return {"status": meta["status"], "content_type": str(meta.get("content_type")), "body": body}


def timeout_response(heartbeat_seconds: float) -> JsonResponse:
    body = error_body(
        type_="server_error", code="query_in_progress", detail=TIMEOUT_DETAIL, attr=None
    )
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(max(1, math.ceil(heartbeat_seconds)))
    return response


@dataclass
class Ticket:
    flight: Flight
    leading: bool = False

    def wait(self) -> tuple[Outcome, dict[str, Any] | None]:
        try:
            result = self.flight.wait()
        except redis.RedisError as exc:
            metrics.FAIL_OPEN.inc()
            logger.warning("Query coalescing wait failed, running alone: %s", exc)
            return Outcome.ERROR, None
        if result.outcome is Outcome.LEAD:
            metrics.TAKEOVERS.inc()
            self.leading = True
            return Outcome.LEAD, None
        if result.outcome is Outcome.TIMEOUT:
            metrics.TIMEOUTS.inc()
            return Outcome.TIMEOUT, None
        if result.outcome is Outcome.DONE and result.payload is not None:
            shared = decode_payload(result.payload)
            if shared is not None:
                metrics.SHARED.inc()
                return Outcome.DONE, shared
        return Outcome.ERROR, None
