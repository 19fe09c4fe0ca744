from __future__ import annotations

import orjson

from coalescing.keys import normalized_body
from coalescing.keys import normalized_query_string
from coalescing.keys import request_key


def key(**overrides):
    base = {
        "team_id": "1",
        "method": "GET",
        "path": "/api/projects/1/insights/5/",
        "query_string": "",
        "body": b"",
    }
    return request_key(**{**base, **overrides})


def test_query_params_are_sorted_and_per_client_values_dropped():
    assert (
        normalized_query_string("b=2&a=1&refresh=&client_query_id=x&session_id=y")
        == "a=1&b=2&refresh="
    )


def test_a_blank_refresh_is_not_the_absent_default():
    # A bare "refresh=" is force_blocking; no refresh is the endpoint's default mode.
    assert key(query_string="refresh=") != key(query_string="")
    assert key(query_string="refresh=blocking&a=1") == key(
        query_string="a=1&refresh=blocking&client_query_id=q"
    )


def test_credentials_in_the_query_string_do_not_split_the_key():
    assert key(query_string="personal_api_key=phx_a") == key(query_string="personal_api_key=phx_b")


def test_team_method_path_and_params_each_change_the_key():
    assert (
        len({key(), key(team_id="2"), key(method="POST"), key(path="/x/"), key(query_string="a=1")})
        == 5
    )


def test_json_bodies_ignore_key_order_and_client_query_id():
    one = orjson.dumps({"query": {"kind": "X", "a": 1}, "client_query_id": "1"})
    two = orjson.dumps({"client_query_id": "2", "query": {"a": 1, "kind": "X"}})
    assert normalized_body(one) == normalized_body(two)
    assert key(method="POST", body=one) == key(method="POST", body=two)
    assert key(method="POST", body=one) != key(
        method="POST", body=orjson.dumps({"query": {"kind": "Y"}})
    )


def test_non_json_bodies_are_used_raw():
    assert normalized_body(b"not json") == b"not json"
    assert key(method="POST", body=b"a") != key(method="POST", body=b"b")


def test_get_bodies_are_ignored():
    assert key(body=b"anything") == key()
