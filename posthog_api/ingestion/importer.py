"""Read PostHog event exports (JSON lines or CSV) as capture-shaped events, streaming.

Accepted row shape (PostHog's batch-export / events-export columns): ``uuid``, ``event``,
``distinct_id``, ``timestamp``, ``properties`` (an object or its JSON text), optional
``elements_chain``, ``set`` / ``set_once`` (person updates), and flattened ``properties.<key>``
columns as the UI's CSV export writes them. Other columns (``team_id``, ``person_id``,
``created_at``...) are ignored: the target team and persons come from this service.

Rows without a ``uuid`` get one derived from their content, so importing a file twice stores each
event once either way.
"""

from __future__ import annotations

import csv
import gzip
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import Any

import orjson

IMPORT_NAMESPACE = uuid.UUID("5f0c3a52-7c1e-4c59-9a43-0d1f5c2b6e11")


class ImportRowError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class ImportRow:
    line: int
    event: dict[str, Any]


def open_export(path: Path) -> IO[bytes]:
    raw: IO[bytes] = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def detect_format(path: Path, first_bytes: bytes) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "jsonl" if first_bytes.lstrip()[:1] in (b"{", b"[") else "csv"


def _properties(value: Any, line: int) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ImportRowError(line, "properties is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ImportRowError(line, "properties must be a JSON object.")
    return value


def to_capture_event(row: dict[str, Any], line: int) -> dict[str, Any]:
    """One export row as a capture event (what ``parse_events`` validates)."""
    properties = _properties(row.get("properties"), line)
    for key, value in row.items():
        if key.startswith("properties.") and value not in (None, ""):
            properties.setdefault(key.removeprefix("properties."), value)
    for column, key in (("set", "$set"), ("set_once", "$set_once")):
        if row.get(column) not in (None, "", "{}"):
            properties.setdefault(key, _properties(row[column], line))
    chain = row.get("elements_chain")
    if isinstance(chain, str) and chain:
        properties["$elements_chain"] = chain
    if not row.get("timestamp"):
        raise ImportRowError(line, "timestamp is required.")
    event_uuid = row.get("uuid") or uuid.uuid5(
        IMPORT_NAMESPACE, orjson.dumps(row, option=orjson.OPT_SORT_KEYS).decode()
    )
    return {
        "uuid": str(event_uuid),
        "event": row.get("event"),
        "distinct_id": row.get("distinct_id"),
        "timestamp": row.get("timestamp"),
        "properties": properties,
    }


def _jsonl_row(line: bytes, line_number: int) -> ImportRow:
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ImportRowError(line_number, f"invalid JSON ({exc}).") from None
    if not isinstance(row, dict):
        raise ImportRowError(line_number, "each line must be a JSON object.")
    return ImportRow(line=line_number, event=to_capture_event(row, line_number))


def _jsonl_rows(stream: IO[bytes]) -> Iterator[ImportRow | ImportRowError]:
    for line_number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield _jsonl_row(line, line_number)
        except ImportRowError as error:
            yield error


def _csv_rows(stream: IO[bytes]) -> Iterator[ImportRow | ImportRowError]:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    reader = csv.DictReader(text)
    try:
        for row in reader:
            try:
                yield ImportRow(
                    line=reader.line_num, event=to_capture_event(dict(row), reader.line_num)
                )
            except ImportRowError as error:
                yield error
    finally:
        # Leave the byte stream open: the caller reads its position for the progress bar.
        text.detach()


def read_export(stream: IO[bytes], *, fmt: str) -> Iterator[ImportRow | ImportRowError]:
    """Rows in file order; a row that cannot be read is yielded as its error, so callers may skip it."""
    return _csv_rows(stream) if fmt == "csv" else _jsonl_rows(stream)
