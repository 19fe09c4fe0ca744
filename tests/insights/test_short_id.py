from __future__ import annotations

import pytest

from insights.models import Insight
from insights.services.insights import _insert_with_unique_short_id
from tests.factories import make_environment
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def test_a_colliding_short_id_is_drawn_again(team, owner):
    existing = make_insight(team=team, user=owner)
    clash = Insight(team=team, name="clash", short_id=existing.short_id)
    _insert_with_unique_short_id(clash)
    assert clash.pk is not None
    assert clash.short_id != existing.short_id
    assert len(clash.short_id) == 8


def test_short_ids_are_unique_per_team_only(team, owner):
    existing = make_insight(team=team, user=owner)
    staging = make_environment(team=team)
    same = Insight(team=staging, name="same", short_id=existing.short_id)
    _insert_with_unique_short_id(same)
    assert same.short_id == existing.short_id
