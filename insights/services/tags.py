"""Replacing an object's tags with project-wide Tag rows, and cleaning up orphans."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from insights.models import Dashboard
from insights.models import Insight
from insights.models import Tag
from insights.models import TaggedItem
from insights.models.tag import tagify


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Trimmed, lower-cased, de-duplicated (first occurrence wins), empty names dropped."""
    return list(dict.fromkeys(name for name in (tagify(item) for item in raw) if name))


@transaction.atomic
def tags_set(
    *,
    project_id: int,
    names: Iterable[str],
    insight: Insight | None = None,
    dashboard: Dashboard | None = None,
) -> list[str]:
    """Make ``names`` the exact tag set of ``insight`` or ``dashboard``; returns the stored names."""
    wanted = normalise_tags(names)
    target = {"insight": insight} if insight is not None else {"dashboard": dashboard}
    Tag.objects.bulk_create(
        [Tag(project_id=project_id, name=name) for name in wanted], ignore_conflicts=True
    )
    tags = {tag.name: tag for tag in Tag.objects.filter(project_id=project_id, name__in=wanted)}
    current = TaggedItem.objects.filter(**target)
    removed_tag_ids = list(current.exclude(tag__name__in=wanted).values_list("tag_id", flat=True))
    current.filter(tag_id__in=removed_tag_ids).delete()
    TaggedItem.objects.bulk_create(
        [TaggedItem(tag=tags[name], **target) for name in wanted], ignore_conflicts=True
    )
    # Tags no object uses any more would only clutter the project's tag list.
    Tag.objects.filter(id__in=removed_tag_ids, tagged_items__isnull=True).delete()
    return wanted
