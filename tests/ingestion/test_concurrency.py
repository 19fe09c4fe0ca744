"""Concurrent batches for the same new users must still give one person per distinct_id."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from posthog_api.ingestion.parsing import parse_events
from posthog_api.ingestion.services import ingest_events
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_create_one_person_per_distinct_id(team: Team) -> None:
    distinct_ids = [f"user-{n}" for n in range(20)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send(offset: int) -> None:
        try:
            # Each thread sends the same users in a different order.
            order = distinct_ids[offset:] + distinct_ids[:offset]
            raw = [
                {"event": "e", "distinct_id": d, "properties": {"$set": {"t": offset}}}
                for d in order
            ]
            events = parse_events(raw, extra={}, now=timezone.now())
            barrier.wait()
            ingest_events(team=team, events=events, now=timezone.now())
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n * 5,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Person.objects.filter(team=team).count() == 20
    assert PersonDistinctId.objects.filter(team=team).count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_large_and_a_small_batch_for_the_same_new_user_create_one_person(team: Team) -> None:
    # The large batch has more distinct ids than are locked one by one; the small one fewer.
    large = [{"event": "e", "distinct_id": f"other-{n}"} for n in range(1_000)]
    large.append({"event": "e", "distinct_id": "shared", "properties": {"$set": {"by": "large"}}})
    small = [{"event": "e", "distinct_id": "shared", "properties": {"$set": {"by": "small"}}}]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send(raw: list[dict[str, object]]) -> None:
        try:
            events = parse_events(raw, extra={}, now=timezone.now())
            barrier.wait()
            ingest_events(team=team, events=events, now=timezone.now())
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(raw,)) for raw in (large, small, large, small)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert PersonDistinctId.objects.filter(team=team, distinct_id="shared").count() == 1
    assert Person.objects.filter(team=team).count() == 1_001
