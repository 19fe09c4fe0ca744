"""Make sure the demo organization, project, user and personal API key exist; print how to call the API.

Idempotent: running it again reuses everything. The key's plain value is only known at creation,
so it is kept in ``DEMO_API_KEY_FILE`` (git-ignored ``.data/``) to be printed again next time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from posthog_api.demo.hooks import demo_project_ready
from posthog_api.models import Event
from posthog_api.models import OrganizationMembership
from posthog_api.models import PersonalAPIKey
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.models.personal_api_key import hash_key_value
from posthog_api.services.organizations import membership_add
from posthog_api.services.organizations import organization_create
from posthog_api.services.organizations import personal_api_key_create
from posthog_api.services.organizations import project_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a local demo login, printed on purpose
DEMO_KEY_LABEL = "demo"


def _key_file() -> Path:
    return Path(settings.DEMO_API_KEY_FILE)


class Command(BaseCommand):
    help = "Create the demo organization, project, user and API key if missing, and print them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--events", type=int, default=20_000, help="demo events on first run")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        user, team = self._ensure_user_and_team()
        key_value = self._ensure_key(user)
        if options["events"] > 0 and not Event.objects.filter(team=team).exists():
            from posthog_api.demo import generate_demo_data

            created = generate_demo_data(team=team, events=options["events"], seed=options["seed"])
            self.stdout.write(f"Loaded {created} demo events into project {team.id}.")
        # Apps add their own demo content through the hook: the core imports no app.
        for _receiver, line in demo_project_ready.send(sender=self.__class__, team=team, user=user):
            if line:
                self.stdout.write(line)
        base = settings.SITE_URL
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo project id: {team.id}   admin login: {DEMO_EMAIL} / {DEMO_PASSWORD}",
                    f"Personal API key: {key_value}",
                    "Try:",
                    f'  curl -H "Authorization: Bearer {key_value}" {base}/api/projects/{team.id}/',
                    f'  curl -H "Authorization: Bearer {key_value}" {base}/api/projects/{team.id}/insights/',
                    f"API docs: {base}/api/schema/swagger-ui/   admin: {base}/admin/",
                    "",
                ]
            )
        )

    @transaction.atomic
    def _ensure_user_and_team(self) -> tuple[User, Team]:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(DEMO_EMAIL, DEMO_PASSWORD, first_name="Demo")
        if user.current_team is not None:
            return user, user.current_team
        organization = organization_create(
            name="Demo organization", owner=user, level=OrganizationMembership.Level.OWNER
        )
        membership_add(
            organization=organization, user=user, level=OrganizationMembership.Level.OWNER
        )
        team = project_create(organization=organization, name="Demo project", user=user)
        user.refresh_from_db()
        return user, team

    def _ensure_key(self, user: User) -> str:
        path = _key_file()
        if path.exists():
            value = path.read_text().strip()
            if PersonalAPIKey.objects.filter(
                user=user, secure_value=hash_key_value(value)
            ).exists():
                return value
        _, value = personal_api_key_create(user=user, label=DEMO_KEY_LABEL, scopes=["*"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
        path.chmod(0o600)
        return value
