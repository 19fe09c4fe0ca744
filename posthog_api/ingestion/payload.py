"""Decode what an SDK sent into JSON: plain, gzip, form-encoded ``data=`` (base64) or a GET query.

posthog-python posts JSON, optionally with ``Content-Encoding: gzip``; posthog-js posts gzip with
``?compression=gzip-js`` or a form body ``data=<base64 json>``. Every failure is a 400 in PostHog's
error format, and a payload over the size limit (before or after decompression) is a 413.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson
from django.conf import settings
from django.http import HttpRequest
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError

GZIP_MAGIC = b"\x1f\x8b"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Payload too large."
    default_code = "payload_too_large"


def max_payload_bytes() -> int:
    return int(settings.INGESTION_MAX_PAYLOAD_BYTES)


def malformed(reason: str) -> ValidationError:
    return ValidationError(f"Malformed request data: {reason}", code="invalid_payload")


@dataclass(frozen=True)
class DecodedPayload:
    data: Any
    # Fields that arrive next to ``data`` in a form body or the query string (token, sent_at).
    extra: dict[str, str]


def _too_large() -> PayloadTooLarge:
    limit_mb = max_payload_bytes() // (1024 * 1024)
    return PayloadTooLarge(f"Payload too large: the limit is {limit_mb} MB.")


def read_body(request: HttpRequest) -> bytes:
    """The raw body, refusing more than the limit without reading it all into memory."""
    limit = max_payload_bytes()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


def gunzip(raw: bytes) -> bytes:
    """Decompress with a cap, so a small gzip bomb cannot exhaust memory.

    Concatenated gzip members are valid gzip and are all read; anything else after the last
    member is refused, as is a truncated stream: the body must be exactly what was compressed.
    """
    limit = max_payload_bytes()
    out = b""
    rest = raw
    while True:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += decompressor.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise malformed(f"invalid gzip data ({exc}).") from None
        if len(out) > limit or decompressor.unconsumed_tail:
            raise _too_large()
        if not decompressor.eof:
            raise malformed("invalid gzip data (truncated).")
        rest = decompressor.unused_data
        if not rest:
            return out
        if not rest.startswith(GZIP_MAGIC):
            raise malformed("invalid gzip data (trailing bytes after the compressed data).")


def _parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise malformed(f"invalid JSON ({exc}).") from None


def _parse_form_data(value: str, compression: str) -> Any:
    """``data=`` holds JSON or base64 of (optionally gzipped) JSON."""
    stripped = value.strip()
    if stripped.startswith(("{", "[")):
        return _parse_json(stripped.encode())
    try:
        raw = base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=False)
    except (binascii.Error, ValueError):
        raise malformed("data is not valid base64.") from None
    if compression in ("gzip", "gzip-js") or raw[:2] == GZIP_MAGIC:
        raw = gunzip(raw)
    return _parse_json(raw)


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


def decode_request(request: HttpRequest) -> DecodedPayload:
    query = _single(parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    body = read_body(request) if request.method == "POST" else b""
    compression = (query.get("compression") or "").lower()
    content_encoding = request.headers.get("Content-Encoding", "").lower()
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()

    is_form = content_type == "application/x-www-form-urlencoded"
    gzip_requested = content_encoding == "gzip" or compression in ("gzip", "gzip-js")
    # A form body carries its compression inside ``data=``; anything else is gzip on the wire.
    if gzip_requested and body and (body[:2] == GZIP_MAGIC or not is_form):
        body = gunzip(body)
    elif compression and compression not in ("gzip", "gzip-js", "base64"):
        raise malformed(f"unsupported compression {compression!r}.")

    if is_form or body.startswith(b"data="):
        try:
            form = _single(parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            raise malformed("the form body is not UTF-8.") from None
        compression = (form.get("compression") or compression).lower()
        if "data" not in form:
            raise ValidationError(
                "No data found. Make sure to use a POST request when sending the payload in the body of the request.",
                code="no_data",
            )
        return DecodedPayload(
            data=_parse_form_data(form["data"], compression), extra={**query, **form}
        )

    if not body:
        if "data" in query:
            return DecodedPayload(data=_parse_form_data(query["data"], compression), extra=query)
        raise ValidationError(
            "No data found. Make sure to use a POST request when sending the payload in the body of the request.",
            code="no_data",
        )
    return DecodedPayload(data=_parse_json(body), extra=query)
