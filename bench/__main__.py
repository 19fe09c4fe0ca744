"""``make bench``: runs every ``bench/bench_*.py`` module's ``main(argv)`` in turn.

``make bench BENCH_ARGS="ingest --events 100000"`` runs only the named benchmarks, passing the
rest of the arguments on. Each benchmark prints its figures as ratios measured side by side.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "posthog_api.settings")
    import django

    django.setup()
    available = sorted(
        name.removeprefix("bench_")
        for _, name, _ in pkgutil.iter_modules([str(Path(__file__).parent)])
        if name.startswith("bench_")
    )
    selected = [arg for arg in argv if arg in available] or available
    rest = [arg for arg in argv if arg not in available]
    for name in selected:
        print(f"\n=== bench: {name} ===", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        module.main(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
