"""Valid test data: resident ID numbers with correct check digits, households with a head."""

import random

from stdnum.cn import ric

from backstop_common.testing import bearer

_used: set[str] = set()


def id_number(born: str | None = None, county: str = "211204", sex: str = "male") -> str:
    """A fresh valid 18-character ID number (unique within a test session)."""
    while True:
        day = born or f"{random.randrange(1950, 2000)}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
        seq = random.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
        stem = f"{county}{day}{seq:03d}"
        if stem not in _used and not day.startswith("1951"):
            _used.add(stem)
            return stem + ric.calc_check_digit(stem + "0")


def member(relation: str = "户主", name: str = "张三", **kw) -> dict:
    return {"name": name, "id_number": kw.pop("id_number", None) or id_number(), "relation": relation, **kw}


def household(village: str, *members: dict, **kw) -> dict:
    return {"village_code": village, "poverty_status": "lifted", "year_lifted": 2019,
            "members": list(members) or [member()], **kw}


def auth(settings, role: str = "village_cadre", area: str = "211204001001", **kw) -> dict:
    return bearer(settings, role, area, **kw)
