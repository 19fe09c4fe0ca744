"""Parse and build autocapture ``elements_chain`` strings.

A chain lists the clicked element first, then its ancestors, joined by ``;``::

    a.btn.btn-primary:attr__href="/signup"href="/signup"nth-child="2"nth-of-type="1"text="Sign up";body:nth-child="2"nth-of-type="1"

Each element is ``tag.class1.class2:`` followed by ``key="value"`` pairs with no separator. Classes
and keys are sorted when building. ``text``, ``href``, ``attr_id``, ``nth-child`` and
``nth-of-type`` are promoted to their own fields; every other key (``attr__*``) lands in
``attributes``.

Usage::

    elements = parse_chain(chain)                      # list of ElementDict, clicked first
    chain = build_chain(elements)                      # the canonical string
    parse_chain(chain, attributes_filter=data_attributes_matcher(["data-*"]), max_depth=3)

Escaping: ``"`` is written as ``\\"`` and ``\\`` as ``\\\\``; parsing undoes both, so
``parse_chain(build_chain(x)) == x`` for every string value. (PostHog does not escape
backslashes, so a value ending in one corrupts its chain there, and it leaves ``\"`` in parsed
values.) Any other backslash sequence is left as it is.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import TypedDict

MAX_CHAIN_LENGTH = 16_384
MAX_DATA_ATTRIBUTES = 50

# Elements are runs of non-space, non-`;` characters or double-quoted strings (which may hold
# `;`, spaces and escaped quotes). The patterns are written as "unrolled loops" (no per-character
# alternation) because stats parses tens of thousands of chains per request.
_SPLIT_ELEMENTS = re.compile(r'(?:[^\s;"]+|"[^"\\]*(?:\\.[^"\\]*)*")+')
# The tag part ends at the first `:` that starts `key=`; classes may themselves contain `:`.
_ATTRIBUTES_START = re.compile(r":(?=[a-zA-Z0-9_-]*=)")
_ATTRIBUTE = re.compile(r'(?P<key>[^"]*?)="(?P<value>[^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
_UNESCAPE = re.compile(r'\\(["\\])')


class ElementDict(TypedDict):
    """One element, shaped exactly like the element serializer's output."""

    text: str | None
    tag_name: str | None
    attr_class: list[str] | None
    href: str | None
    attr_id: str | None
    nth_child: int | None
    nth_of_type: int | None
    attributes: dict[str, str]
    order: int


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def unescape(value: str) -> str:
    return _UNESCAPE.sub(r"\1", value) if "\\" in value else value


def cap_chain(chain: str) -> str:
    """Cut an over-long chain, preferably at an element boundary.

    The cut is at the last ``;`` before the cap when that keeps more than half of it; otherwise
    (one giant element) the chain is cut hard at the cap.
    """
    if len(chain) <= MAX_CHAIN_LENGTH:
        return chain
    boundary = chain.rfind(";", 0, MAX_CHAIN_LENGTH)
    if boundary > MAX_CHAIN_LENGTH // 2:
        return chain[:boundary]
    return chain[:MAX_CHAIN_LENGTH]


def chain_hash(chain: str) -> str:
    """A stable 64-bit hash of the raw chain as lower-case hex (identifies a row across pages)."""
    return hashlib.blake2b(chain.encode(), digest_size=8).hexdigest()


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _parse_element(
    raw: str, order: int, attributes_filter: Callable[[str], bool] | None
) -> ElementDict:
    split = _ATTRIBUTES_START.search(raw)
    tag_part = raw[: split.start()] if split else raw
    tag_name: str | None = None
    attr_class: list[str] | None = None
    if tag_part:
        tag_name, _, classes = tag_part.partition(".")
        attr_class = [name for name in classes.split(".") if name] or None
    text = href = attr_id = None
    nth_child = nth_of_type = None
    attributes: dict[str, str] = {}
    for key, value in _ATTRIBUTE.findall(raw, split.end()) if split else ():
        # Inlined unescape: this loop runs once per attribute of every chain of a stats page.
        if "\\" in value:
            value = _UNESCAPE.sub(r"\1", value)
        if "\\" in key:
            key = _UNESCAPE.sub(r"\1", key)
        if key == "text":
            text = value
        elif key == "nth-child":
            nth_child = _int_or_none(value)
        elif key == "nth-of-type":
            nth_of_type = _int_or_none(value)
        elif key == "href":
            href = value
        elif key == "attr_id":
            attr_id = value
        elif key and (attributes_filter is None or attributes_filter(key)):
            attributes[key] = value
    return {
        "text": text,
        "tag_name": tag_name,
        "attr_class": attr_class,
        "href": href,
        "attr_id": attr_id,
        "nth_child": nth_child,
        "nth_of_type": nth_of_type,
        "attributes": attributes,
        "order": order,
    }


