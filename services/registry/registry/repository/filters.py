"""What a township office filters the household list by, as SQL conditions with bound parameters.

The conditions hold ``bindparam``s, never values, so one shape of filter (which fields are set, the sort)
compiles to one statement that is reused with every set of values (repository/files.py caches it).
"""

import uuid
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import ARRAY, Boolean, Numeric, String, Uuid, and_, any_, bindparam, exists, or_

from registry.models import Household, Member

ESCAPE = "/"
#: flags whose ``false`` is a filter too (elsewhere ``false`` means "not filtered")
BOTH_WAYS = ("dibao", "tekun", "risk_eliminated")


@dataclass
class HouseholdFilter:
    """Every field optional but ``scope`` (the caller's area prefix)."""

    scope: str
    area_prefix: str | None = None
    status: str | None = None
    monitoring_category: str | None = None
    risk_eliminated: bool | None = None
    cause: str | None = None
    tag: str | None = None
    income_below: Decimal | None = None
    housing_grades: list[str] | None = None
    unsafe_water: bool | None = None
    dropout: bool | None = None
    uninsured: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    id_number: str | None = None
    name: str | None = None
    pinyin: str | None = None
    household_number: str | None = None
    #: a page's rows by id (the console shows a case queue's households in one call, not one per row)
    ids: list[uuid.UUID] | None = None

    def shape(self) -> tuple[str, ...]:
        """Which filters are set (with the one choice a value makes: a long pinyin also matches inside)."""
        set_ = tuple(f.name for f in fields(self) if getattr(self, f.name) not in (None, [])
                     and (getattr(self, f.name) is not False or f.name in BOTH_WAYS))
        long_pinyin = self.pinyin is not None and len(self.pinyin) >= 3
        return tuple("pinyin_inside" if name == "pinyin" and long_pinyin else name for name in set_)


def like_escaped(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def code_range(prefix: str) -> tuple[str, str]:
    """Division codes starting with ``prefix`` as [low, high): a range the btree index serves under any
    collation (LIKE would need C collation). Codes are digits; 'A' sorts after every digit string."""
    high = str(int(prefix) + 1).zfill(len(prefix)) if prefix.isdigit() else ""
    return prefix, high if len(high) == len(prefix) else "A"


def _current_member(*conditions):
    # correlated to the household only: the export joins members too, and auto-correlation would take
    # the subquery's own members table for the outer one (and leave it no FROM)
    return (exists().where(Member.household_id == Household.id, Member.removed_on.is_(None), *conditions)
            .correlate(Household))


def _like(column, name: str):
    return column.like(bindparam(name, type_=String), escape=ESCAPE)


def _pinyin_starts():
    return _like(Member.name_pinyin, "pinyin"), _like(Member.name_initials, "pinyin")


def _within(name: str):
    column = Household.village_code
    return and_(column >= bindparam(f"{name}_low", type_=String), column < bindparam(f"{name}_high", type_=String))


_TEXT = ARRAY(String)
#: one condition per filter field, each reading only its own parameters
CONDITIONS = {
    "scope": lambda: _within("scope"),
    "area_prefix": lambda: _within("area_prefix"),
    "status": lambda: Household.poverty_status == bindparam("status", type_=String),
    "monitoring_category": lambda: Household.monitoring_category == bindparam("monitoring_category", type_=String),
    "dibao": lambda: Household.dibao == bindparam("dibao", type_=Boolean),
    "tekun": lambda: Household.tekun == bindparam("tekun", type_=Boolean),
    "risk_eliminated": lambda: Household.risk_eliminated == bindparam("risk_eliminated", type_=Boolean),
    "household_number": lambda: Household.household_number == bindparam("household_number", type_=String),
    "ids": lambda: Household.id == any_(bindparam("ids", type_=ARRAY(Uuid))),
    "cause": lambda: or_(Household.main_cause == bindparam("cause", type_=String),
                         bindparam("cause", type_=String) == any_(Household.other_causes)),
    "tag": lambda: Household.tags.contains(bindparam("tag", type_=_TEXT)),
    "income_below": lambda: Household.per_capita_income < bindparam("income_below", type_=Numeric(14, 2)),
    "housing_grades": lambda: Household.housing_grade == any_(bindparam("housing_grades", type_=_TEXT)),
    "unsafe_water": lambda: Household.safe_water.is_(False),
    "dropout": lambda: _current_member(Member.schooling_status == "dropped_out"),
    "uninsured": lambda: _current_member(Member.medical_insurance.is_(False)),
    "id_number": lambda: _current_member(Member.id_number == bindparam("id_number", type_=String)),
    "name": lambda: _current_member(_like(Member.name, "name")),
    "pinyin": lambda: _current_member(or_(*_pinyin_starts())),
    "pinyin_inside": lambda: _current_member(or_(*_pinyin_starts(), _like(Member.name_pinyin, "pinyin_inside"))),
}


def conditions(shape: tuple[str, ...]) -> list:
    return [CONDITIONS[name]() for name in shape]


def parameters(f: HouseholdFilter) -> dict:
    """The values for ``conditions(f.shape())``."""
    p = dict(zip(("scope_low", "scope_high"), code_range(f.scope)))
    if f.area_prefix:
        p["area_prefix_low"], p["area_prefix_high"] = code_range(f.area_prefix)
    for name in ("status", "monitoring_category", "risk_eliminated", "dibao", "tekun", "household_number", "cause",
                 "income_below", "housing_grades", "id_number", "ids"):
        p[name] = getattr(f, name)
    p["tag"] = [f.tag] if f.tag else None
    p["name"] = f"%{like_escaped(f.name)}%" if f.name else None
    p["pinyin"] = f"{like_escaped(f.pinyin)}%" if f.pinyin else None
    p["pinyin_inside"] = f"%{like_escaped(f.pinyin)}%" if f.pinyin else None
    return p


SORTS = {"village_code": Household.village_code, "household_number": Household.household_number,
         "per_capita_income": Household.per_capita_income, "size": Household.size,
         "created_at": Household.created_at, "updated_at": Household.updated_at}
