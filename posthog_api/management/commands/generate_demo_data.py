"""``manage.py generate_demo_data --team ID --events N --seed S``: load the demo product story."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.core.management.base import CommandParser

from posthog_api.demo import generate_demo_data
from posthog_api.models import Event
from posthog_api.models import Team


class Command(BaseCommand):
    help = "Generate deterministic demo events, persons and identities for a team (COPY, fast)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", type=int, required=True, help="Team (environment) id.")
        parser.add_argument("--events", type=int, default=20_000, help="Number of events.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: same seed, same data."
        )
        parser.add_argument("--days", type=int, default=30, help="Days of history ending now.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the team already has events (for first-start scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["events"] < 0 or options["days"] <= 0:
            raise CommandError("--events must be >= 0 and --days > 0.")
        team = Team.objects.filter(pk=options["team"]).first()
        if team is None:
            raise CommandError(f"Team {options['team']} does not exist.")
        if options["if_empty"] and Event.objects.filter(team=team).exists():
            self.stdout.write(f"Team {team.pk} already has events; nothing generated.")
            return
        started = time.monotonic()
        written = generate_demo_data(
            team=team, events=options["events"], seed=options["seed"], days=options["days"]
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Generated {written} events for team {team.pk} in {elapsed:.1f}s.")
        )
