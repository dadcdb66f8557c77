"""Working days (工作日) for the supervision clocks: weekends and China's national holidays skipped, the
swapped weekend workdays (调休) counted — from the ``holidays`` package, not a hand-kept list."""

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=1)
def _calendar() -> holidays.HolidayBase:
    return holidays.country_holidays("CN")


def add_working_days(moment: datetime, days: int) -> datetime:
    """The same local time on the ``days``-th working day after ``moment``'s local date."""
    local = moment.astimezone(LOCAL)
    day = _calendar().get_nth_working_day(local.date(), days) if days > 0 else local.date()
    return datetime.combine(day, local.timetz()).astimezone(moment.tzinfo)


def seconds_to_local_midnight(moment: datetime) -> int:
    """Until the local day ends (a daily limit's Retry-After)."""
    local = moment.astimezone(LOCAL)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), LOCAL)
    return max(1, int((midnight - local).total_seconds()))


def local_day_start(moment: datetime) -> datetime:
    local = moment.astimezone(LOCAL)
    return datetime.combine(local.date(), datetime.min.time(), LOCAL)
