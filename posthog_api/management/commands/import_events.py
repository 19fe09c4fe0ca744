"""``manage.py import_events FILE --team ID``: load a PostHog event export (JSON lines or CSV).

Streams the file (plain or gzip) in batches through the same validation and person processing as
the capture endpoints, with a progress bar. Idempotent: events are keyed by their uuid (or one
derived from the row), so a re-run after an interruption stores nothing twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from tqdm import tqdm

from posthog_api.ingestion.importer import ImportRow
from posthog_api.ingestion.importer import ImportRowError
from posthog_api.ingestion.importer import detect_format
from posthog_api.ingestion.importer import open_export
from posthog_api.ingestion.importer import read_export
from posthog_api.ingestion.parsing import IncomingEvent
from posthog_api.ingestion.parsing import parse_events
from posthog_api.ingestion.services import ingest_events
from posthog_api.models import Team


def _first_message(error: ValidationError) -> str:
    detail: Any = error.detail
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


class Command(BaseCommand):
    help = "Import events from a PostHog export file (JSON lines or CSV, optionally gzipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--team", type=int, required=True, help="Team (environment) id.")
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], help="Default: from the file name."
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Skip bad rows (and count them) instead of stopping.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        team = Team.objects.filter(pk=options["team"]).first()
        if team is None:
            raise CommandError(f"Team {options['team']} does not exist.")
        batch_size = max(1, options["batch_size"])
        stream = open_export(path)
        fmt = options["format"] or detect_format(
            path, stream.peek(64) if hasattr(stream, "peek") else b""
        )
        raw_file = getattr(stream, "fileobj", None) or stream
        progress = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            disable=options["no_progress"],
            desc="import",
        )
        pending: list[IncomingEvent] = []
        stored = read = skipped = 0

        def flush() -> None:
            nonlocal stored
            if pending:
                stored += ingest_events(team=team, events=pending, now=timezone.now())
                pending.clear()
            progress.n = raw_file.tell()
            progress.refresh()

        try:
            for row in read_export(stream, fmt=fmt):
                read += 1
                try:
                    if isinstance(row, ImportRowError):
                        raise row
                    pending.extend(parse_events([row.event], extra={}, now=timezone.now()))
                except (ImportRowError, ValidationError) as error:
                    if not options["skip_invalid"]:
                        message = (
                            str(error)
                            if isinstance(error, ImportRowError)
                            else _first_message(error)
                        )
                        line = f"line {row.line}: " if isinstance(row, ImportRow) else ""
                        raise CommandError(f"{line}{message}") from None
                    skipped += 1
                if len(pending) >= batch_size:
                    flush()
            flush()
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 text.") from None
        finally:
            progress.close()
            stream.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Read {read} rows: {stored} events stored, {read - stored - skipped} already present, "
                f"{skipped} skipped."
            )
        )
