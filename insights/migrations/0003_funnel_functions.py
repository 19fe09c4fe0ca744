"""PL/pgSQL functions computing one actor's funnel path (posthog-queries.md §3.3).

The engine aggregates each actor's matching events into ordered arrays and calls one of these
per actor inside the same statement, so a funnel is one pass over the events in PostgreSQL.
A later change to a function needs a new migration with its ``CREATE OR REPLACE``.
"""

from django.db import migrations

# ev: one row per event in time order, ``{epoch seconds, steps, exclusions}`` where bit j of
# steps = the event matches step j (0-based) and bit i of exclusions (1 <= i < n) = the event
# drops a path that completed i steps; bd: breakdown value per event (only read when
# attr_step >= 0, "step" attribution: the event used for step attr_step must carry attr_value).
# Returns NULL for an actor that never did step 1 or whose best path is excluded, else
# (mask: steps of the path, times: timestamp per step (NULL when skipped)).
ORDERED = r"""
CREATE OR REPLACE FUNCTION posthog_funnel_path(
    ev float8[], bd text[], n int, win float8, optional_mask int, strict boolean,
    attr_step int, attr_value text, OUT mask int, OUT times float8[]
) LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    len int := coalesce(array_length(ev, 1), 0);
    -- entered slot k (0..n) is stored at index k + 1: the latest path that completed k steps.
    st float8[] := array_fill(NULL::float8, ARRAY[n + 1]);
    ex boolean[] := array_fill(false, ARRAY[n + 1]);
    mk int[] := array_fill(0, ARRAY[n + 1]);
    tm float8[] := array_fill(NULL::float8, ARRAY[(n + 1) * n]);
    used_ev int[] := array_fill(0, ARRAY[(n + 1) * n]);
    best_k int := 0;
    best_start float8;
    best_ex boolean := false;
    best_mk int := 0;
    best_tm float8[];
    i int := 1;
    j int;
    x int;
    s int;
    p int;
    k int;
    t float8;
    sx int;
    xx int;
    multi boolean;
    in_win boolean;
    used boolean;
BEGIN
    WHILE i <= len LOOP
        t := ev[i][1];
        j := i;
        multi := false;
        WHILE j < len AND ev[j + 1][1] = t LOOP
            j := j + 1;
            IF ev[j][2] <> ev[i][2] OR ev[j][3] <> ev[i][3] THEN
                multi := true;
            END IF;
        END LOOP;
        st[1] := t; ex[1] := false; mk[1] := 0;
        FOR k IN 1..n LOOP tm[k] := NULL; used_ev[k] := 0; END LOOP;
        -- Events sharing a timestamp but matching different steps: one pseudo-event per
        -- matched step, lowest step first, no exclusions, no strict reset, no event twice.
        FOR pass IN 1..(CASE WHEN multi THEN n ELSE 1 END) LOOP
          FOR x IN i..j LOOP
            sx := ev[x][2]::int;
            xx := CASE WHEN multi THEN 0 ELSE ev[x][3]::int END;
            IF multi THEN
                CONTINUE WHEN (sx >> (pass - 1)) & 1 = 0;
                sx := 1 << (pass - 1);
            END IF;
            -- exclusions first, then steps, each from the highest down
            FOR is_excl IN REVERSE 1..0 LOOP
              CONTINUE WHEN (CASE WHEN is_excl = 1 THEN xx ELSE sx END) = 0;
              FOR s IN REVERSE n..1 LOOP
                CONTINUE WHEN ((CASE WHEN is_excl = 1 THEN xx ELSE sx END) >> (s - 1)) & 1 = 0;
                -- step s extends a path that completed s - 1 steps; exclusion s marks it
                p := s - 1;
                in_win := st[p + 1] IS NOT NULL AND t - st[p + 1] <= win;
                WHILE p > 0 AND NOT in_win AND (optional_mask >> (p - 1)) & 1 = 1 LOOP
                    p := p - 1;
                    in_win := st[p + 1] IS NOT NULL AND t - st[p + 1] <= win;
                END LOOP;
                CONTINUE WHEN NOT in_win OR st[s + 1] IS NOT DISTINCT FROM st[p + 1];
                IF is_excl = 1 THEN
                    IF NOT ex[p + 1] THEN
                        ex[p + 1] := true;
                        IF best_k = p AND t - best_start <= win THEN best_ex := true; END IF;
                    END IF;
                    CONTINUE;
                END IF;
                CONTINUE WHEN attr_step >= 0 AND p = attr_step
                    AND bd[x] IS DISTINCT FROM attr_value;
                IF multi THEN
                    used := false;
                    FOR k IN 1..n LOOP
                        IF used_ev[p * n + k] = x THEN used := true; END IF;
                    END LOOP;
                    CONTINUE WHEN used;
                END IF;
                IF NOT ex[p + 1] THEN
                    st[s + 1] := st[p + 1];
                    ex[s + 1] := false;
                    mk[s + 1] := mk[p + 1] | (1 << (s - 1));
                    FOR k IN 1..n LOOP
                        tm[s * n + k] := tm[p * n + k];
                        used_ev[s * n + k] := used_ev[p * n + k];
                    END LOOP;
                    tm[s * n + s] := t;
                    used_ev[s * n + s] := x;
                END IF;
                IF s > best_k OR (s = best_k AND best_ex) THEN
                    best_k := s;
                    best_start := st[p + 1];
                    best_ex := ex[p + 1];
                    best_mk := mk[p + 1] | (1 << (s - 1));
                    best_tm := tm[p * n + 1:p * n + n];
                    best_tm[s] := t;
                END IF;
              END LOOP;
            END LOOP;
            IF strict AND NOT multi THEN
                FOR k IN 1..n LOOP
                    IF (sx >> (k - 1)) & 1 = 0 THEN
                        st[k + 1] := NULL; ex[k + 1] := false; mk[k + 1] := 0;
                    END IF;
                END LOOP;
            END IF;
          END LOOP;
        END LOOP;
        EXIT WHEN st[n + 1] IS NOT NULL;
        i := j + 1;
    END LOOP;
    IF best_k = 0 OR best_ex THEN
        RETURN;
    END IF;
    mask := best_mk;
    times := best_tm;
END
$fn$;
"""

