"""The kernel's clock without a server: tz-aware, forward only, the county's day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from backstop_common.clock import LOCAL, Clock


def test_now_is_timezone_aware_and_moves_only_forward():
    clock = Clock()
    before = clock.now()
    assert before.tzinfo is not None
    clock.advance(timedelta(days=16))
    assert clock.now() - before >= timedelta(days=16)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    assert clock.offset == timedelta(days=16)


def test_today_is_the_county_day_not_the_servers():
    clock = Clock()
    # move the clock to 2026-12-01 17:00 UTC: already 2 December in Beijing (UTC+8)
    clock.offset = datetime(2026, 12, 1, 17, tzinfo=UTC) - datetime.now(UTC)
    assert clock.today() == date(2026, 12, 2)
    assert clock.now().astimezone(LOCAL).date() == clock.today()


def test_a_clock_is_called_like_now():
    clock = Clock()
    clock.advance(timedelta(hours=1))
    assert abs(clock() - clock.now()) < timedelta(seconds=1)
