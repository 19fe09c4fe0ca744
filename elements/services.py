"""Writes to element rows."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from elements.models import Element
from elements.models import ElementGroup
from posthog_api.elements_chain import build_chain
from posthog_api.elements_chain import chain_hash
from posthog_api.models import Team


@transaction.atomic
def element_create(*, team: Team, fields: dict[str, Any]) -> Element:
    """Create an element in ``team``: it joins the team's group for its one-element chain.

    PostHog leaves API-created elements without a group, which hides them from every later
    read; here they belong to the URL's team.
    """
    group, _ = ElementGroup.objects.get_or_create(team=team, hash=chain_hash(build_chain([fields])))
    return Element.objects.create(group=group, **fields)


@transaction.atomic
def element_update(*, element: Element, fields: dict[str, Any]) -> Element:
    """Change the given fields; the element stays in its group (and team)."""
    for name, value in fields.items():
        setattr(element, name, value)
    element.save(update_fields=list(fields))
    return element


@transaction.atomic
def element_delete(*, element: Element) -> None:
    element.delete()
