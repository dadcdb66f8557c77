"""Load the demo county 清河区 into a running stack through the services' own HTTP APIs.

``backstop up`` calls it (unless ``--no-seed``); ``backstop seed --households N`` runs it against a
stack that is already up. Everything is generated from a seed, so two runs load the same county, and a
second run adds nothing: what is already there (households, an allocation's document number, a
project's name) is left as it is.
"""

import random
import time
from decimal import Decimal
from pathlib import Path

import httpx

from backstop_common.auth import Role, area_prefix, mint_token
from backstop_common.demo.county import COUNTY_CODE, areas, villages
from backstop_common.demo.households import household_csv
from backstop_common.demo.people import phone
from backstop_common.demo.users import HELPER_VILLAGE, DemoUser, demo_user, demo_users
from backstop_common.settings import ServiceSettings, one_machine_settings

SOURCES = [("central", 1_800_000), ("provincial", 900_000), ("municipal", 400_000), ("county", 600_000),
           ("linkage", 2_500_000), ("integrated_agricultural", 1_200_000), ("donation", 150_000)]
PURPOSE = "巩固拓展脱贫攻坚成果"
PROJECTS = [("张相镇肉牛养殖产业项目", "industry", "211204101000", 1_200_000),
            ("聂家满族乡扶贫车间", "employment_workshop", "211204201000", 600_000),
            ("杨木林子镇村路硬化", "road", "211204102000", 900_000),
            ("聂家满族乡安全饮水巩固提升", "water", "211204201000", 350_000),
            ("2026年危房改造", "housing_renovation", COUNTY_CODE, 500_000)]


def _admin(settings: ServiceSettings, area: str = COUNTY_CODE) -> dict[str, str]:
    token = mint_token(settings, role="county_admin", area=area, subject=f"seed@{area[:6]}")
    return {"Authorization": f"Bearer {token}"}


def _check(resp: httpx.Response) -> dict:
    if resp.status_code >= 300:
        raise RuntimeError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {resp.text[:500]}")
    return resp.json() if resp.content else {}


#: who hears outside the inbox too: the offices and the cadres by SMS (cadres not at night)
_BY_SMS = {Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE}
#: how many households of their village the demo helper is paired with
HELPER_HOUSEHOLDS = 5


def _recipient(user: DemoUser, rng: random.Random) -> dict:
    if user.role == Role.DEPARTMENT:  # a bureau's staff read their unit's inbox
        return {"kind": "unit", "unit": user.department, "area_code": user.area_code, "label": user.label}
    person = {"kind": "person", "user_id": user.subject, "role": user.role.value, "area_code": user.area_code,
              "label": user.label}
    if user.role in _BY_SMS:
        person |= {"phone": phone(rng), "channels": ["sms"]}
    if user.role == Role.VILLAGE_CADRE:
        person |= {"quiet_start": "22:00:00", "quiet_end": "07:00:00"}
    return person


def directory(seed: int = 2020) -> list[dict]:
    """The county's people and units, as notifications' recipients: every demo user (``demo.users``) but those
    above the county, whom the county's admin (who loads it) may not register and no county rule reaches."""
    rng = random.Random(seed)
    county = area_prefix(COUNTY_CODE)
    return [_recipient(user, rng) for user in demo_users() if user.area_code.startswith(county)]


def _pair_helper(client: httpx.Client, registry: str) -> int:
    """The demo helper is paired with the first households of their village (once: a pairing is kept)."""
    helper = demo_user(Role.HELPER, HELPER_VILLAGE)
    page = _check(client.get(f"{registry}/api/v1/households",
                             params={"area_code": HELPER_VILLAGE, "limit": HELPER_HOUSEHOLDS}))
    for item in page["items"]:
        url = f"{registry}/api/v1/households/{item['id']}"
        household = _check(client.get(url))
        if helper.subject not in {h["user_id"] for h in household["helpers"]}:
            _check(client.post(f"{url}/helpers", headers={"If-Match": str(household["version"])},
                               json={"name": "帮扶责任人", "unit": "区乡村振兴局", "user_id": helper.subject}))
    return len(page["items"])


def _existing(client: httpx.Client, url: str, key) -> set:
    """The keys of what a funds list already holds for the demo year (at most a page: the demo has few)."""
    page = _check(client.get(url, params={"year": 2026, "limit": 500}))
    return {key(item) for item in page["items"]}