def parse_chain(
    chain: str,
    *,
    attributes_filter: Callable[[str], bool] | None = None,
    max_depth: int | None = None,
) -> list[ElementDict]:
    """The elements of a chain, clicked element first (``order`` 0).

    ``attributes_filter`` keeps only the matching ``attributes`` keys; ``max_depth`` keeps only
    the clicked element and its nearest ``max_depth - 1`` ancestors.
    """
    raw_elements = _SPLIT_ELEMENTS.findall(cap_chain(chain))
    if max_depth is not None:
        raw_elements = raw_elements[:max_depth]
    return [_parse_element(raw, order, attributes_filter) for order, raw in enumerate(raw_elements)]


class ParsedChainMemo:
    """A bounded, thread-safe memo of parsed chains, shared by a process's stats requests.

    Stats pages list the same chains again and again (a heatmap is re-opened, the toolbar polls),
    and parsing them is the only per-row Python work of the endpoint. Chains are immutable
    strings, so a parse is cached by the string itself; the memo is bounded by the total length
    of the chains it holds (least recently used out first). Callers must not mutate what it
    returns: the element dicts are shared between requests.
    """

    def __init__(self, max_chars: int | Callable[[], int]) -> None:
        # A callable is read on every insert, so a setting given here is read at call time.
        self._max_chars = max_chars
        self._parsed: OrderedDict[str, tuple[ElementDict, ...]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    @property
    def max_chars(self) -> int:
        return self._max_chars() if callable(self._max_chars) else self._max_chars

    def get(self, chain: str) -> tuple[ElementDict, ...]:
        with self._lock:
            hit = self._parsed.get(chain)
            if hit is not None:
                self._parsed.move_to_end(chain)
                return hit
        parsed = tuple(parse_chain(chain))
        max_chars = self.max_chars
        with self._lock:
            if chain not in self._parsed:
                self._parsed[chain] = parsed
                self._chars += len(chain)
                while self._chars > max_chars and self._parsed:
                    evicted, _ = self._parsed.popitem(last=False)
                    self._chars -= len(evicted)
        return parsed

    def __len__(self) -> int:
        return len(self._parsed)


def parse_chain_shared(
    chain: str,
    memo: ParsedChainMemo,
    *,
    attributes_filter: Callable[[str], bool] | None = None,
    max_depth: int | None = None,
) -> list[ElementDict]:
    """``parse_chain`` through ``memo``; the returned dicts are shared and must not be mutated."""
    elements = memo.get(chain)
    if max_depth is not None:
        elements = elements[:max_depth]
    if attributes_filter is None:
        return list(elements)
    return [
        {
            **element,
            "attributes": {
                key: value for key, value in element["attributes"].items() if attributes_filter(key)
            },
        }
        for element in elements
    ]


def _element_string(element: Mapping[str, Any]) -> str:
    tag = element.get("tag_name") or ""
    # A quote cannot be escaped in the tag part, so it is dropped from class names.
    classes = "".join(
        "." + name.replace('"', "") for name in sorted(element.get("attr_class") or [])
    )
    attributes: dict[str, Any] = {
        "nth-child": element.get("nth_child") or 0,
        "nth-of-type": element.get("nth_of_type") or 0,
    }
    for key in ("text", "href", "attr_id"):
        if element.get(key):
            attributes[key] = element[key]
    attributes.update(element.get("attributes") or {})
    pairs = "".join(
        f'{escape(str(key))}="{escape(str(value))}"' for key, value in sorted(attributes.items())
    )
    return f"{tag}{classes}:{pairs}"


def build_chain(elements: Iterable[Mapping[str, Any]]) -> str:
    """The canonical chain for elements given clicked first (capped at ``MAX_CHAIN_LENGTH``)."""
    return cap_chain(";".join(_element_string(element) for element in elements))


def data_attributes_matcher(names: Iterable[str]) -> Callable[[str], bool] | None:
    """A matcher for ``attr__<name>`` keys; names may use ``*`` wildcards (``data-*``).

    Only the first ``MAX_DATA_ATTRIBUTES`` non-blank names count. None means "keep everything".
    Globs are matched by scanning for their literal pieces, never as regexes, so a caller's
    pattern cannot cause catastrophic backtracking.
    """
    entries = [name.strip() for name in names if name.strip()][:MAX_DATA_ATTRIBUTES]
    if not entries:
        return None
    exact = frozenset(f"attr__{entry}" for entry in entries if "*" not in entry)
    globs = [f"attr__{entry}".split("*") for entry in entries if "*" in entry]

    def matches(key: str) -> bool:
        return key in exact or any(_glob_matches(pieces, key) for pieces in globs)

    return matches


def _glob_matches(pieces: list[str], key: str) -> bool:
    head, *middle, tail = pieces
    if not key.startswith(head) or not key.endswith(tail) or len(key) < len(head) + len(tail):
        return False
    position, end = len(head), len(key) - len(tail)
    for piece in middle:
        found = key.find(piece, position, end)
        if found == -1:
            return False
        position = found + len(piece)
    return True
