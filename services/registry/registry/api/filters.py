"""The list's query parameters (docs/contract.md §6: ``area_code``, ``status``, ``q`` …) → a repository filter."""

import re
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Query

from backstop_common.auth import Principal, area_prefix
from backstop_common.clock import CurrentClock
from backstop_common.money import MONEY_MAX
from registry.domain.identity import InvalidIdNumber, normalize_id_number
from registry.vocab import Cause, MonitoringCategory, PovertyStatus
from registry.repository.filters import HouseholdFilter

#: ids one list call may name: a page of rows
MAX_IDS = 200
ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$")


class HouseholdQuery:
    def __init__(
        self,
        clock: CurrentClock,
        area_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
        status: PovertyStatus | None = None,
        monitoring_category: MonitoringCategory | None = None,
        risk_eliminated: Annotated[bool | None, Query(description="风险是否消除 (false: still at risk)")] = None,
        cause: Cause | None = None,
        tag: str | None = None,
        income_below: Annotated[Decimal | None, Query(ge=0, le=MONEY_MAX)] = None,
        housing_grade: Annotated[list[Literal["A", "B", "C", "D"]] | None, Query()] = None,
        unsafe_water: bool | None = None,
        dropout: bool | None = None,
        uninsured: bool | None = None,
        dibao: bool | None = None,
        tekun: bool | None = None,
        q: Annotated[str | None, Query(min_length=1, max_length=50,
                                       description="name, pinyin, pinyin initials, ID number or 户编号")] = None,
        id: Annotated[list[uuid.UUID] | None, Query(max_length=MAX_IDS,
                                                    description="these households only (a page's rows)")] = None,
    ):
        self.values = dict(status=status, monitoring_category=monitoring_category, risk_eliminated=risk_eliminated,
                           cause=cause, tag=tag,
                           income_below=income_below, housing_grades=housing_grade, unsafe_water=unsafe_water,
                           dropout=dropout, uninsured=uninsured, dibao=dibao, tekun=tekun, ids=id or None)
        self.area_code, self.q = area_code, q
        self.today = clock.today()  # an ID number searched for is read as registration reads it

    def to_filter(self, principal: Principal) -> HouseholdFilter:
        f = HouseholdFilter(scope=principal.scope, **self.values)
        if self.area_code:
            principal.ensure_covers(self.area_code, "area")
            f.area_prefix = area_prefix(self.area_code)
        q = (self.q or "").strip().replace(" ", "")
        if ID_LIKE.match(q):
            try:
                f.id_number = normalize_id_number(q, self.today)
            except InvalidIdNumber:
                f.id_number = q.upper()
        elif q.isdigit():
            f.household_number = q
        elif q.isascii() and q.isalpha():
            f.pinyin = q.lower()
        elif q:
            f.name = q
        return f

