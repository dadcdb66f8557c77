"""Who signs in to the demo county 清河区 (演示用户): each user's role, area, department and JWT subject.

One list for `backstop users`, the directory the seed loads into notifications and the console's demo
sign-in; the subject follows `auth.default_subject`, the rule `backstop token` mints with, so a token made
for a role and an area is the person the directory knows, and their inbox is theirs.
"""

from dataclasses import dataclass

from backstop_common.auth import Role, default_subject
from backstop_common.demo.county import CITY_CODE, CITY_NAME, COUNTY_CODE, PROVINCE_CODE, PROVINCE_NAME, areas

#: the county bureaus (行业部门) of the demo directory: ``department`` claim -> name
BUREAUS = {"poverty_office": "区乡村振兴局", "education": "区教育局", "health": "区卫生健康局",
           "health_insurance": "区医疗保障局", "housing": "区住房和城乡建设局", "civil_affairs": "区民政局",
           "human_resources": "区人力资源和社会保障局"}
#: the village of the demo's helper (帮扶责任人), 张相镇小房身村; the seed pairs them with a few households
HELPER_VILLAGE = "211204101200"


@dataclass(frozen=True)
class DemoUser:
    role: Role
    area_code: str
    label: str
    department: str | None = None

    @property
    def subject(self) -> str:
        return default_subject(self.role, self.area_code, self.department)

    @property
    def token_command(self) -> str:
        """What the README shows: `backstop token` mints exactly this user."""
        department = f" --department {self.department}" if self.department else ""
        return f"backstop token --role {self.role.value} --area {self.area_code}{department}"


def above_county() -> list[DemoUser]:
    """Who reads the county from above (a city's or a province's overview lists its counties): read-only
    auditors, the one role that holds an area wider than a county. They are not in the county's notification
    directory (``seed.directory``): no rule of the county reaches above it."""
    return [DemoUser(Role.AUDITOR, PROVINCE_CODE, f"{PROVINCE_NAME}审计厅"),
            DemoUser(Role.AUDITOR, CITY_CODE, f"{CITY_NAME}审计局")]


def demo_users() -> list[DemoUser]:
    """The city's and the province's auditors, the county office, the auditor, the 12317 desk, the bureaus,
    each township's staff, each village's cadre and one helper."""
    users = [*above_county(),
             DemoUser(Role.COUNTY_ADMIN, COUNTY_CODE, "区乡村振兴局 管理员"),
             DemoUser(Role.COUNTY_STAFF, COUNTY_CODE, "区乡村振兴局"),
             DemoUser(Role.AUDITOR, COUNTY_CODE, "区审计局"),
             DemoUser(Role.HOTLINE_OPERATOR, COUNTY_CODE, "12317 热线")]
    users += [DemoUser(Role.DEPARTMENT, COUNTY_CODE, name, unit) for unit, name in BUREAUS.items()]
    for area in areas():
        if area.level == "township":
            users.append(DemoUser(Role.TOWNSHIP_STAFF, area.code, f"{area.name} 扶贫办"))
        elif area.level == "village":
            users.append(DemoUser(Role.VILLAGE_CADRE, area.code, f"{area.name} 书记"))
            if area.code == HELPER_VILLAGE:
                users.append(DemoUser(Role.HELPER, area.code, f"{area.name} 帮扶责任人"))
    return users


def demo_user(role: Role | str, area_code: str, department: str | None = None) -> DemoUser:
    """The demo user with that role at that area (and department); KeyError if the demo has none."""
    for user in demo_users():
        if (user.role, user.area_code, user.department) == (Role(role), area_code, department):
            return user
    raise KeyError(f"no demo user {role} at {area_code}")
