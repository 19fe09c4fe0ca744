from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from posthog_api.elements_chain import MAX_CHAIN_LENGTH
from posthog_api.elements_chain import build_chain
from posthog_api.elements_chain import cap_chain
from posthog_api.elements_chain import chain_hash
from posthog_api.elements_chain import data_attributes_matcher
from posthog_api.elements_chain import parse_chain

SIGNUP_CHAIN = (
    'a.btn.btn-primary:attr__class="btn btn-primary"attr__href="/signup"href="/signup"'
    'nth-child="2"nth-of-type="1"text="Sign up";'
    'div.hero:attr__class="hero"nth-child="1"nth-of-type="1";'
    'body:nth-child="2"nth-of-type="1"'
)
SIGNUP_ELEMENTS = [
    {
        "text": "Sign up",
        "tag_name": "a",
        "attr_class": ["btn", "btn-primary"],
        "href": "/signup",
        "attr_id": None,
        "nth_child": 2,
        "nth_of_type": 1,
        "attributes": {"attr__class": "btn btn-primary", "attr__href": "/signup"},
        "order": 0,
    },
    {
        "text": None,
        "tag_name": "div",
        "attr_class": ["hero"],
        "href": None,
        "attr_id": None,
        "nth_child": 1,
        "nth_of_type": 1,
        "attributes": {"attr__class": "hero"},
        "order": 1,
    },
    {
        "text": None,
        "tag_name": "body",
        "attr_class": None,
        "href": None,
        "attr_id": None,
        "nth_child": 2,
        "nth_of_type": 1,
        "attributes": {},
        "order": 2,
    },
]


def test_parses_the_documented_example_into_full_element_dicts():
    assert parse_chain(SIGNUP_CHAIN) == SIGNUP_ELEMENTS


def test_builds_the_documented_example_back():
    assert build_chain(SIGNUP_ELEMENTS) == SIGNUP_CHAIN


def test_builder_sorts_classes_and_keys_and_drops_quotes_from_classes():
    chain = build_chain(
        [
            {
                "tag_name": "button",
                "attr_class": ["zeta", 'al"pha'],
                "attr_id": "go",
                "nth_child": None,
                "attributes": {"attr__data-x": "1", "attr__aria-label": "Go"},
            }
        ]
    )
    assert chain == (
        'button.alpha.zeta:attr__aria-label="Go"attr__data-x="1"attr_id="go"'
        'nth-child="0"nth-of-type="0"'
    )


def test_escaped_quotes_and_semicolons_inside_values_stay_in_their_element():
    chain = 'span:text="say \\"hi\\"; then go"nth-child="1"nth-of-type="1";div:nth-child="3"'
    assert parse_chain(chain) == [
        {
            "text": 'say "hi"; then go',
            "tag_name": "span",
            "attr_class": None,
            "href": None,
            "attr_id": None,
            "nth_child": 1,
            "nth_of_type": 1,
            "attributes": {},
            "order": 0,
        },
        {
            "text": None,
            "tag_name": "div",
            "attr_class": None,
            "href": None,
            "attr_id": None,
            "nth_child": 3,
            "nth_of_type": None,
            "attributes": {},
            "order": 1,
        },
    ]


def test_classes_may_contain_colons():
    [element] = parse_chain('div.hover:bg-red.md:flex:nth-child="1"nth-of-type="2"')
    assert element["tag_name"] == "div"
    assert element["attr_class"] == ["hover:bg-red", "md:flex"]
    assert (element["nth_child"], element["nth_of_type"]) == (1, 2)


def test_a_non_numeric_nth_child_is_null():
    [element] = parse_chain('li:nth-child="odd"nth-of-type="3"')
    assert element["nth_child"] is None
    assert element["nth_of_type"] == 3


def test_an_element_without_tag_or_attributes():
    assert parse_chain(':text="x"') == [
        {
            "text": "x",
            "tag_name": None,
            "attr_class": None,
            "href": None,
            "attr_id": None,
            "nth_child": None,
            "nth_of_type": None,
            "attributes": {},
            "order": 0,
        }
    ]


def test_an_empty_chain_has_no_elements():
    assert parse_chain("") == []


def test_backslashes_round_trip():
    elements = [{"tag_name": "p", "text": "C:\\dir\\", "nth_child": 1, "nth_of_type": 1}]
    chain = build_chain(elements)
    assert chain == 'p:nth-child="1"nth-of-type="1"text="C:\\\\dir\\\\"'
    assert parse_chain(chain)[0]["text"] == "C:\\dir\\"


def test_max_depth_keeps_the_clicked_element_and_nearest_ancestors():
    elements = parse_chain(SIGNUP_CHAIN, max_depth=2)
    assert elements == SIGNUP_ELEMENTS[:2]


def test_data_attributes_filter_keeps_matching_attr_keys_only():
    chain = 'button:attr__data-attr="buy"attr__data-id="7"attr__class="b"attr__id="x"nth-child="1"'
    matcher = data_attributes_matcher(["data-*", " id "])
    [element] = parse_chain(chain, attributes_filter=matcher)
    assert element["attributes"] == {
        "attr__data-attr": "buy",
        "attr__data-id": "7",
        "attr__id": "x",
    }


