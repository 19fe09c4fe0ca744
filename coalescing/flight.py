"""A Redis single-flight: one process computes, the others wait for its answer.

Plain Python on redis-py (no Django), so it can be reasoned about and tested on its own::

    flight = Flight(client, prefix="myapp:", key=digest, timing=FlightTiming())
    role = flight.join()
    if role is Role.LEADER:
        with flight.heartbeat():
            payload = compute()
        flight.finish(payload)          # or flight.fail() when the answer must not be shared
    else:
        outcome = flight.wait()         # DONE (outcome.payload), ERROR, TIMEOUT or LEAD

Redis keys, all under ``<prefix>qc:``: ``lock:<key>`` holds the leader's random token with a TTL
that a heartbeat thread keeps extending; ``done:<key>`` holds the shared payload; ``err:<key>``
says "do not share, run on your own"; channel ``ch:<key>`` wakes followers early.

Failure handling, in the order a reader will worry about it:

1. Every write that matters (extend, finish, fail, release) is a Lua script that first compares
   the token, so a leader that lost its lock can never overwrite or free its successor's.
2. ``finish``/``fail`` store the outcome and free the lock in the same script, so a follower sees
   either a live lock or an outcome, never a gap in between.
3. A leader that dies stops heart-beating; its lock expires after ``lock_ttl``. The first follower
   to notice wins ``SET NX`` in the takeover script and becomes the new leader (``Role.LEADER``
   from ``wait``); every other follower keeps waiting on the same key. No stampede.
4. A follower that waits past ``max_wait`` gets ``Outcome.TIMEOUT`` (the caller answers a
   retryable 503) instead of hanging or piling onto the database.
5. Any ``redis.RedisError`` propagates: the caller fails open and runs the work itself.
6. A finished answer stays in ``done:<key>`` for ``result_ttl``; an identical request that joins
   meanwhile with ``reuse_finished`` follows and reads it at once (it queued behind busy server threads while the
   leader ran). After that the next joiner leads a new round.
7. Redis stalls: the lock-taking and lock-extending scripts refuse to run after their caller's
   deadline (``_LATE``), so a command stuck in a stalled server takes no lock when it finally
   runs; a lock whose release failed is released by the next ``join`` in this process.
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import redis

from posthog_api.heartbeat import beating

# Each lock-taking or lock-extending script first compares Redis's clock with ARGV[n], the moment
# the caller stops waiting for the answer (its socket timeout). A command that sat in a stalled
# server's socket buffer and runs after its caller gave up (and went on without coalescing) is
# then a no-op, instead of a lock nobody holds that blocks identical requests for a lock TTL.
_LATE = """
local now = redis.call('time')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[{arg}]) then
  return {late}
end
"""

# KEYS: lock, done, err. ARGV: token, ttl_ms, valid_until_ms, reuse_finished. Returns 1 (lead),
# 0 (follow) or, when reuse_finished is '1', the finished answer itself: one still within its
# grace (``result_ttl``) is reused at once. These are requests
# that arrived while the leader ran but waited in the server's queue for a free thread (see README
# "Coalescing: late followers"). Otherwise taking the lock clears the previous round's outcome, so a
# request that may not reuse it never sees an old answer.
_ACQUIRE = (
    _LATE.format(arg=3, late=-1)
    + """
if ARGV[4] == '1' then
  local done = redis.call('get', KEYS[2])
  if done then return done end
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('del', KEYS[2], KEYS[3])
  return 1
end
return 0
"""
)

# KEYS: lock, done, err. ARGV: token, ttl_ms, valid_until_ms. A follower's check-and-take in one
# step: an outcome that landed wins over taking the lock, and only one follower can take a free
# lock.
_TAKEOVER = (
    _LATE.format(arg=3, late="'late'")
    + """
if redis.call('exists', KEYS[2]) == 1 then return 'done' end
if redis.call('exists', KEYS[3]) == 1 then return 'error' end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'lead' end
return 'wait'
"""
)

# KEYS: lock. ARGV: token, ttl_ms, valid_until_ms.
_EXTEND = (
    _LATE.format(arg=3, late=-1)
    + """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
)