# Unordered: the most distinct steps covered inside one window of ``win`` seconds ending at a
# step event, each event covering the lowest uncovered step it matches (events in time order);
# an exclusion event drops every earlier event from later windows. Returns
# (mask: the first k steps, times: the covering events' timestamps in time order).
UNORDERED = r"""
CREATE OR REPLACE FUNCTION posthog_funnel_unordered(
    ev float8[], n int, win float8, OUT mask int, OUT times float8[]
) LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    len int := coalesce(array_length(ev, 1), 0);
    barrier float8 := '-infinity';
    l int := 1;
    r int;
    x int;
    b int;
    covered int;
    cnt int;
    best int := 0;
    cur float8[];
    best_tm float8[];
BEGIN
    FOR r IN 1..len LOOP
        IF ev[r][3] <> 0 THEN
            barrier := ev[r][1];
        END IF;
        CONTINUE WHEN ev[r][2] = 0;
        WHILE ev[l][1] < ev[r][1] - win OR ev[l][1] < barrier LOOP
            l := l + 1;
        END LOOP;
        covered := 0;
        cnt := 0;
        cur := array_fill(NULL::float8, ARRAY[n]);
        FOR x IN l..r LOOP
            b := ev[x][2]::int & ~covered;
            CONTINUE WHEN b = 0;
            b := b & -b;
            covered := covered | b;
            cnt := cnt + 1;
            cur[cnt] := ev[x][1];
        END LOOP;
        IF cnt > best THEN
            best := cnt;
            best_tm := cur;
            EXIT WHEN best = n;
        END IF;
    END LOOP;
    IF best = 0 THEN
        RETURN;
    END IF;
    mask := (1 << best) - 1;
    times := best_tm;
END
$fn$;
"""


