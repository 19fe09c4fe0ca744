"""List filters for ``/elements/``."""

from __future__ import annotations

import django_filters

from elements.models import Element


class ElementFilterSet(django_filters.FilterSet):
    """Exact matches on the element's own fields (``?tag_name=a&attr_id=signup``)."""

    class Meta:
        model = Element
        fields = ["tag_name", "text", "href", "attr_id"]