# KEYS: lock, outcome key, channel. ARGV: token, value, ttl_ms, message.
_PUBLISH_AND_RELEASE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('del', KEYS[1])
redis.call('publish', KEYS[3], ARGV[4])
return 1
"""

# KEYS: lock. ARGV: token.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LateCommand(redis.RedisError):
    """Redis ran a lock command after its caller's deadline while the caller was still waiting:
    the two clocks disagree by more than the socket timeout. Treated like any Redis error."""


# Locks whose release or publication failed (Redis stalled or unreachable): released by the next
# ``join`` in this process once Redis answers again, so they do not outlive the outage by a TTL.
_orphans: deque[tuple[redis.Redis, str, str]] = deque(maxlen=1000)
_orphans_lock = threading.Lock()


def release_orphans(client: redis.Redis) -> None:
    """Release (compare-token) the orphaned locks of ``client``; stop at the first Redis error."""
    while _orphans:  # empty (no lock, no scan) unless Redis failed a release
        with _orphans_lock:
            index = next((i for i, o in enumerate(_orphans) if o[0] is client), None)
            if index is None:
                return
            _, lock_key, token = _orphans[index]
            del _orphans[index]
        try:
            client.eval(_RELEASE, 1, lock_key, token)
        except redis.RedisError:
            with _orphans_lock:
                _orphans.append((client, lock_key, token))
            raise


def _valid_until_ms(client: redis.Redis) -> int:
    """When ``client`` stops waiting for a command sent now (milliseconds since the epoch)."""
    timeout = client.connection_pool.connection_kwargs.get("socket_timeout")
    patience = float(timeout) if timeout is not None else 365 * 24 * 3600.0
    return int((time.time() + patience) * 1000)


class Role(enum.Enum):
    LEADER = "leader"
    FOLLOWER = "follower"


class Outcome(enum.Enum):
    DONE = "done"  # the leader shared its payload
    ERROR = "error"  # the leader's answer must not be shared: run on your own
    TIMEOUT = "timeout"  # waited max_wait without an outcome
    LEAD = "lead"  # the leader died and this follower took over


@dataclass(frozen=True)
class FlightTiming:
    """Seconds. The lock outlives three missed heartbeats before a follower may take over."""

    heartbeat: float = 5.0
    max_wait: float = 60.0
    result_ttl: float = 10.0
    poll: float = 0.2

    @property
    def lock_ttl_ms(self) -> int:
        return int(self.heartbeat * 3 * 1000)


@dataclass(frozen=True)
class WaitResult:
    outcome: Outcome
    payload: bytes | None = None


class Flight:
    """One key's single-flight. A fresh instance per request; not shared between threads."""

    def __init__(self, client: redis.Redis, *, prefix: str, key: str, timing: FlightTiming) -> None:
        self.client = client
        self.timing = timing
        base = f"{prefix}qc:"
        self.lock_key = f"{base}lock:{key}"
        self.done_key = f"{base}done:{key}"
        self.err_key = f"{base}err:{key}"
        self.channel = f"{base}ch:{key}"
        self.token = secrets.token_hex(16)
        self.lost_lock = False
        # The answer a leader already finished, found by ``join`` (a late follower's whole wait).
        self.finished: bytes | None = None

    # --- leader side ----------------------------------------------------------------------------

    def join(self, *, reuse_finished: bool = False) -> Role:
        """Take the lock if it is free (LEADER), else follow whoever holds it (or reuse the
        answer it finished within ``result_ttl``)."""
        release_orphans(self.client)
        acquired = self.client.eval(
            _ACQUIRE,
            3,
            self.lock_key,
            self.done_key,
            self.err_key,
            self.token,
            self.timing.lock_ttl_ms,
            _valid_until_ms(self.client),
            "1" if reuse_finished else "0",
        )
        if isinstance(acquired, bytes):
            self.finished = acquired
            return Role.FOLLOWER
        if acquired == -1:
            raise LateCommand("Redis ran the lock command after its deadline (clock skew?)")
        return Role.LEADER if acquired == 1 else Role.FOLLOWER

    def heartbeat(self) -> AbstractContextManager[None]:
        """Keep the lock alive while the body runs; a dead process stops extending it."""
        return beating(self._beat, interval=self.timing.heartbeat, name="qc-heartbeat")

    def _beat(self) -> bool:
        try:
            extended = self.client.eval(
                _EXTEND,
                1,
                self.lock_key,
                self.token,
                self.timing.lock_ttl_ms,
                _valid_until_ms(self.client),
            )
        except redis.RedisError:
            return True  # a transient Redis error: the next beat retries before the lock expires
        if extended in (1, -1):
            return True  # -1: ran too late to count (clock skew): the next beat tries again
        # Someone took over (we stalled past the TTL); our answer will not be published.
        self.lost_lock = True
        return False

    def finish(self, payload: bytes) -> bool:
        """Share ``payload`` with the followers and free the lock. False if the lock was lost."""
        return self._publish_and_release(self.done_key, payload, Outcome.DONE)

    def fail(self) -> bool:
        """Tell the followers to run on their own and free the lock."""
        return self._publish_and_release(self.err_key, b"1", Outcome.ERROR)

    def release(self) -> bool:
        try:
            return self.client.eval(_RELEASE, 1, self.lock_key, self.token) == 1
        except redis.RedisError:
            self._orphan()
            raise

    def _orphan(self) -> None:
        with _orphans_lock:
            _orphans.append((self.client, self.lock_key, self.token))

    def _publish_and_release(self, outcome_key: str, value: bytes, outcome: Outcome) -> bool:
        ttl_ms = int(self.timing.result_ttl * 1000)
        try:
            published = self.client.eval(
                _PUBLISH_AND_RELEASE,
                3,
                self.lock_key,
                outcome_key,
                self.channel,
                self.token,
                value,
                ttl_ms,
                outcome.value,
            )
        except redis.RedisError:
            self._orphan()
            raise
        return published == 1

    # --- follower side --------------------------------------------------------------------------

    def wait(self) -> WaitResult:
        """Wait for the leader's outcome, taking over if the leader dies; bounded by max_wait."""
        if self.finished is not None:
            return WaitResult(Outcome.DONE, self.finished)
        deadline = time.monotonic() + self.timing.max_wait
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            # Subscribe before the first check: an outcome published in between is then either
            # visible in its key or delivered as a message, never missed.
            pubsub.subscribe(self.channel)
            while True:
                state = self.client.eval(
                    _TAKEOVER,
                    3,
                    self.lock_key,
                    self.done_key,
                    self.err_key,
                    self.token,
                    self.timing.lock_ttl_ms,
                    _valid_until_ms(self.client),
                )
                state = state.decode() if isinstance(state, bytes) else state
                if state == "late":
                    raise LateCommand("Redis ran the takeover after its deadline (clock skew?)")
                if state == "done":
                    payload = self.client.get(self.done_key)
                    if payload is not None:
                        return WaitResult(Outcome.DONE, _as_bytes(payload))
                    continue  # expired between the two reads: look again
                if state == "error":
                    return WaitResult(Outcome.ERROR)
                if state == "lead":
                    return WaitResult(Outcome.LEAD)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return WaitResult(Outcome.TIMEOUT)
                # Any message (or the poll interval passing) sends us round to look again.
                pubsub.get_message(timeout=min(self.timing.poll, remaining))
        finally:
            pubsub.close()


def _as_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