# Trends (§3.6): ev rows are {epoch seconds, steps, exclusions, entrance period}; one entry per
# entrance period (the period of a step-0 event), restarted by each later step-0 event of the
# same period until it converts; later step events advance every open entry within the window.
# Rows (period, 1) for entries that reached all n steps, (period, -1) for entries that reached
# from_step but not n (none of those when an excluded path went on to a further step).
TRENDS = r"""
CREATE OR REPLACE FUNCTION posthog_funnel_trends(
    ev float8[], n int, from_step int, win float8, strict boolean
) RETURNS TABLE (period float8, success int)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    len int := coalesce(array_length(ev, 1), 0);
    periods float8[] := '{}';
    -- per entry q: slot k (0..n) at (q - 1) * (n + 1) + k + 1; k = 0 is unused
    st float8[] := '{}';
    ex boolean[] := '{}';
    max_step int[] := '{}';
    max_ts float8[] := '{}';
    max_excl int[] := '{}';  -- 0 not excluded, 1 partly (no later step), 2 fully
    won boolean[] := '{}';
    x int;
    q int;
    s int;
    k int;
    base int;
    t float8;
    sx int;
    xx int;
    code int;
    per float8;
    in_win boolean;
    prev_ex boolean;
    full_excl boolean := false;
BEGIN
    FOR x IN 1..len LOOP
        t := ev[x][1];
        sx := ev[x][2]::int;
        xx := ev[x][3]::int;
        per := ev[x][4];
        FOR is_excl IN REVERSE 1..0 LOOP
          code := CASE WHEN is_excl = 1 THEN xx ELSE sx END;
          CONTINUE WHEN code = 0;
          FOR s IN REVERSE n..1 LOOP
            CONTINUE WHEN (code >> (s - 1)) & 1 = 0;
            IF s = 1 AND is_excl = 0 THEN
                q := array_position(periods, per);
                CONTINUE WHEN q IS NOT NULL AND won[q];
                IF q IS NULL OR (max_step[q] = 1 AND max_excl[q] <> 0) THEN
                    IF q IS NULL THEN
                        q := coalesce(array_length(periods, 1), 0) + 1;
                        periods[q] := per;
                        won[q] := false;
                    END IF;
                    base := (q - 1) * (n + 1);
                    FOR k IN 1..n LOOP
                        st[base + k + 1] := NULL; ex[base + k + 1] := false;
                    END LOOP;
                    st[base + 2] := t;
                    max_step[q] := 1; max_ts[q] := t; max_excl[q] := 0;
                ELSE
                    base := (q - 1) * (n + 1);
                    st[base + 2] := t; ex[base + 2] := false;
                END IF;
                CONTINUE;
            END IF;
            CONTINUE WHEN s = 1;
            FOR q IN 1..coalesce(array_length(periods, 1), 0) LOOP
                CONTINUE WHEN won[q];
                base := (q - 1) * (n + 1);
                in_win := st[base + s] IS NOT NULL AND t - st[base + s] <= win;
                CONTINUE WHEN NOT in_win OR st[base + s + 1] IS NOT DISTINCT FROM st[base + s];
                prev_ex := ex[base + s];
                IF is_excl = 1 THEN
                    IF NOT prev_ex THEN
                        ex[base + s] := true;
                        IF max_step[q] = s - 1 AND t - max_ts[q] <= win THEN
                            max_excl[q] := 1;
                        END IF;
                    END IF;
                    CONTINUE;
                END IF;
                IF NOT prev_ex THEN
                    st[base + s + 1] := st[base + s]; ex[base + s + 1] := false;
                END IF;
                IF st[base + n + 1] IS NOT NULL THEN
                    won[q] := true;
                ELSIF s > max_step[q] OR (s = max_step[q] AND max_excl[q] = 1) THEN
                    max_step[q] := s; max_ts[q] := t;
                    max_excl[q] := CASE WHEN prev_ex THEN 2 ELSE 0 END;
                END IF;
            END LOOP;
          END LOOP;
        END LOOP;
        IF strict THEN
            FOR q IN 1..coalesce(array_length(periods, 1), 0) LOOP
                CONTINUE WHEN won[q];
                base := (q - 1) * (n + 1);
                FOR k IN 1..n LOOP
                    IF (sx >> (k - 1)) & 1 = 0 THEN
                        st[base + k + 1] := NULL; ex[base + k + 1] := false;
                    END IF;
                END LOOP;
            END LOOP;
        END IF;
    END LOOP;
    FOR q IN 1..coalesce(array_length(periods, 1), 0) LOOP
        IF max_excl[q] = 2 AND NOT won[q] THEN full_excl := true; END IF;
    END LOOP;
    FOR q IN 1..coalesce(array_length(periods, 1), 0) LOOP
        IF won[q] THEN
            period := periods[q]; success := 1; RETURN NEXT;
        ELSIF NOT full_excl AND max_step[q] >= from_step + 1 AND max_excl[q] <> 1 THEN
            period := periods[q]; success := -1; RETURN NEXT;
        END IF;
    END LOOP;
END
$fn$;
"""

class Migration(migrations.Migration):
    dependencies = [("insights", "0002_enable_pg_trgm")]

    operations = [
        migrations.RunSQL(ORDERED, "DROP FUNCTION IF EXISTS posthog_funnel_path"),
        migrations.RunSQL(UNORDERED, "DROP FUNCTION IF EXISTS posthog_funnel_unordered"),
        migrations.RunSQL(TRENDS, "DROP FUNCTION IF EXISTS posthog_funnel_trends"),
    ]
