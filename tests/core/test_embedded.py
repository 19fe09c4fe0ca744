"""Boots the embedded mode end to end: start PostgreSQL and Redis, migrate, one request, stop."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "posthog_api.settings"
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.test import Client
    from posthog_api.models import User
    from posthog_api.services.organizations import organization_create, project_create, personal_api_key_create
    user = User.objects.create_user("e2e@example.com", "pw")
    org = organization_create(name="E2E", owner=user)
    team = project_create(organization=org, name="E2E", user=user)
    _, key = personal_api_key_create(user=user, label="e2e", scopes=["project:read"])
    response = Client().get(f"/api/projects/{team.id}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    ready = Client().get("/_ready").json()
    print("STATUS", response.status_code, response.json()["name"], ready["postgres"], ready["redis"])
    """
)


@pytest.mark.embedded
def test_embedded_mode_boots_migrates_serves_and_stops(tmp_path):
    data_dir = tmp_path / "d"  # short: Unix socket paths are limited to ~100 characters
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"EMBEDDED_DATA_DIR": str(data_dir), "TESTING": "1"})
    result = subprocess.run(
        [sys.executable, "-m", "posthog_api.embedded", "--", sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "STATUS 200 E2E ok ok" in result.stdout
    assert (data_dir / "pg").is_dir()
    # Stopped afterwards: the Redis socket is gone and no postmaster keeps the data dir.
    assert not (data_dir / "redis.sock").exists()
    assert not (data_dir / "pg" / "postmaster.pid").exists()
