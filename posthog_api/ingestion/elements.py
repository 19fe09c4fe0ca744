"""Turn posthog-js ``$elements`` lists into the ``elements_chain`` string (spec §10.1).

posthog-js sends each element as ``{tag_name, $el_text, attr__class, attr__href, attr__id,
nth_child, nth_of_type, attr__*...}``. They are mapped to the element shape the elements app
reads, and written with the core's canonical builder (``posthog_api.elements_chain.build_chain``),
so a chain made at ingestion parses back to exactly these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from posthog_api.elements_chain import ElementDict
from posthog_api.elements_chain import build_chain

MAX_TEXT = 400
MAX_HREF = 2048


def _classes(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        parts = raw.split()
    elif isinstance(raw, list | tuple):
        parts = [str(part) for part in raw]
    else:
        return None
    return [part for part in parts if part] or None


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _text_or_none(raw: Any, limit: int) -> str | None:
    return str(raw)[:limit] if raw not in (None, "") else None


def to_element(raw: Mapping[str, Any], order: int) -> ElementDict:
    """One posthog-js element as the elements app's element (PostHog's ``Element`` fields)."""
    return ElementDict(
        text=_text_or_none(raw.get("$el_text") or raw.get("text"), MAX_TEXT),
        tag_name=_text_or_none(raw.get("tag_name"), 1000),
        attr_class=_classes(raw.get("attr__class") or raw.get("attr_class")),
        href=_text_or_none(raw.get("attr__href") or raw.get("href"), MAX_HREF),
        attr_id=_text_or_none(raw.get("attr__id") or raw.get("attr_id"), 1000),
        nth_child=_int_or_none(raw.get("nth_child")),
        nth_of_type=_int_or_none(raw.get("nth_of_type")),
        attributes={
            key: " ".join(map(str, value)) if isinstance(value, list) else str(value)
            for key, value in raw.items()
            if key.startswith("attr__") and value is not None
        },
        order=order,
    )


def elements_to_chain(elements: Sequence[Any]) -> str:
    """The whole ``$elements`` list as an ``elements_chain``; entries that are not objects are skipped."""
    valid = [el for el in elements if isinstance(el, Mapping)]
    return build_chain(to_element(el, order) for order, el in enumerate(valid))
