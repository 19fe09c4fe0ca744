"""A batch with very many distinct ids is stored, and takes a bounded number of locks."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team
from tests.ingestion.helpers import batch
from tests.ingestion.helpers import person_of
from tests.ingestion.helpers import post_json

pytestmark = pytest.mark.django_db


def _advisory_locks_held() -> int:
    # The test's transaction is still open, so the batch's transaction-scoped locks are held.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_a_batch_of_50000_distinct_ids_is_stored(anonymous_client: APIClient, team: Team) -> None:
    events = [{"event": "e", "distinct_id": f"user-{n}"} for n in range(50_000)]
    response = post_json(anonymous_client, "/batch/", batch(team, *events), compress=True)
    assert response.status_code == 200, response.content
    assert Event.objects.filter(team=team).count() == 50_000
    assert Person.objects.filter(team=team).count() == 50_000
    assert PersonDistinctId.objects.filter(team=team).count() == 50_000


def test_a_batch_with_many_distinct_ids_takes_a_bounded_number_of_locks(
    anonymous_client: APIClient, team: Team
) -> None:
    events = [{"event": "e", "distinct_id": f"user-{n}"} for n in range(2_000)]
    assert post_json(anonymous_client, "/batch/", batch(team, *events)).status_code == 200
    assert _advisory_locks_held() <= 1


def test_a_normal_batch_locks_only_its_own_distinct_ids(
    anonymous_client: APIClient, team: Team
) -> None:
    events = [{"event": "e", "distinct_id": f"user-{n}"} for n in range(100)]
    assert post_json(anonymous_client, "/batch/", batch(team, *events)).status_code == 200
    # One lock per distinct id plus the team's shared lock: batches of other users run alongside.
    assert _advisory_locks_held() == 101


def test_identify_in_a_large_batch_merges_as_in_a_small_one(
    anonymous_client: APIClient, team: Team
) -> None:
    events = [{"event": "e", "distinct_id": f"anon-{n}"} for n in range(1_000)]
    events.append(
        {
            "event": "$identify",
            "distinct_id": "user-1",
            "properties": {"$anon_distinct_id": "anon-7"},
        }
    )
    assert post_json(anonymous_client, "/batch/", batch(team, *events)).status_code == 200
    assert person_of(team, "user-1") == person_of(team, "anon-7")
    assert Person.objects.filter(team=team).count() == 1_000
