"""When to send: quiet hours (免打扰时段), the daily digest hour, and retry backoff with jitter."""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def after_quiet_hours(now: datetime, start: time | None, end: time | None, tz: str) -> datetime:
    """``now`` if outside the recipient's quiet hours, else the local end of them (as UTC).

    Quiet hours may wrap midnight (22:00–07:00).
    """
    if start is None or end is None or start == end:
        return now
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    t, today = local.time(), local.date()
    if start < end:
        inside, end_day = start <= t < end, today
    else:
        inside = t >= start or t < end
        end_day = today if t < end else today + timedelta(days=1)
    if not inside:
        return now
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def local_day_start(now: datetime, tz: str) -> datetime:
    """Midnight of ``now``'s local day, as UTC."""
    zone = ZoneInfo(tz)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)


def next_digest_at(now: datetime, hour: int, tz: str) -> datetime:
    """Today's digest hour, or tomorrow's once it has passed."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(UTC)


def backoff(attempts: int, base_s: float, max_s: float, rng=random.random) -> timedelta:
    """Exponential backoff with equal jitter: half the window fixed, half random."""
    window = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=window / 2 + rng() * window / 2)