def _allocate(client: httpx.Client, funds: str) -> int:
    """One allocation per source to the county for the year's purpose; a source already allocated is skipped."""
    url = f"{funds}/api/v1/allocations"
    held = _existing(client, url, lambda a: (a["source"], a["purpose"], a["area_code"]))
    wanted = [(source, amount, f"清财农〔2026〕{n}号") for n, (source, amount) in enumerate(SOURCES, start=1)]
    for source, amount, document_no in wanted:
        if (source, PURPOSE, COUNTY_CODE) not in held:
            _check(client.post(url, json={"source": source, "year": 2026, "purpose": PURPOSE,
                                          "amount": str(Decimal(amount)), "area_code": COUNTY_CODE,
                                          "document_no": document_no}))
    return len(wanted)


def _declare_projects(client: httpx.Client, funds: str) -> int:
    """The five projects, known by name and area; those already declared are skipped."""
    url = f"{funds}/api/v1/projects"
    held = _existing(client, url, lambda p: (p["name"], p["area_code"]))
    for name, kind, area, budget in PROJECTS:
        if (name, area) not in held:
            _check(client.post(url, json={"name": name, "project_type": kind, "area_code": area, "year": 2026,
                                          "budget": str(Decimal(budget)), "deadline": "2026-12-31"}))
    return len(PROJECTS)


def _import_households(client: httpx.Client, registry: str, households: int, seed: int) -> dict:
    """The county's households through the registry's import, unless the county already holds as many.

    (A bigger county asked of a seeded stack is imported: the rows already registered are refused by ID
    number, so nothing is registered twice.)"""
    held = _check(client.get(f"{registry}/api/v1/households", params={"area_code": COUNTY_CODE, "limit": 1}))
    if held["total"] >= households:
        return {"households_registered": held["total"], "members_registered": None, "rows_rejected": 0}
    return _check(client.post(f"{registry}/api/v1/imports/households", params={"filename": "qinghe-demo.csv"},
                              content=household_csv(households, seed), headers={"content-type": "text/csv"}))


def area_rows(csv_text: str | None = None) -> list[dict]:
    """Division codes to load: a CSV with ``code,name,parent_code`` columns, or the demo county's."""
    if csv_text is None:
        return [{"code": a.code, "name": a.name, "parent_code": a.parent_code} for a in areas()]
    import csv
    import io

    return [{"code": r["code"], "name": r["name"], "parent_code": r.get("parent_code") or None}
            for r in csv.DictReader(io.StringIO(csv_text))]


def load_areas(registry_url: str, rows: list[dict]) -> dict:
    """Create or update the areas through the registry's bulk endpoint (idempotent: keyed by code)."""
    root = next((r["code"] for r in rows if not r["parent_code"]), COUNTY_CODE)
    with httpx.Client(timeout=120, headers=_admin(one_machine_settings(), root)) as client:
        return _check(client.post(f"{registry_url}/api/v1/areas/bulk", json={"areas": rows}))


def seed_demo(stack: dict, data_dir: Path | None = None, households: int = 20_000, seed: int = 2020) -> dict:
    """Load areas, households, the directory and the county's money; returns what was loaded."""
    settings = one_machine_settings()
    headers = _admin(settings)
    urls = {name: svc["url"] for name, svc in stack["services"].items()}
    started = time.monotonic()
    with httpx.Client(timeout=600, headers=headers) as client:
        _check(client.post(f"{urls['registry']}/api/v1/areas/bulk", json={"areas": area_rows()}))
        report = _import_households(client, urls["registry"], households, seed)
        _check(client.post(f"{urls['notifications']}/api/v1/recipients/bulk", json={"items": directory(seed)}))
        paired = _pair_helper(client, urls["registry"])
        allocations = _allocate(client, urls["funds"])
        projects = _declare_projects(client, urls["funds"])
    loaded = {"villages": len(villages()), "households": report["households_registered"],
              "members": report["members_registered"], "rows_rejected": report["rows_rejected"],
              "allocations": allocations, "projects": projects, "helper_households": paired,
              "seconds": round(time.monotonic() - started, 1)}
    print(f"demo county 清河区 loaded: {loaded}")
    return loaded
