from __future__ import annotations

from posthog_api.ingestion.elements import elements_to_chain


def test_matches_the_documented_example() -> None:
    chain = elements_to_chain(
        [
            {
                "tag_name": "a",
                "$el_text": "Sign up",
                "attr__class": "btn-primary btn",
                "attr__href": "/signup",
                "nth_child": 2,
                "nth_of_type": 1,
            },
            {"tag_name": "div", "attr__class": "hero", "nth_child": 1, "nth_of_type": 1},
            {"tag_name": "body", "nth_child": 2, "nth_of_type": 1},
        ]
    )
    assert chain == (
        'a.btn.btn-primary:attr__class="btn-primary btn"attr__href="/signup"href="/signup"nth-child="2"'
        'nth-of-type="1"text="Sign up";div.hero:attr__class="hero"nth-child="1"nth-of-type="1";'
        'body:nth-child="2"nth-of-type="1"'
    )


def test_quotes_are_escaped_and_missing_positions_are_zero() -> None:
    chain = elements_to_chain(
        [{"tag_name": "span", "$el_text": 'say "hi"', "attr__id": "x", "attr__class": ['a"b', "c"]}]
    )
    assert (
        chain
        == 'span.ab.c:attr__class="a\\"b c"attr__id="x"attr_id="x"nth-child="0"nth-of-type="0"text="say \\"hi\\""'
    )


def test_non_object_entries_are_skipped() -> None:
    assert elements_to_chain(["junk", {"tag_name": "b"}]) == 'b:nth-child="0"nth-of-type="0"'


def test_the_chain_parses_back_to_the_sent_values() -> None:
    from posthog_api.elements_chain import parse_chain

    chain = elements_to_chain(
        [{"tag_name": "a", "$el_text": 'C:\\ "x"', "attr__href": "/a?b=1", "nth_child": 3}]
    )
    (element,) = parse_chain(chain)
    assert element["text"] == 'C:\\ "x"'
    assert element["href"] == "/a?b=1"
    assert element["nth_child"] == 3
