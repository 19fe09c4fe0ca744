"""``?format=csv``: the response flattened the way PostHog's CSV renderer does it.

A non-list payload is one row; nested keys and list indexes join with ``.``
(``results.0.query.kind``); the header is the sorted union of keys; ``None`` is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        rows = [flatten(item) for item in (data if isinstance(data, list) else [data])]
        header = sorted({key for row in rows for key in row})
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(key) is None else str(row.get(key)) for key in header])
        return buffer.getvalue().encode(self.charset)
