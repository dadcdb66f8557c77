"""How values read on a Chinese page: 2026年12月1日, ¥1,234.50, masked names (张*三)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

#: the county's clock: every date a user reads is a Beijing-time date
LOCAL = ZoneInfo("Asia/Shanghai")


def as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    return value


def date_cn(value) -> str:
    day = as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def datetime_cn(value) -> str:
    if value in (None, ""):
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo:
        moment = moment.astimezone(LOCAL)
    return f"{date_cn(moment)} {moment:%H:%M}"


def money(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def percent(value, places: int = 1) -> str:
    if value in (None, ""):
        return "—"
    return f"{Decimal(str(value)):.{places}f}%"


def mask_name(name: str | None) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*: the notice names a household without naming the person in full."""
    if not name:
        return "—"
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def days_left(value, today: date) -> int | None:
    day = as_date(value)
    return (day - today).days if day else None
