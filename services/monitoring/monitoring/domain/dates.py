"""Date arithmetic the policies need (months for the stable period, days for deadlines)."""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta


def add_months(moment: datetime, months: int) -> datetime:
    years, month0 = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month0 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def add_days(moment: datetime | None, days: int | None) -> datetime | None:
    if moment is None or days is None:
        return None
    return moment + timedelta(days=days)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None
