"""Personal API key authentication (``phx_…``), read from the header, the body or the query string."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from posthog_api.models import PersonalAPIKey
from posthog_api.models import User
from posthog_api.models.personal_api_key import hash_key_value

# last_used_at is written at most this often, so a busy key does not cost a write per request.
LAST_USED_GRANULARITY = timedelta(hours=1)


def find_key_in_request(request: Request) -> tuple[str, str] | None:
    """Return ``(key, where)`` from the first place a personal API key appears, else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip() and not token.strip().startswith("pha_"):
        return token.strip(), "Authorization header"
    # Reading request.data here would consume the stream for other parsers; only JSON/form bodies
    # that DRF already knows how to parse are looked at.
    try:
        data = request.data
    except Exception:
        data = None
    if isinstance(data, dict) and isinstance(data.get("personal_api_key"), str):
        return data["personal_api_key"], "body"
    query_value = request.query_params.get("personal_api_key")
    if query_value:
        return query_value, "query string"
    return None


class PersonalAPIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, PersonalAPIKey] | None:
        found = find_key_in_request(request)
        if found is None:
            return None
        value, where = found
        key = (
            PersonalAPIKey.objects.select_related("user")
            .filter(secure_value=hash_key_value(value))
            .first()
        )
        if key is None or not key.user.is_active:
            raise AuthenticationFailed(f"Personal API key found in request {where} is invalid.")
        self._touch(key)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

    @staticmethod
    def _touch(key: PersonalAPIKey) -> None:
        now = timezone.now()
        if key.last_used_at is not None and now - key.last_used_at < LAST_USED_GRANULARITY:
            return
        # Conditional update: concurrent requests within the hour write once.
        stale_before = now - LAST_USED_GRANULARITY
        PersonalAPIKey.objects.filter(pk=key.pk).filter(last_used_at__isnull=True).update(
            last_used_at=now
        ) or PersonalAPIKey.objects.filter(pk=key.pk, last_used_at__lt=stale_before).update(
            last_used_at=now
        )
        key.last_used_at = now


def authenticated_user(request: Any) -> User:
    """The request's user, for code behind IsAuthenticated (narrows the type for mypy too)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationFailed("Authentication credentials were not provided.")
    return user


def request_api_key(request: Any) -> PersonalAPIKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, PersonalAPIKey) else None
