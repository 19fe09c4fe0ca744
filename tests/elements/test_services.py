from __future__ import annotations

import pytest

from elements.models import ElementGroup
from elements.services import element_create
from elements.services import element_delete
from elements.services import element_update
from tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_elements_with_the_same_chain_share_their_team_group(team):
    first = element_create(team=team, fields={"tag_name": "a", "text": "Docs"})
    second = element_create(team=team, fields={"tag_name": "a", "text": "Docs"})
    other = element_create(team=team, fields={"tag_name": "button"})
    assert first.group_id == second.group_id != other.group_id
    assert ElementGroup.objects.filter(team=team).count() == 2


def test_the_same_chain_in_another_team_gets_its_own_group(team):
    elsewhere = make_team(name="Elsewhere")
    mine = element_create(team=team, fields={"tag_name": "a"})
    theirs = element_create(team=elsewhere, fields={"tag_name": "a"})
    assert mine.group_id != theirs.group_id


def test_update_keeps_the_group_and_delete_removes_only_the_element(team):
    element = element_create(team=team, fields={"tag_name": "a"})
    group_id = element.group_id
    element_update(element=element, fields={"tag_name": "button", "nth_child": 3})
    element.refresh_from_db()
    assert (element.tag_name, element.nth_child, element.group_id) == ("button", 3, group_id)
    element_delete(element=element)
    assert ElementGroup.objects.filter(pk=group_id).exists()
