"""A query compiled once runs with new values and refuses ambiguous placeholders."""

from __future__ import annotations

import pytest

from posthog_api.compiled_query import CompiledQuery
from posthog_api.models import Team
from tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_the_same_statement_runs_with_each_new_value() -> None:
    acme, globex = make_team(name="Acme"), make_team(name="Globex")
    compiled = CompiledQuery.build(
        Team, lambda pk, name: Team.objects.filter(pk=pk, name=name), "pk", "name"
    )

    assert [t.pk for t in compiled.fetch(pk=acme.pk, name="Acme")] == [acme.pk]
    assert [t.pk for t in compiled.fetch(pk=globex.pk, name="Globex")] == [globex.pk]
    assert compiled.fetch(pk=acme.pk, name="Globex") == []


def test_a_placeholder_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'pk' appears 2 times"):
        CompiledQuery.build(
            Team, lambda pk: Team.objects.filter(pk=pk) | Team.objects.filter(id=pk), "pk"
        )


def test_binding_other_names_is_refused() -> None:
    compiled = CompiledQuery.build(Team, lambda pk: Team.objects.filter(pk=pk), "pk")

    with pytest.raises(TypeError):
        compiled.fetch(id=1)
