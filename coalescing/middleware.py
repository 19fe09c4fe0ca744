"""``QueryCoalescingMiddleware``: identical concurrent heavy requests compute once.

Sits right after ``AuthenticationMiddleware``. For a request that ``routes.coalescing_team_id``
accepts, the first one in leads a ``Flight`` (``flight.py``) and runs normally; each other one
continues down the normal chain with a ``Ticket`` in ``request.META["_coalesced_response"]``.
``QueryCoalescingMixin`` checks that follower's own access first, then waits on the ticket for the
leader's answer (``ticket.py``). Rules:

* 2xx/3xx and 5xx answers are shared; 4xx answers depend on the caller and never are, nor is a
  200 reporting a failed or cancelled query (``mixins.reports_failed_query``).
* A follower whose leader died takes over (one of them) and this middleware publishes its answer;
  past ``QUERY_COALESCING_MAX_WAIT_SECONDS`` a follower gets a retryable 503 with ``Retry-After``.
* Any Redis error: the request runs on its own (fail open).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseBase

from coalescing import metrics
from coalescing.flight import Flight
from coalescing.flight import FlightTiming
from coalescing.flight import Role
from coalescing.keys import request_key
from coalescing.mixins import COALESCED_RESPONSE_META
from coalescing.mixins import SHAREABLE_ATTR
from coalescing.routes import coalescing_for
from coalescing.ticket import Ticket
from coalescing.ticket import encode_payload
from posthog_api.redis_client import client_for

logger = logging.getLogger(__name__)


def is_shareable(response: HttpResponseBase) -> bool:
    """2xx/3xx/5xx answers are shared; 4xx depend on the caller, and the view may veto sharing."""
    if response.streaming or not isinstance(response, HttpResponse):
        return False
    if not getattr(response, SHAREABLE_ATTR, True):
        return False
    return not 400 <= response.status_code < 500


def timing_from_settings() -> FlightTiming:
    return FlightTiming(
        heartbeat=settings.QUERY_COALESCING_HEARTBEAT_SECONDS,
        max_wait=settings.QUERY_COALESCING_MAX_WAIT_SECONDS,
        result_ttl=settings.QUERY_COALESCING_RESULT_TTL_SECONDS,
    )


class QueryCoalescingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.QUERY_COALESCING_ENABLED:
            return self.get_response(request)
        coalescing = coalescing_for(request)
        if coalescing is None:
            return self.get_response(request)
        key = request_key(
            team_id=coalescing.team_id,
            method=request.method or "",
            path=request.path_info,
            query_string=request.META.get("QUERY_STRING", ""),
            body=request.body if request.method == "POST" else b"",
        )
        flight = Flight(
            client_for(settings.QUERY_COALESCING_REDIS_URL),
            prefix=settings.REDIS_KEY_PREFIX,
            key=key,
            timing=timing_from_settings(),
        )
        try:
            role = flight.join(reuse_finished=coalescing.reuse_finished)
        except redis.RedisError as exc:
            metrics.FAIL_OPEN.inc()
            logger.warning("Query coalescing skipped, Redis unavailable: %s", exc)
            return self.get_response(request)
        if role is Role.LEADER:
            metrics.LEADERS.inc()
            return self._lead(request, flight)
        metrics.FOLLOWERS.inc()
        return self._follow(request, flight)

    def _lead(self, request: HttpRequest, flight: Flight) -> HttpResponseBase:
        published = False
        try:
            with flight.heartbeat():
                response = self.get_response(request)
            published = self._publish(flight, response)
            return response
        finally:
            if not published:
                self._release_quietly(flight)

    def _follow(self, request: HttpRequest, flight: Flight) -> HttpResponseBase:
        ticket = Ticket(flight)
        request.META[COALESCED_RESPONSE_META] = ticket
        published = False
        try:
            response = self.get_response(request)
            if ticket.leading:  # took over from a dead leader: share what it computed
                published = self._publish(flight, response)
            return response
        finally:
            if ticket.leading and not published:
                self._release_quietly(flight)

    @staticmethod
    def _publish(flight: Flight, response: HttpResponseBase) -> bool:
        """Share the answer (or tell followers to run alone) and free the lock; False if not."""
        try:
            if is_shareable(response):
                assert isinstance(response, HttpResponse)
                return flight.finish(encode_payload(response))
            metrics.NOT_SHARED.inc()
            return flight.fail()
        except redis.RedisError as exc:
            # The answer is computed; only telling the followers failed. They take over or
            # time out; this caller still gets its answer.
            logger.warning("Query coalescing could not publish: %s", exc)
            return False

    @staticmethod
    def _release_quietly(flight: Flight) -> None:
        try:
            flight.release()
        except redis.RedisError as exc:
            logger.warning("Query coalescing could not release its lock: %s", exc)
