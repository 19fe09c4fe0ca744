from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from posthog_api.models import Event
from posthog_api.models import Team
from tests.ingestion.helpers import person_of

ROWS = [
    {
        "uuid": "0190a0f2-1c2b-7c3d-8e4f-0a1b2c3d4e5f",
        "event": "$pageview",
        "distinct_id": "anon-1",
        "timestamp": "2024-01-02T10:00:00Z",
        "properties": orjson.dumps({"$current_url": "https://x.io/", "$session_id": "s1"}).decode(),
        "elements_chain": "",
        "team_id": 999,
    },
    {
        "uuid": "0190a0f2-1c2b-7c3d-8e4f-0a1b2c3d4e60",
        "event": "$identify",
        "distinct_id": "user-1",
        "timestamp": "2024-01-02T10:01:00Z",
        "properties": {"$anon_distinct_id": "anon-1"},
        "set": {"email": "u1@x.io"},
    },
    {
        "uuid": "0190a0f2-1c2b-7c3d-8e4f-0a1b2c3d4e61",
        "event": "$autocapture",
        "distinct_id": "user-1",
        "timestamp": "2024-01-02T10:02:00Z",
        "properties": {},
        "elements_chain": 'button:nth-child="1"nth-of-type="1"text="Buy"',
    },
]


def _import(path: Path, team: Team, *args: str) -> str:
    out = StringIO()
    call_command(
        "import_events", str(path), "--team", str(team.pk), "--no-progress", *args, stdout=out
    )
    return out.getvalue()


@pytest.mark.django_db
def test_imports_json_lines_with_persons_and_chains(tmp_path: Path, team: Team) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in ROWS))
    assert "3 events stored" in _import(path, team)
    pageview = Event.objects.get(team=team, event="$pageview")
    assert pageview.properties["$current_url"] == "https://x.io/"
    assert pageview.session_id == "s1"
    assert pageview.timestamp.isoformat() == "2024-01-02T10:00:00+00:00"
    assert str(pageview.uuid) == ROWS[0]["uuid"]
    assert (
        Event.objects.get(team=team, event="$autocapture").elements_chain
        == ROWS[2]["elements_chain"]
    )
    person = person_of(team, "anon-1")
    assert person_of(team, "user-1").pk == person.pk
    assert person.properties == {"email": "u1@x.io"}


@pytest.mark.django_db
def test_importing_twice_stores_each_event_once(tmp_path: Path, team: Team) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in ROWS)))
    _import(path, team)
    assert "0 events stored, 3 already present" in _import(path, team)
    assert Event.objects.filter(team=team).count() == 3


@pytest.mark.django_db
def test_imports_csv_with_flattened_property_columns(tmp_path: Path, team: Team) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event,distinct_id,timestamp,properties.$browser,properties.plan\n"
        "$pageview,u1,2024-01-02T10:00:00Z,Chrome,pro\n"
        "signed_up,u2,2024-01-02T11:00:00Z,Safari,\n"
    )
    _import(path, team)
    _import(path, team)  # rows without uuid get a derived one: still stored once
    events = {e.event: e for e in Event.objects.filter(team=team)}
    assert len(events) == 2
    assert events["$pageview"].properties == {"$browser": "Chrome", "plan": "pro"}
    assert events["signed_up"].properties == {"$browser": "Safari"}


@pytest.mark.django_db
def test_a_bad_row_stops_the_import_naming_its_line(tmp_path: Path, team: Team) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"event": "a", "distinct_id": "u1", "timestamp": "2024-01-02T10:00:00Z"}\n{"event": "b", "timestamp": "2024-01-02T10:00:00Z"}\n'
    )
    with pytest.raises(CommandError, match="line 2: This field is required"):
        _import(path, team, "--batch-size", "1")


@pytest.mark.django_db
def test_skip_invalid_counts_bad_rows(tmp_path: Path, team: Team) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"event": "a", "distinct_id": "u1", "timestamp": "2024-01-02T10:00:00Z"}\n'
        "not json\n"
        '{"event": "b", "distinct_id": "u1"}\n'
    )
    assert "1 events stored, 0 already present, 2 skipped" in _import(path, team, "--skip-invalid")


@pytest.mark.django_db
def test_unknown_team_or_missing_file_is_an_error(tmp_path: Path, team: Team) -> None:
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_events", str(tmp_path / "missing.jsonl"), "--team", str(team.pk))
    path = tmp_path / "e.jsonl"
    path.write_text("")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_events", str(path), "--team", "999999")
