"""The SQL of a funnel (posthog-queries.md §3): one statement, one pass over the events.

The statement reads the events once (``ev``: actor, epoch time, a bitmask of the steps and one
of the exclusions each event matches, its breakdown value), aggregates every actor's events
into time-ordered arrays and computes the actor's path with ``posthog_funnel_path`` (ordered,
strict) or ``posthog_funnel_unordered`` (migration insights 0003), then aggregates the paths:
counts per step, conversion-time averages and medians, breakdown ranking with Other. Only the
aggregated rows reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insights.queries import schema
from insights.queries.filters import TRUE
from insights.queries.filters import FilterBuilder
from insights.queries.filters import Fragment
from insights.queries.filters import UnsupportedQuery
from insights.queries.sql import ACTOR
from insights.queries.sql import property_text

WINDOW_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 31 * 86400,
}
DEFAULT_WINDOW = (14, "day")
OTHER = "Other"


@dataclass
class FunnelSpec:
    """What the SQL needs to know about a validated FunnelsQuery."""

    team_id: int
    steps: list[schema.EventsNode]
    exclusions: list[schema.FunnelExclusion]
    order: str
    window_seconds: int
    ts_from: Any
    ts_to: Any
    global_conditions: list[Fragment]
    builder: FilterBuilder
    breakdown: Fragment | None = None
    attribution: str = "first_touch"
    attribution_step: int = 0
    breakdown_limit: int | None = None
    period: Fragment | None = None  # funnel trends: the event's local interval bucket

    @property
    def n(self) -> int:
        return len(self.steps)

    @property
    def optional_mask(self) -> int:
        return sum(1 << i for i, step in enumerate(self.steps) if step.optionalInFunnel)


def _join(fragments: list[Fragment], joiner: str) -> Fragment:
    parts = [f for f in fragments if f != TRUE]
    if not parts:
        return TRUE
    params: list[Any] = []
    for _, extra in parts:
        params.extend(extra)
    return "(" + joiner.join(sql for sql, _ in parts) + ")", params


def _node_condition(spec: FunnelSpec, node: Any) -> Fragment:
    """A step's (or exclusion's) own condition: its event name and its properties."""
    parts: list[Fragment] = []
    if node.event is not None:
        parts.append(("e.event = %s", [node.event]))
    parts.append(spec.builder.build(node.properties))
    parts.append(spec.builder.build(node.fixedProperties))
    return _join(parts, " AND ")


def _bits(spec: FunnelSpec, conditions: list[tuple[int, Fragment]]) -> Fragment:
    """``(CASE WHEN c THEN bit ELSE 0 END) | ...`` over (bit, condition) pairs; 0 when none."""
    if not conditions:
        return "0", []
    sql: list[str] = []
    params: list[Any] = []
    for bit, (cond_sql, cond_params) in conditions:
        sql.append(f"(CASE WHEN {cond_sql} THEN {1 << bit} ELSE 0 END)")
        params.extend(cond_params)
    return "(" + " | ".join(sql) + ")", params


def events_cte(spec: FunnelSpec) -> Fragment:
    """``ev``: the events the funnel reads, tagged with their steps and exclusions."""
    step_bits = _bits(spec, [(i, _node_condition(spec, s)) for i, s in enumerate(spec.steps)])
    # Exclusion bit i (1 <= i < n): the event drops a path that completed i steps.
    excl_conditions: list[tuple[int, Fragment]] = []
    for i in range(1, spec.n):
        covering = [
            _node_condition(spec, x)
            for x in spec.exclusions
            if x.funnelFromStep < i <= x.funnelToStep
        ]
        if covering:
            excl_conditions.append((i, _join(covering, " OR ")))
    excl_bits = _bits(spec, excl_conditions)
    breakdown = spec.breakdown or ("''", [])
    period = (
        (f"extract(epoch FROM {spec.period[0]})::float8", spec.period[1])
        if spec.period
        else ("0::float8", [])
    )
    where = ["e.team_id = %s", "e.timestamp >= %s", "e.timestamp <= %s"]
    params: list[Any] = [spec.team_id, spec.ts_from, spec.ts_to]
    names = [s.event for s in spec.steps] + [x.event for x in spec.exclusions]
    # Strict funnels read every event: any other event in between breaks the sequence.
    if spec.order != "strict" and None not in names:
        where.append("e.event = ANY(%s)")
        params.append(sorted({str(name) for name in names}))
    for sql, extra in spec.global_conditions:
        if (sql, extra) != TRUE:
            where.append(sql)
            params.extend(extra)
    joins = (
        " LEFT JOIN posthog_api_persondistinctid pdi"
        " ON pdi.team_id = e.team_id AND pdi.distinct_id = e.distinct_id"
    )
    if spec.builder.needs_person:
        joins += " LEFT JOIN posthog_api_person p ON p.id = pdi.person_id"
    sql = (
        f"SELECT {ACTOR} AS actor, extract(epoch FROM e.timestamp)::float8 AS ts, e.uuid,"
        f" {step_bits[0]} AS steps, {excl_bits[0]} AS excl,"
        f" COALESCE({breakdown[0]}, '') AS bd,"
        f" {period[0]} AS period"
        f" FROM posthog_api_event e{joins} WHERE " + " AND ".join(where)
    )
    return sql, [*step_bits[1], *excl_bits[1], *breakdown[1], *period[1], *params]


def _path_call(spec: FunnelSpec, attr_value: str) -> str:
    """The per-actor function call over the arrays of ``a`` (see ``paths_cte``)."""
    if spec.order == "unordered":
        return f"posthog_funnel_unordered(a.ev, {spec.n}, {spec.window_seconds})"
    strict = "true" if spec.order == "strict" else "false"
    attr_step = spec.attribution_step if spec.attribution == "step" else -1
    return (
        f"posthog_funnel_path(a.ev, a.bds, {spec.n}, {spec.window_seconds},"
        f" {spec.optional_mask}, {strict}, {attr_step}, {attr_value})"
    )


def _compressible(spec: FunnelSpec) -> bool:
    """Whether runs of step-0-only events may be cut down to their last event.

    In an ordered or strict funnel without exclusions, a step-0-only event alone at its
    instant and followed by another step-0-only event changes nothing the next one does not
    overwrite: the newer start replaces it, and a one-step path has no conversion time. (An
    exclusion's window is measured from the best path's start, and "step" attribution reads
    each event's value, so both keep every event.) Typical data has long runs of page views.
    """
    return spec.order != "unordered" and not spec.exclusions and spec.attribution != "step"


def _bd_select(spec: FunnelSpec) -> tuple[str, str]:
    """The per-actor breakdown columns (bd, bds[, candidates]) and the attributed value."""
    order = "ORDER BY ts, uuid"
    relevant = "(steps <> 0 OR excl <> 0)"
    if spec.breakdown is None:
        bd, attr_value = "''::text AS bd, NULL::text[] AS bds", "NULL"
    elif spec.attribution == "all_events":
        bd, attr_value = "bd, NULL::text[] AS bds", "NULL"
    elif spec.attribution == "step":
        step_bit = 1 << spec.attribution_step
        bd = (
            f"array_agg(bd {order}) AS bds,"
            # an actor without a step-k event is counted once, under the empty value
            f" COALESCE(array_agg(DISTINCT bd) FILTER (WHERE steps & {step_bit} <> 0),"
            " ARRAY['']) AS candidates"
        )
        attr_value = "v.bd"
    else:
        direction = "" if spec.attribution == "first_touch" else " DESC"
        bd = (
            f"COALESCE((array_agg(bd ORDER BY ts{direction}, uuid{direction})"
            f" FILTER (WHERE bd <> '' AND {relevant}))[1], '') AS bd, NULL::text[] AS bds"
        )
        attr_value = "NULL"
    return bd, attr_value


def paths_cte(spec: FunnelSpec) -> Fragment:
    """``paths``: one row per actor (and breakdown value) that entered the funnel.

    Columns: actor, bd, mask (steps of the path), times (timestamp per step, 1-based).
    """
    ev_sql, ev_params = events_cte(spec)
    order = "ORDER BY ts, uuid"
    relevant = "(steps <> 0 OR excl <> 0)"
    per_value = spec.breakdown is not None and spec.attribution == "all_events"
    partition = "actor, bd" if per_value else "actor"
    if _compressible(spec):
        marked = (
            f"SELECT ev.*, NOT COALESCE(steps = 1 AND excl = 0"
            f" AND lead(steps) OVER w = 1 AND lead(excl) OVER w = 0 AND lead(ts) OVER w > ts"
            f" AND COALESCE(lag(ts) OVER w < ts, true), false) AS keep FROM ev"
            f"{'' if spec.order == 'strict' else f' WHERE {relevant}'}"
            f" WINDOW w AS (PARTITION BY {partition} {order})"
        )
    else:
        where = "" if spec.order == "strict" else f" WHERE {relevant}"
        marked = f"SELECT ev.*, true AS keep FROM ev{where}"
    arrays = f"array_agg(ARRAY[ts, steps, excl] {order}) FILTER (WHERE keep) AS ev"
    bd, attr_value = _bd_select(spec)
    inner = f"SELECT actor, {bd}, {arrays} FROM m GROUP BY {partition}"
    call = _path_call(spec, attr_value)
    if spec.attribution == "step" and spec.breakdown is not None:
        source = f"({inner}) a CROSS JOIN LATERAL unnest(a.candidates) AS v(bd)"
        bd_col = "v.bd"
    else:
        source = f"({inner}) a"
        bd_col = "a.bd"
    sql = (
        f"ev AS ({ev_sql}), m AS ({marked}), paths AS ("
        f"SELECT a.actor, {bd_col} AS bd, r.mask, r.times"
        f" FROM {source} CROSS JOIN LATERAL {call} r WHERE r.mask IS NOT NULL)"
    )
    return sql, ev_params


def gap_expr(k: int) -> str:
    """Seconds from the previous step of the path to step ``k`` (NULL when k is not in it)."""
    previous = ", ".join(f"times[{j}]" for j in range(k, 0, -1))
    return f"(times[{k + 1}] - COALESCE({previous}))"


def steps_sql(spec: FunnelSpec) -> Fragment:
    """Rows (breakdown value, count per step..., average gap per step..., median gap...)."""
    paths, params = paths_cte(spec)
    counts = ", ".join(
        f"count(*) FILTER (WHERE mask & {1 << k} <> 0) AS c{k}" for k in range(spec.n)
    )
    stats: list[str] = []
    for k in range(1, spec.n):
        gap = gap_expr(k)
        stats.append(f"avg({gap}) FILTER (WHERE {gap} > 0)")
        stats.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {gap}) FILTER (WHERE {gap} > 0)")
    stat_sql = "".join(f", {s}" for s in stats)
    rank_order = ", ".join(f"c{k} DESC" for k in reversed(range(spec.n)))
    if spec.breakdown is not None and spec.breakdown_limit is not None:
        final_bd = f"CASE WHEN ranked.rn <= {int(spec.breakdown_limit)} THEN paths.bd ELSE %s END"
        final_params: list[Any] = [OTHER]
    else:
        final_bd, final_params = "paths.bd", []
    sql = (
        f"WITH {paths},"
        f" totals AS (SELECT bd, {counts} FROM paths GROUP BY bd),"
        f" ranked AS (SELECT bd, row_number() OVER (ORDER BY {rank_order}, bd) AS rn FROM totals),"
        f" final AS (SELECT {final_bd} AS fbd, paths.mask, paths.times"
        " FROM paths JOIN ranked ON ranked.bd = paths.bd)"
        f" SELECT fbd, {counts}{stat_sql} FROM final GROUP BY fbd"
        f" ORDER BY {rank_order}, fbd"
    )
    return sql, [*params, *final_params]


def trends_sql(spec: FunnelSpec, from_step: int) -> Fragment:
    """Rows (breakdown value, period epoch, entries reaching from_step, entries converting)."""
    ev_sql, params = events_cte(spec)
    order = "ORDER BY ts, uuid"
    relevant = "(steps <> 0 OR excl <> 0)"
    partition = (
        "actor, bd" if spec.breakdown is not None and spec.attribution == "all_events" else "actor"
    )
    where = "" if spec.order == "strict" else f" WHERE {relevant}"
    bd, _ = _bd_select(spec)
    strict = "true" if spec.order == "strict" else "false"
    sql = (
        f"WITH ev AS ({ev_sql}),"
        f" a AS (SELECT actor, {bd}, array_agg(ARRAY[ts, steps, excl, period] {order}) AS ev"
        f" FROM ev{where} GROUP BY {partition}),"
        " entries AS (SELECT a.bd, r.period, r.success FROM a CROSS JOIN LATERAL"
        f" posthog_funnel_trends(a.ev, {spec.n}, {from_step}, {spec.window_seconds}, {strict}) r)"
        " SELECT bd, period, count(*), count(*) FILTER (WHERE success = 1)"
        " FROM entries GROUP BY 1, 2"
    )
    return sql, params


def time_to_convert_sql(
    spec: FunnelSpec, from_step: int, to_step: int, bins: int | None
) -> Fragment:
    """Rows (low, width, bin count, average, bin start, actors) of the conversion-time histogram."""
    paths, params = paths_cte(spec)
    sample = " + ".join(f"COALESCE({gap_expr(k)}, 0)" for k in range(from_step + 1, to_step + 1))
    bin_count = (
        str(min(max(bins, 1), 90))
        if bins is not None
        else "LEAST(GREATEST(ceil(cbrt(st.n)), 1), 60)"
    )
    sql = (
        f"WITH {paths},"
        f" samples AS (SELECT ({sample})::float8 AS x FROM paths WHERE mask & {1 << to_step} <> 0),"
        " st AS (SELECT count(*) AS n, floor(min(x)) AS lo, ceil(max(x)) AS hi, avg(x) AS mean"
        " FROM samples),"
        f" shape AS (SELECT st.*, {bin_count}::int AS bins FROM st WHERE st.n > 0),"
        " sized AS (SELECT shape.*, CASE WHEN ceil((hi - lo) / bins) = 0 THEN 60"
        " ELSE ceil((hi - lo) / bins) END AS width FROM shape)"
        " SELECT sized.lo, sized.width, sized.bins, sized.mean,"
        " sized.lo + floor((samples.x - sized.lo) / sized.width) * sized.width AS bin, count(*)"
        " FROM samples CROSS JOIN sized GROUP BY 1, 2, 3, 4, 5 ORDER BY 5"
    )
    return sql, params


def breakdown_expr(
    breakdown_filter: schema.BreakdownFilter | None, builder: FilterBuilder
) -> Fragment | None:
    """The breakdown value of an event (text; NULL when missing), or None without breakdown."""
    if breakdown_filter is None or breakdown_filter.breakdown in (None, "", []):
        if breakdown_filter is not None and breakdown_filter.breakdowns:
            raise UnsupportedQuery("Funnel breakdowns by several properties")
        return None
    value = breakdown_filter.breakdown
    if isinstance(value, list):
        if len(value) != 1:
            raise UnsupportedQuery("Funnel breakdowns by several properties")
        value = value[0]
    kind = breakdown_filter.breakdown_type or "event"
    if kind not in ("event", "person"):
        raise UnsupportedQuery(f"Funnel breakdowns of type {kind!r}")
    return property_text(str(value), kind, builder)


def actors_sql(spec: FunnelSpec, step: int, value: str | None, limit: int, offset: int) -> Fragment:
    """Actor keys (one page) who reached step ``step`` (1-based) or dropped before ``-step``."""
    paths, params = paths_cte(spec)
    if step > 0:
        condition = f"mask & {1 << (step - 1)} <> 0"
    else:
        condition = f"mask & {1 << (-step - 2)} <> 0 AND mask & {1 << (-step - 1)} = 0"
    extra: list[Any] = []
    if value is not None and spec.breakdown is not None:
        condition += " AND bd = %s"
        extra.append(value)
    sql = (
        f"WITH {paths} SELECT DISTINCT actor FROM paths WHERE {condition}"
        " ORDER BY actor LIMIT %s OFFSET %s"
    )
    return sql, [*params, *extra, limit, offset]
