"""Write a deterministic product story of ``events`` events into a team with PostgreSQL COPY.

The story: visitors land on the marketing site from search and social referrers, read the blog and
docs, look at pricing, some sign up (``signed_up`` then ``$identify``, which merges their anonymous
id into their identified person), use the app (file pages, uploads, shares), and some buy a plan
(``purchase`` with ``revenue``). Clicks are ``$autocapture`` events with element chains; a slow
upload button draws ``$rageclick``s and a decorative image ``$dead_click``s. Traffic grows over the
period and dips on weekends.

Events are simulated one day at a time, sorted by time and streamed to COPY, so ids, UUIDs (v7
layout: time first) and index entries arrive roughly in time order, which keeps the indexes
append-mostly and the load fast. The same ``seed`` and ``end`` always give the same rows.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Generic
from typing import TypeVar

import orjson
from django.db import connection
from django.db import transaction
from django.utils import timezone

from posthog_api.demo import catalog
from posthog_api.hourly_counts import SET_COUNTED_LOCAL
from posthog_api.hourly_counts import add_counts
from posthog_api.models import Team

T = TypeVar("T")
Row = tuple[float, str, str, str, str, str, str]

COPY_CHUNK_ROWS = 20_000
EVENT_COLUMNS = (
    "uuid, team_id, event, distinct_id, timestamp, created_at, properties, elements_chain, "
    "session_id, person_id"
)


@dataclass
class _Visitor:
    index: int
    anon_id: str
    person_uuid: str
    device: str  # the JSON fragment of browser/os/country properties
    initial: dict[str, object]
    created_at: float
    email: str | None = None
    name: str | None = None
    plan: str | None = None
    extra_ids: list[str] = field(default_factory=list)


class _Picker(Generic[T]):
    """Weighted choice with precomputed cumulative weights (much faster than ``choices`` per call)."""

    def __init__(self, rng: random.Random, items: list[T], weights: list[float]) -> None:
        self.rng = rng
        self.items = items
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self) -> T:
        return self.items[bisect.bisect(self.cum, self.rng.random() * self.total)]


def _uuid7(rng: random.Random, ts: float) -> str:
    """A UUID with the v7 layout (millisecond time first), the kind PostHog's SDKs send."""
    value = (
        (int(ts * 1000) << 80)
        | (7 << 76)
        | (rng.getrandbits(12) << 64)
        | (2 << 62)
        | rng.getrandbits(62)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _copy_text(value: str) -> str:
    """Escape a value for COPY's text format (the catalog has no tabs or newlines, only maybe ``\\``)."""
    if "\\" in value or "\t" in value or "\n" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return value


class _Story:
    def __init__(self, *, seed: int, team_id: int) -> None:
        self.rng = rng = random.Random(seed)
        self.team_id = team_id
        self.visitors: list[_Visitor] = []
        self.browser = _Picker(rng, list(catalog.BROWSERS), [w for _, w, _ in catalog.BROWSERS])
        self.os = _Picker(
            rng, list(catalog.OPERATING_SYSTEMS), [w for _, w, _ in catalog.OPERATING_SYSTEMS]
        )
        self.country = _Picker(rng, list(catalog.COUNTRIES), [w for *_, w in catalog.COUNTRIES])
        self.referrer = _Picker(
            rng, [r for r, _ in catalog.REFERRERS], [w for _, w in catalog.REFERRERS]
        )
        self.plan = _Picker(rng, list(catalog.PLANS), [w for _, w, _ in catalog.PLANS])
        self.file_type = _Picker(
            rng, [t for t, _ in catalog.FILE_TYPES], [w for _, w in catalog.FILE_TYPES]
        )
        browse = catalog.MARKETING_PAGES + catalog.BLOG_PAGES + catalog.DOC_PAGES
        self.browse_page = _Picker(rng, [p for p, _ in browse], [w for _, w in browse])
        app = catalog.APP_PAGES + [(f"/files/{n}", 0.25) for n in range(catalog.FILE_PAGE_COUNT)]
        self.app_page = _Picker(rng, [p for p, _ in app], [w for _, w in app])
        # Busier in the (UTC) afternoon and evening.
        self.hour = _Picker(
            rng,
            list(range(24)),
            [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 9, 10, 10, 10, 9, 9, 8, 7, 6, 5, 4, 3],
        )
        self.rows: list[Row] = []
        # The session being simulated.
        self.ts = 0.0
        self.session_id = ""
        self.distinct_id = ""
        self.person = ""
        self.base = ""

    # -- visitors -------------------------------------------------------------------------------

    def new_visitor(self, ts: float) -> _Visitor:
        rng = self.rng
        index = len(self.visitors)
        browser, _, version = self.browser()
        os_name, _, device_type = self.os()
        code, country, _ = self.country()
        referrer = self.referrer()
        device = {
            "$browser": browser,
            "$browser_version": version,
            "$os": os_name,
            "$device_type": device_type,
            "$geoip_country_code": code,
            "$geoip_country_name": country,
            "$lib": "web",
            "$referring_domain": referrer,
        }
        initial: dict[str, object] = {
            "$initial_browser": browser,
            "$initial_os": os_name,
            "$initial_referring_domain": referrer,
            "$geoip_country_code": code,
        }
        visitor = _Visitor(
            index=index,
            anon_id=f"anon-{_uuid7(rng, ts)}",
            person_uuid=_uuid7(rng, ts),
            device=orjson.dumps(device).decode()[1:-1],
            initial=initial,
            created_at=ts,
        )
        self.visitors.append(visitor)
        return visitor

    def returning_visitor(self) -> _Visitor:
        # Squaring biases towards recent visitors: most return soon after their first visit.
        position = 1.0 - self.rng.random() ** 2
        return self.visitors[min(int(position * len(self.visitors)), len(self.visitors) - 1)]

    # -- one session ----------------------------------------------------------------------------

    def emit(
        self, event: str, path: str, extra: dict[str, object] | None = None, chain: str = ""
    ) -> None:
        self.ts += 3 + self.rng.random() * 60
        props = f'{{"$current_url":"{catalog.HOST}{path}","$pathname":"{path}",{self.base}'
        if extra:
            props += "," + orjson.dumps(extra).decode()[1:-1]
        self.rows.append(
            (self.ts, event, self.distinct_id, props + "}", chain, self.session_id, self.person)
        )

    def session(self, visitor: _Visitor, start: float) -> None:
        rng = self.rng
        self.ts = start
        self.session_id = _uuid7(rng, start)
        self.distinct_id = visitor.email or visitor.anon_id
        self.person = visitor.person_uuid
        self.base = f'"$session_id":"{self.session_id}",{visitor.device}'
        if visitor.email and rng.random() < 0.05:
            # A known user on a new device: anonymous until they log in again.
            self.distinct_id = f"anon-{_uuid7(rng, start)}"
            visitor.extra_ids.append(self.distinct_id)
        if self.distinct_id != visitor.email:
            self.browse(visitor)
        if visitor.email is not None and self.distinct_id == visitor.email:
            self.use_app(visitor)

    def browse(self, visitor: _Visitor) -> None:
        rng = self.rng
        path = self.browse_page()
        for _ in range(rng.randint(1, 6)):
            self.emit("$pageview", path)
            roll = rng.random()
            if roll < 0.35:
                self.emit(
                    "$autocapture", path, {"$event_type": "click"}, rng.choice(catalog.NAV_CLICKS)
                )
            elif roll < 0.40:
                self.emit("$dead_click", path, None, rng.choice(catalog.DEAD_CLICKS))
            self.emit("$pageleave", path)
            path = self.browse_page()
        if visitor.email is None and rng.random() < 0.25:
            self.emit("$pageview", "/pricing")
            self.emit(
                "$autocapture",
                "/pricing",
                {"$event_type": "click"},
                rng.choice(catalog.PRICING_CLICKS),
            )
            if rng.random() < 0.45:
                self.sign_up(visitor)
        elif visitor.email is not None:
            self.emit("$pageview", "/login")
            self.emit("$identify", "/login", {"$anon_distinct_id": self.distinct_id})
            self.distinct_id = visitor.email

    def sign_up(self, visitor: _Visitor) -> None:
        rng = self.rng
        anon_id = self.distinct_id
        self.emit("$autocapture", "/pricing", {"$event_type": "click"}, catalog.SIGNUP_CLICK)
        self.emit("$pageview", "/signup")
        domain = rng.choice(["gmail.com", "outlook.com", "acme.example", "initech.example"])
        visitor.email = f"user{visitor.index}@{domain}"
        visitor.name = f"{rng.choice(catalog.FIRST_NAMES)} {visitor.index}"
        person_set = {"email": visitor.email, "name": visitor.name}
        self.emit("signed_up", "/signup", {"$set": person_set})
        self.distinct_id = visitor.email
        self.emit("$identify", "/signup", {"$anon_distinct_id": anon_id, "$set": person_set})

    def use_app(self, visitor: _Visitor) -> None:
        rng = self.rng
        path = "/files"
        for _ in range(rng.randint(1, 8)):
            self.emit("$pageview", path)
            roll = rng.random()
            if roll < 0.45:
                self.emit(
                    "$autocapture", path, {"$event_type": "click"}, rng.choice(catalog.APP_CLICKS)
                )
            if roll < 0.2:
                size = rng.randint(1_000, 50_000_000)
                self.emit(
                    "uploaded_file", path, {"file_type": self.file_type(), "file_size_b": size}
                )
            elif roll < 0.3:
                self.emit("downloaded_file", path, {"file_type": self.file_type()})
            if rng.random() < 0.04:
                self.emit("$rageclick", path, None, catalog.RAGE_CLICK)
            path = self.app_page()
        if rng.random() < (0.12 if visitor.plan is None else 0.03):
            plan, _, price = self.plan()
            seats = rng.choice([1, 1, 1, 2, 3, 5, 10])
            self.emit("$pageview", "/checkout")
            self.emit("$autocapture", "/checkout", {"$event_type": "click"}, catalog.CHECKOUT_CLICK)
            revenue = round(price * seats, 2)
            self.emit(
                "purchase",
                "/checkout",
                {
                    "plan": plan,
                    "seats": seats,
                    "revenue": revenue,
                    "currency": "USD",
                    "$set": {"plan": plan},
                },
            )
            visitor.plan = plan

    # -- the whole period -----------------------------------------------------------------------

    def day(self, day_start: float, quota: int) -> list[Row]:
        rng = self.rng
        self.rows = []
        while len(self.rows) < quota:
            start = day_start + self.hour() * 3600 + rng.random() * 3600
            if not self.visitors or rng.random() < 0.3:
                visitor = self.new_visitor(start)
            else:
                visitor = self.returning_visitor()
            self.session(visitor, start)
        rows = self.rows
        rows.sort(key=lambda row: row[0])
        return rows


def _day_quotas(*, events: int, days: int, first_day: datetime) -> list[int]:
    weights = []
    for d in range(days):
        weekday = (first_day + timedelta(days=d)).weekday()
        weights.append((1.0 + d / days) * (0.6 if weekday >= 5 else 1.0))
    total = sum(weights)
    cumulative = [round(events * w / total) for w in itertools.accumulate(weights)]
    cumulative[-1] = events
    return [b - a for a, b in zip([0, *cumulative[:-1]], cumulative, strict=True)]


def _write_events(
    cursor: Any,
    story: _Story,
    *,
    quotas: list[int],
    first_ts: float,
    now: float,
    hourly: Counter[tuple[str, datetime]],
) -> int:
    rng = story.rng
    team = str(story.team_id)
    written = 0
    with cursor.copy(f"COPY posthog_api_event ({EVENT_COLUMNS}) FROM STDIN") as copy:
        for d, quota in enumerate(quotas):
            if quota <= 0:
                continue
            rows = story.day(first_ts + d * 86400, quota)[:quota]
            lines: list[str] = []
            for ts, event, distinct_id, props, chain, session_id, person in rows:
                # Sessions that run past "now" are clamped: the demo has no future events.
                moment = datetime.fromtimestamp(min(ts, now), UTC)
                # Counted from the stored (microsecond-rounded) instant, not from ``ts``.
                hourly[event, moment.replace(minute=0, second=0, microsecond=0)] += 1
                stamp = moment.isoformat()
                lines.append(
                    f"{_uuid7(rng, ts)}\t{team}\t{event}\t{distinct_id}\t{stamp}\t{stamp}\t"
                    f"{_copy_text(props)}\t{chain}\t{session_id}\t{person}\n"
                )
                if len(lines) >= COPY_CHUNK_ROWS:
                    copy.write("".join(lines))
                    lines = []
            if lines:
                copy.write("".join(lines))
            written += len(rows)
    return written


def _write_persons(cursor: Any, story: _Story) -> None:
    team = str(story.team_id)
    with cursor.copy(
        "COPY posthog_api_person (uuid, team_id, properties, is_identified, created_at, version) FROM STDIN"
    ) as copy:
        lines = []
        for visitor in story.visitors:
            props: dict[str, object] = dict(visitor.initial)
            if visitor.email:
                props.update(email=visitor.email, name=visitor.name)
            if visitor.plan:
                props["plan"] = visitor.plan
            identified = "t" if visitor.email else "f"
            lines.append(
                f"{visitor.person_uuid}\t{team}\t{_copy_text(orjson.dumps(props).decode())}\t"
                f"{identified}\t{_iso(visitor.created_at)}\t0\n"
            )
        copy.write("".join(lines))
    # Dropped first: two calls in one outer transaction (tests) would otherwise collide.
    cursor.execute("DROP TABLE IF EXISTS pg_temp._demo_distinct_ids")
    cursor.execute(
        "CREATE TEMP TABLE _demo_distinct_ids (distinct_id text, person_uuid uuid) ON COMMIT DROP"
    )
    with cursor.copy("COPY _demo_distinct_ids (distinct_id, person_uuid) FROM STDIN") as copy:
        lines = []
        for visitor in story.visitors:
            for distinct_id in [
                visitor.anon_id,
                *visitor.extra_ids,
                *([visitor.email] if visitor.email else []),
            ]:
                lines.append(f"{distinct_id}\t{visitor.person_uuid}\n")
        copy.write("".join(lines))
    cursor.execute(
        """
        INSERT INTO posthog_api_persondistinctid (team_id, person_id, distinct_id, version)
        SELECT %s, p.id, d.distinct_id, 0
        FROM _demo_distinct_ids d
        JOIN posthog_api_person p ON p.team_id = %s AND p.uuid = d.person_uuid
        """,
        [story.team_id, story.team_id],
    )


@transaction.atomic
def generate_demo_data(
    *, team: Team, events: int, seed: int, days: int = 30, end: datetime | None = None
) -> int:
    """Insert ``events`` demo events (plus their persons) into ``team``; returns the number written.

    Deterministic for a given ``seed`` and ``end`` (default: the start of the current UTC hour, so
    the data always reaches "now"). Run it on a team without demo data: event and person UUIDs
    come from the seed, so a second run with the same seed hits the unique constraints.
    """
    if events <= 0:
        return 0
    if days <= 0:
        raise ValueError("days must be positive")
    end = end or timezone.now().replace(minute=0, second=0, microsecond=0)
    end_ts = end.timestamp()
    # Day d covers the 24 hours starting ``days - d`` days before ``end``.
    first_day = end - timedelta(days=days)
    story = _Story(seed=seed, team_id=team.pk)
    quotas = _day_quotas(events=events, days=days, first_day=first_day)
    hourly: Counter[tuple[str, datetime]] = Counter()
    with connection.cursor() as cursor:
        # COPY counts its hours here (one upsert afterwards) rather than through the per-row
        # counting trigger of migration 0002, which stands aside while this is on.
        cursor.execute(SET_COUNTED_LOCAL, ["on"])
        written = _write_events(
            cursor,
            story,
            quotas=quotas,
            first_ts=first_day.timestamp(),
            now=end_ts,
            hourly=hourly,
        )
        cursor.execute(SET_COUNTED_LOCAL, ["off"])
        _add_hourly_counts(cursor, team_id=team.pk, hourly=hourly)
        _write_persons(cursor, story)
    return written


def _add_hourly_counts(cursor: Any, *, team_id: int, hourly: Counter[tuple[str, datetime]]) -> None:
    keys = sorted(hourly)
    cursor.execute(
        add_counts(
            "SELECT %s, e, h, 0, c"
            " FROM unnest(%s::text[], %s::timestamptz[], %s::bigint[]) AS t(e, h, c)"
        ),
        [team_id, [e for e, _ in keys], [h for _, h in keys], [hourly[k] for k in keys]],
    )
