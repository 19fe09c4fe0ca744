"""A small pure-Python reference of one actor's funnel path (posthog-queries.md §3.3).

Written from the spec's prose, independently of the SQL functions, to check them on random
event sequences. An event is ``(ts, steps, exclusions)``: ``steps`` the set of 0-based steps it
matches, ``exclusions`` the set of i (1 <= i < n) such that it drops a path that completed i
steps. ``path`` returns the steps of the actor's path with their timestamps, or None when the
actor is not counted (never did step 0, or its best path is excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from itertools import groupby

Event = tuple[float, frozenset[int], frozenset[int]]


@dataclass
class Path:
    start: float
    excluded: bool = False
    times: dict[int, float] = field(default_factory=dict)  # step -> timestamp
    events: set[int] = field(default_factory=set)  # indexes of the events used


def path(
    events: list[Event],
    *,
    n: int,
    window: float,
    strict: bool = False,
    optional: frozenset[int] = frozenset(),
) -> dict[int, float] | None:
    # entered[k]: the latest path that completed k steps (k = 0 is "before step 0").
    entered: list[Path | None] = [None] * (n + 1)
    best: tuple[int, Path] | None = None
    indexed = sorted(enumerate(events), key=lambda item: item[1][0])

    def advance(k: int, t: float, index: int, exclusion: bool, multi: bool) -> None:
        """Handle "event ``index`` at ``t`` matches step k-1 (or is exclusion k-1)"."""
        nonlocal best
        prev = k - 1
        while True:
            candidate = entered[prev]
            in_window = candidate is not None and t - candidate.start <= window
            if in_window or prev == 0 or (prev - 1) not in optional:
                break
            prev -= 1  # an optional step may be skipped
        if not in_window or candidate is None:
            return
        current = entered[k]
        if current is not None and current.start == candidate.start:
            return  # this start already reached step k-1
        if exclusion:
            if not candidate.excluded:
                candidate.excluded = True
                if best is not None and best[0] == prev and t - best[1].start <= window:
                    best[1].excluded = True
            return
        if multi and index in candidate.events:
            return
        extended = replace(
            candidate,
            times={**candidate.times, k - 1: t},
            events={*candidate.events, index},
        )
        if not candidate.excluded:
            entered[k] = extended
        if best is None or k > best[0] or (k == best[0] and best[1].excluded):
            best = (k, replace(extended, times=dict(extended.times)))

    for t, group in groupby(indexed, key=lambda item: item[1][0]):
        same = list(group)
        entered[0] = Path(start=t)
        if len({(e[1], e[2]) for _, e in same}) == 1:
            for index, (_, steps, exclusions) in same:
                for k in sorted((i + 1 for i in exclusions), reverse=True):
                    advance(k, t, index, True, False)
                for k in sorted((s + 1 for s in steps), reverse=True):
                    advance(k, t, index, False, False)
                if strict:
                    for k in range(1, n + 1):
                        if k - 1 not in steps:
                            entered[k] = None
        else:
            # Different events at one instant: each matched step once, lowest step first.
            for step in range(n):
                for index, (_, steps, _) in same:
                    if step in steps:
                        advance(step + 1, t, index, False, True)
        if entered[n] is not None:
            break
    if best is None or best[1].excluded:
        return None
    return best[1].times


def unordered(events: list[Event], *, n: int, window: float) -> list[float] | None:
    """Timestamps of the covering events of the best window (their count = steps completed)."""
    ordered = sorted(events, key=lambda e: e[0])
    barrier = float("-inf")
    best: list[float] = []
    for r, (t, steps, exclusions) in enumerate(ordered):
        if exclusions:
            barrier = t
        if not steps:
            continue
        covered: set[int] = set()
        times: list[float] = []
        for t2, steps2, _ in ordered[: r + 1]:
            if t2 < t - window or t2 < barrier:
                continue
            free = sorted(steps2 - covered)
            if free:
                covered.add(free[0])
                times.append(t2)
        if len(times) > len(best):
            best = times
            if len(best) == n:
                break
    return best or None
