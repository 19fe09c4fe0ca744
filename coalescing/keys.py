"""The identity of "the same computation" as seen from HTTP: team, method, path and normalized input.

User identity is deliberately not part of the key: each follower proves its own access in the DRF
mixin before it is handed the shared answer. Parameters that never change the answer
(``client_query_id``, ``session_id``) and credentials (``personal_api_key``) are dropped.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl
from urllib.parse import urlencode

import orjson

IGNORED_PARAMS = frozenset({"client_query_id", "session_id", "personal_api_key"})


def normalized_query_string(query_string: str) -> str:
    # Blank values are kept: "?refresh=" means force_blocking, not the absent default.
    pairs = [
        (k, v)
        for k, v in parse_qsl(query_string, keep_blank_values=True)
        if k not in IGNORED_PARAMS
    ]
    return urlencode(sorted(pairs))


def normalized_body(body: bytes) -> bytes:
    """A JSON object body without the ignored keys, re-serialized with sorted keys; else raw."""
    if not body:
        return b""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in IGNORED_PARAMS}
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def request_key(*, team_id: str, method: str, path: str, query_string: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{team_id}:{method}:{path}:{normalized_query_string(query_string)}:".encode())
    if method == "POST":
        digest.update(normalized_body(body))
    return digest.hexdigest()
