"""List filters for ``/elements/``."""

from __future__ import annotations

from elements.models import Element
from posthog_api.filters import StorableFilterSet


class ElementFilterSet(StorableFilterSet):
    """Exact matches on the element's own fields (``?tag_name=a&attr_id=signup``)."""

    class Meta:
        model = Element
        fields = ["tag_name", "text", "href", "attr_id"]