def test_data_attributes_glob_needs_every_piece_in_order():
    matcher = data_attributes_matcher(["data-*-id", "aria*label*"])
    assert matcher is not None
    assert matcher("attr__data-user-id")
    assert matcher("attr__aria-label")
    assert not matcher("attr__data-id")
    assert not matcher("attr__data-user")
    assert not matcher("data-user-id")


def test_blank_data_attributes_keep_everything():
    assert data_attributes_matcher(["", " "]) is None


def test_only_the_first_fifty_data_attributes_count():
    matcher = data_attributes_matcher([f"a{i}" for i in range(60)])
    assert matcher is not None
    assert matcher("attr__a49")
    assert not matcher("attr__a50")


def test_cap_cuts_at_the_last_separator_past_the_midpoint():
    element = 'div:nth-child="1"nth-of-type="1"'
    chain = ";".join([element] * 1000)
    capped = cap_chain(chain)
    assert len(capped) <= MAX_CHAIN_LENGTH
    assert capped == chain[: len(capped)]
    assert not capped.endswith(";")
    assert len(parse_chain(capped)) == len(capped.split(";"))
    assert chain[len(capped)] == ";"


def test_cap_cuts_hard_when_one_element_is_huge():
    chain = 'a:nth-child="1";p:text="' + "x" * 20_000 + '"'
    assert cap_chain(chain) == chain[:MAX_CHAIN_LENGTH]
    # The cut lands inside a quoted value; the elements before it still parse.
    assert parse_chain(chain)[0]["tag_name"] == "a"


def test_short_chains_are_not_capped():
    assert cap_chain(SIGNUP_CHAIN) == SIGNUP_CHAIN


def test_hash_is_16_lowercase_hex_digits_and_stable():
    assert chain_hash(SIGNUP_CHAIN) == chain_hash(SIGNUP_CHAIN)
    assert len(chain_hash(SIGNUP_CHAIN)) == 16
    assert chain_hash(SIGNUP_CHAIN) == chain_hash(SIGNUP_CHAIN).lower()
    assert chain_hash(SIGNUP_CHAIN) != chain_hash(SIGNUP_CHAIN + ";body:")


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_CLASS = st.text(
    alphabet=st.characters(
        blacklist_characters=' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0;."=',
        blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
    ),
    min_size=1,
    max_size=10,
)
_VALUE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
_ELEMENT = st.fixed_dictionaries(
    {
        "text": st.none() | _VALUE,
        "tag_name": _NAME,
        "attr_class": st.none() | st.lists(_CLASS, min_size=1, max_size=4).map(sorted),
        "href": st.none() | _VALUE,
        "attr_id": st.none() | _VALUE,
        "nth_child": st.integers(min_value=0, max_value=10_000),
        "nth_of_type": st.integers(min_value=0, max_value=10_000),
        "attributes": st.dictionaries(
            _NAME.map(lambda name: f"attr__{name}"), st.text(max_size=20), max_size=4
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ELEMENT, min_size=1, max_size=6))
def test_parse_of_build_gives_back_the_elements(elements):
    expected = [{**element, "order": order} for order, element in enumerate(elements)]
    assert parse_chain(build_chain(elements)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(_ELEMENT, min_size=1, max_size=6))
def test_build_of_parse_gives_back_the_chain(elements):
    chain = build_chain(elements)
    assert build_chain(parse_chain(chain)) == chain


@pytest.mark.parametrize("depth", [1, 2, 3, 10])
def test_max_depth_never_exceeds_the_chain(depth):
    assert len(parse_chain(SIGNUP_CHAIN, max_depth=depth)) == min(depth, 3)


def test_memo_returns_the_same_elements_as_a_fresh_parse():
    from posthog_api.elements_chain import ParsedChainMemo
    from posthog_api.elements_chain import parse_chain_shared

    memo = ParsedChainMemo(max_chars=10_000)
    chain = 'a.btn:attr__data-id="7"href="/x"nth-child="1"text="Go";div.box:nth-child="2"'
    assert parse_chain_shared(chain, memo) == parse_chain(chain)
    assert parse_chain_shared(chain, memo) == parse_chain(chain)  # the memoised copy
    assert len(memo) == 1


def test_memo_applies_depth_and_attribute_filters_without_touching_its_copy():
    from posthog_api.elements_chain import ParsedChainMemo
    from posthog_api.elements_chain import data_attributes_matcher
    from posthog_api.elements_chain import parse_chain_shared

    memo = ParsedChainMemo(max_chars=10_000)
    chain = 'a:attr__data-id="7"attr__class="x";div:attr__data-k="1";body'
    keep_data = data_attributes_matcher(["data-id"])
    filtered = parse_chain_shared(chain, memo, attributes_filter=keep_data, max_depth=2)
    assert filtered == parse_chain(chain, attributes_filter=keep_data, max_depth=2)
    # The memo still holds the unfiltered parse for the next caller.
    assert parse_chain_shared(chain, memo) == parse_chain(chain)


def test_memo_evicts_least_recently_used_chains_past_its_size():
    from posthog_api.elements_chain import ParsedChainMemo

    memo = ParsedChainMemo(max_chars=10)
    memo.get('a:text="1"')  # 10 characters
    memo.get("b")
    assert len(memo) == 1  # the first chain was evicted to make room
    assert memo.get("b") == tuple(parse_chain("b"))
