from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from posthog_api.env import env_bool
from posthog_api.env import env_int
from posthog_api.env import parse_database_url

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ["posthog_api", "insights", "elements", "activity", "coalescing"]


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "PRODUCTION"}}
    return subprocess.run(
        [sys.executable, "-c", "import posthog_api.settings"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_unless_debug():
    result = _import_settings(SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is required unless DEBUG=true." in result.stderr
    assert _import_settings(SECRET_KEY="", DEBUG="true").returncode == 0


def test_debug_is_refused_in_production():
    result = _import_settings(SECRET_KEY="x", DEBUG="true", PRODUCTION="true")
    assert "DEBUG must not be enabled when PRODUCTION is set." in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a postgres:// URL"),
        ({"DATABASE_URL": "postgres://host"}, "DATABASE_URL must name a database"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must be a redis://"),
        ({"QUERY_STATEMENT_TIMEOUT_MS": "soon"}, "QUERY_STATEMENT_TIMEOUT_MS must be an integer"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "500"}, "CELERY_TASK_SOFT_TIME_LIMIT must be below"),
        ({"DATABASE_PREPARED_STATEMENTS": "often"}, "DATABASE_PREPARED_STATEMENTS must be a"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be at least 16 characters"),
        ({"METRICS_TOKEN": "has a space in it, long enough"}, "METRICS_TOKEN must be at least"),
        ({"METRICS_ALLOW_LOOPBACK": "perhaps"}, "METRICS_ALLOW_LOOPBACK must be a boolean"),
        ({"QUERY_PICKUP_TIMEOUT_SECONDS": "soon"}, "QUERY_PICKUP_TIMEOUT_SECONDS must be a number"),
        ({"QUERY_PICKUP_TIMEOUT_SECONDS": "3000"}, "QUERY_PICKUP_TIMEOUT_SECONDS must be below"),
        (
            {"QUERY_PICKUP_TIMEOUT_SECONDS": "10", "QUERY_ASYNC_HEARTBEAT_SECONDS": "5"},
            "QUERY_PICKUP_TIMEOUT_SECONDS must be above three",
        ),
    ],
)
def test_bad_values_fail_at_start_with_a_clear_message(env, message):
    result = _import_settings(SECRET_KEY="x", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(("value", "threshold"), [("true", "2"), ("false", "None")])
def test_prepared_statements_can_be_turned_off_for_pgbouncer(value, threshold):
    code = "from posthog_api import settings; print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DATABASE_PREPARED_STATEMENTS": value},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == threshold


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    result = subprocess.run(
        [sys.executable, "-c", "from posthog_api import settings; print(settings.SECRET_KEY)"],
        env={**os.environ, "SECRET_KEY_FILE": str(secret)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "from-file"


def test_env_helpers_reject_garbage(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_INT", "-3")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("SOME_INT", 1, minimum=0)


def test_database_url_with_socket_directory_is_parsed():
    parsed = parse_database_url("postgres://postgres@/posthog?host=/tmp/pg")
    assert parsed["NAME"] == "posthog"
    assert parsed["HOST"] == "/tmp/pg"
    assert parsed["USER"] == "postgres"


def test_every_setting_the_code_reads_exists():
    """Typo guard: ``settings.CELERT_TASK_TIME_LIMIT`` would otherwise fail only at runtime."""
    pattern = re.compile(r"\bsettings\.([A-Z][A-Z0-9_]+)\b")
    read: set[str] = set()
    for directory in CODE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            if "migrations" not in path.parts:
                read.update(pattern.findall(path.read_text()))
    missing = sorted(name for name in read if not hasattr(settings, name))
    assert read, "the scan found no settings reads at all"
    assert missing == []
