from __future__ import annotations

import pytest

from activity.models import ActivityLog
from activity.services import changes_between
from activity.services import log_activity


def test_reports_created_deleted_and_changed_fields():
    before = {
        "name": "a",
        "description": None,
        "tags": ["x", "y"],
        "deleted": False,
        "query": {"k": 1},
    }
    after = {"name": "b", "description": "new", "tags": ["y", "x"], "deleted": True, "query": None}
    changes = {c["field"]: c for c in changes_between(scope="Thing", before=before, after=after)}
    assert changes["name"] == {
        "type": "Thing",
        "action": "changed",
        "field": "name",
        "before": "a",
        "after": "b",
    }
    assert changes["description"] == {
        "type": "Thing",
        "action": "created",
        "field": "description",
        "after": "new",
    }
    assert changes["query"] == {
        "type": "Thing",
        "action": "deleted",
        "field": "query",
        "before": {"k": 1},
    }
    assert changes["deleted"]["before"] is False
    assert changes["deleted"]["after"] is True
    assert "tags" not in changes  # re-ordered strings are not a change


def test_both_sides_empty_is_no_change():
    assert (
        changes_between(
            scope="T", before={"a": None, "b": "", "c": []}, after={"a": {}, "b": None, "c": ()}
        )
        == []
    )


def test_excluded_and_common_fields_are_skipped():
    before = {"id": 1, "last_modified_at": "x", "order": 1, "name": "n"}
    after = {"id": 2, "last_modified_at": "y", "order": 2, "name": "n"}
    assert changes_between(scope="T", before=before, after=after, excluded=["order"]) == []


def test_no_before_means_no_changes():
    assert changes_between(scope="T", before=None, after={"name": "x"}) == []


@pytest.mark.django_db
def test_updated_without_changes_is_not_written(team):
    written = log_activity(
        organization_id=team.organization_id, team_id=team.id, user=None, item_id=5,
        scope="Insight", activity="updated", detail={"changes": []},
    )  # fmt: skip
    assert written is None
    assert not ActivityLog.objects.exists()


@pytest.mark.django_db
def test_system_write_is_flagged_and_item_id_is_a_string(team):
    row = log_activity(
        organization_id=team.organization_id, team_id=team.id, user=None, item_id=5,
        scope="Insight", activity="created", detail={"changes": None},
    )  # fmt: skip
    assert row.is_system is True
    assert row.item_id == "5"
