"""``QueryCoalescingMixin``: the DRF half of coalescing, the first base of a coalesced ViewSet.

Usage::

    class InsightViewSet(QueryCoalescingMixin, TeamScopedViewSetMixin, viewsets.ModelViewSet):
        coalesce_actions = frozenset({"retrieve"})
        coalesce_caller_fields = ("user_access_level",)

``coalesce_actions`` is what ``QueryCoalescingMiddleware`` reads to decide whether a request may
be coalesced at all; ``coalesces(request, action)`` can then exempt a request that has nothing
to compute. For a follower (a ``Ticket`` in ``request.META["_coalesced_response"]``),
``dispatch`` runs the same steps as DRF's own dispatch: ``initial()`` (authentication, content
negotiation, view permissions, throttles) and, for a detail action, ``get_object()`` so the
object-level permission check runs too. Only then does it wait for the leader, so a caller
without access gets its own 401/403/404 at once and never sees the shared body, and the checks
of all followers overlap the leader's computation instead of following it. The shared answer is
then finalized like any other response.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

import orjson
from django.db import connection
from django.http import HttpRequest
from django.http import HttpResponse
from django.http import HttpResponseBase
from rest_framework.response import Response

from coalescing.flight import Outcome
from coalescing.ticket import Ticket
from coalescing.ticket import timeout_response

COALESCED_RESPONSE_META = "_coalesced_response"
# Set to False on a response that followers must not reuse (read by the middleware).
SHAREABLE_ATTR = "coalescing_shareable"


def reports_failed_query(data: Any) -> bool:
    """A 200 whose ``query_status`` says the query failed or was cancelled: that outcome belongs
    to the leader's request (its cancel, its timeout), so followers compute their own."""
    status = data.get("query_status") if isinstance(data, dict) else None
    return isinstance(status, dict) and bool(status.get("error"))


def _base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class QueryCoalescingMixin:
    coalesce_actions: ClassVar[frozenset[str]] = frozenset()
    # Fields of the detail serializer that differ per caller (access levels...). A follower gets
    # its own values for these, recomputed from the object, instead of the leader's.
    coalesce_caller_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def coalesces(cls, request: HttpRequest, action: str) -> bool:
        """Whether this request of a ``coalesce_actions`` action takes part in coalescing.

        Override to let requests that cannot compute anything skip the lock, its heartbeat and
        the stored answer (e.g. an insight retrieve that only reads the result cache).
        """
        return True

    @classmethod
    def reuses_finished_answers(cls, request: HttpRequest, action: str) -> bool:
        """Whether an identical request that joins just after the leader finished takes its
        answer (a late follower: it queued behind busy server threads while the leader ran).

        Only for requests that compute whatever the result cache holds (``force_blocking``):
        any other request reads the cache itself, as cheaply, and reports ``is_cached`` truly.
        """
        return False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ticket = request.META.pop(COALESCED_RESPONSE_META, None)
        if not isinstance(ticket, Ticket):
            response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            _mark_unshareable_failures(response)
            return response
        view: Any = self
        # The same steps as APIView.dispatch, with a wait for the leader after the checks.
        view.args = args
        view.kwargs = kwargs
        drf_request = view.initialize_request(request, *args, **kwargs)
        view.request = drf_request
        view.headers = view.default_response_headers
        try:
            view.initial(drf_request, *args, **kwargs)
            obj = view.get_object() if self._is_detail_action() else None
            if ticket.flight.finished is None:  # a real wait, not an answer at hand
                _release_database_connection()
            outcome, shared = ticket.wait()
            if outcome is Outcome.DONE and shared is not None:
                answer = self.coalesced_response(shared, obj)
            elif outcome is Outcome.TIMEOUT:
                answer = timeout_response(ticket.flight.timing.heartbeat)
            elif outcome is Outcome.LEAD:
                with ticket.flight.heartbeat():
                    answer = self._handle(drf_request, *args, **kwargs)
            else:
                answer = self._handle(drf_request, *args, **kwargs)
        except Exception as exc:
            answer = view.handle_exception(exc)
        view.response = view.finalize_response(drf_request, answer, *args, **kwargs)
        _mark_unshareable_failures(view.response)
        return view.response  # type: ignore[no-any-return]

    def _handle(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Run the action itself (``initial()`` already ran), as APIView.dispatch would."""
        view: Any = self
        method = (request.method or "").lower()
        if method in view.http_method_names:
            handler = getattr(view, method, view.http_method_not_allowed)
        else:
            handler = view.http_method_not_allowed
        return handler(request, *args, **kwargs)  # type: ignore[no-any-return]

    def coalesced_response(self, shared: dict[str, Any], obj: Any) -> HttpResponseBase:
        """The follower's response from the leader's stored ``{status, content_type, body}``."""
        view: Any = self
        status: int = shared["status"]
        content_type: str = shared["content_type"]
        body: bytes = shared["body"]
        is_json = _base_type(content_type) == "application/json"
        if is_json and obj is not None and status < 300 and self.coalesce_caller_fields:
            data = orjson.loads(body)
            if isinstance(data, dict):
                data.update(self.caller_field_values(obj))
            return Response(data, status=status)
        renderer = getattr(view, "accepted_renderer", None)
        if renderer is not None and _base_type(renderer.media_type) == _base_type(content_type):
            # Same representation the follower asked for: hand over the exact bytes.
            return HttpResponse(body, status=status, content_type=content_type)
        if is_json:
            # The follower negotiated another renderer (browsable API...): render the data anew.
            return Response(orjson.loads(body), status=status)
        return HttpResponse(body, status=status, content_type=content_type)

    def caller_field_values(self, obj: Any) -> dict[str, Any]:
        view: Any = self
        serializer = view.get_serializer(obj)
        values: dict[str, Any] = {}
        for name in self.coalesce_caller_fields:
            field = serializer.fields[name]
            attribute = field.get_attribute(obj)
            values[name] = None if attribute is None else field.to_representation(attribute)
        return values

    def _is_detail_action(self) -> bool:
        view: Any = self
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        return lookup in view.kwargs and hasattr(view, "get_object")


def _release_database_connection() -> None:
    """A follower's checks are done and it may wait for seconds: hand its PostgreSQL connection
    back instead of pinning one per waiting request (a burst of identical requests would
    otherwise hold as many connections as requests). Reopened if the follower needs it again."""
    if not connection.in_atomic_block:
        connection.close()


def _mark_unshareable_failures(response: HttpResponseBase) -> None:
    if reports_failed_query(getattr(response, "data", None)):
        setattr(response, SHAREABLE_ATTR, False)
