"""``make fuzz``: schemathesis over every operation of openapi.yaml against a live server.

Runs on a database of its own (``<DATABASE_URL's name>_fuzz``, made afresh each run on the same
server, so the fuzzer's thousands of rows never land in a real database and a fresh CI machine
needs no database made beforehand), migrates it, seeds a fresh project with a real personal API
key (``fuzz/seed.py``), starts gunicorn on a free loopback port and runs schemathesis with the
checks ``not_a_server_error``, ``status_code_conformance`` and ``response_schema_conformance``
(``fuzz/schemathesis.toml``). The ``query`` fields are drawn from examples (``fuzz/queries.py``)
rather than from the full query models. Arguments after ``make fuzz FUZZ_ARGS=...`` go to
``schemathesis run`` (e.g. ``--max-examples 50`` or ``--include-path-regex insights``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import psycopg
import yaml
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
SEED = "20261206"


def use_own_database() -> None:
    """Point ``DATABASE_URL`` (for this process and the server it starts) at a fresh database."""
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')}_fuzz"
    maintenance = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))


def main(argv: list[str]) -> int:
    use_own_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.server import start_server
    from bench.server import stop_server
    from fuzz.schema import bounded_schema
    from fuzz.seed import seed_project

    call_command("migrate", verbosity=0)
    project = seed_project()
    schema, bounded = bounded_schema(yaml.safe_load((ROOT / "openapi.yaml").read_text()))
    operations = sum(
        1
        for item in schema["paths"].values()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    )
    print(f"fuzz: {operations} operations, {bounded} query fields bounded", flush=True)
    # The fuzzer sends hundreds of requests per second on purpose: lift the per-key throttles.
    server, url = start_server(
        2,
        env={
            "THROTTLE_BURST_RATE": "100000000/minute",
            "THROTTLE_SUSTAINED_RATE": "1000000000/hour",
        },
    )
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            schema_path = Path(tmp) / "openapi.json"
            schema_path.write_text(json.dumps(schema))
            environment = {
                **os.environ,
                "FUZZ_API_KEY": project.key,
                "FUZZ_TEAM_ID": str(project.team_id),
                "FUZZ_INSIGHT_ID": str(project.insight_id),
                "FUZZ_DASHBOARD_ID": str(project.dashboard_id),
                "FUZZ_ELEMENT_ID": str(project.element_id),
            }
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "--no-color",
                "--config-file",
                str(CONFIG),
                "run",
                str(schema_path),
                "--url",
                url,
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "2",
                "--seed",
                SEED,
                "--suppress-health-check",
                "all",
                *argv,
            ]
            result = subprocess.run(command, env=environment, cwd=tmp, check=False)
    finally:
        stop_server(server)
    print(f"fuzz: schemathesis exited {result.returncode} after {time.monotonic() - started:.0f} s")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
