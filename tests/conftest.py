"""Fixtures every test can use: a team, three personas (owner, teammate, outsider) and API clients.

Each xdist worker gets its own test database (pytest-django) and its own Redis key prefix, so the
suite runs in parallel against one real PostgreSQL and one real Redis.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from tests.factories import make_key
from tests.factories import make_member
from tests.factories import make_team

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(autouse=True)
def _isolated_redis_namespace(settings: Any) -> Iterator[None]:
    """Give each test its own cache key prefix on the shared Redis, so tests never see each other."""
    prefix = f"test:{WORKER}:{os.urandom(4).hex()}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": prefix},
    }
    settings.REDIS_KEY_PREFIX = prefix
    cache.close()
    yield
    cache.close()


@pytest.fixture
def cache_redis_down(settings: Any) -> None:
    """Point the Django cache (result cache, throttles) at a port nothing listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "posthog_api.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    cache.close()


@pytest.fixture
def team(db: None) -> Team:
    return make_team(name="Acme")


@pytest.fixture
def owner(team: Team) -> User:
    return make_member(team=team, level=OrganizationMembership.Level.OWNER)


@pytest.fixture
def teammate(team: Team) -> User:
    return make_member(team=team, level=OrganizationMembership.Level.MEMBER)


@pytest.fixture
def outsider(db: None) -> User:
    other_team = make_team(name="Elsewhere")
    return make_member(team=other_team, level=OrganizationMembership.Level.OWNER)


def _client_with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_client_for() -> Callable[..., APIClient]:
    """``api_client_for(user, scopes=[...])``: an APIClient authenticated with a real personal key."""

    def build(user: User, scopes: list[str] | tuple[str, ...] = ("*",), **kwargs: Any) -> APIClient:
        return _client_with_key(make_key(user, scopes=scopes, **kwargs))

    return build


@pytest.fixture
def api_client(owner: User, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(owner)


@pytest.fixture
def outsider_client(outsider: User, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(outsider)


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


def pytest_configure(config: pytest.Config) -> None:
    # Keep the throttles out of the way unless a test turns them down on purpose.
    settings.THROTTLE_BURST_RATE = "100000/minute"
    settings.THROTTLE_SUSTAINED_RATE = "1000000/hour"
