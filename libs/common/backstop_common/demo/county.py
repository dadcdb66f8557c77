"""清河区 (Tieling, Liaoning): its townships and villages with 12-digit division codes."""

from dataclasses import dataclass

COUNTY_CODE = "211204000000"
COUNTY_NAME = "清河区"
#: the city and the province above it: the demo holds no other county, so theirs is 清河区 alone
CITY_CODE, CITY_NAME = "211200000000", "铁岭市"
PROVINCE_CODE, PROVINCE_NAME = "210000000000", "辽宁省"

#: (3-digit township code, name, number of villages) — 街道 0xx, 镇 1xx, 乡 2xx
TOWNSHIPS = [
    ("001", "红旗街道", 6),
    ("002", "向阳街道", 6),
    ("101", "张相镇", 12),
    ("102", "杨木林子镇", 10),
    ("201", "聂家满族乡", 12),
]
VILLAGE_STEMS = ["大房身", "小房身", "长岭", "东山", "西沟", "南甸", "北台", "马家", "王家堡", "李千户", "二道河",
                 "三家子", "平顶", "石门", "柳河", "杨树", "榆林", "高丽屯", "腰堡", "前进"]


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    parent_code: str | None
    level: str


def areas() -> list[Area]:
    result = [Area(COUNTY_CODE, COUNTY_NAME, None, "county")]
    for t_code, t_name, villages in TOWNSHIPS:
        township = f"211204{t_code}000"
        result.append(Area(township, t_name, COUNTY_CODE, "township"))
        street = t_name.endswith("街道")
        for i in range(villages):
            v_num = (i + 1) if street else 200 + i
            suffix = "社区" if street else "村"
            name = VILLAGE_STEMS[(int(t_code) + i) % len(VILLAGE_STEMS)] + suffix
            result.append(Area(f"211204{t_code}{v_num:03d}", name, township, "village"))
    return result


def villages() -> list[Area]:
    return [a for a in areas() if a.level == "village"]
