"""The OpenAPI documents as published are enough to build an app on (issue 14): a typed client is generated from
the running registry's and monitoring's ``/openapi.json`` (openapi-python-client, offline, no warnings) and the
county year's first steps go through it — a household registered by its village cadre, its income recorded,
the case it opens seen in monitoring and verified — every answer parsed into the documented models.
"""

import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from backstop_common.auth import default_subject
from backstop_common.testing import eventually
from tests.support import member

VILLAGE = "211204101204"  # its own: test_county_year counts 杨木林子镇 (211204102000) as its alone
#: what a client developer would map: workbooks and photos are bytes to a generated client
CONFIG = """post_hooks: []
project_name_override: {name}
package_name_override: {name}
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  image/jpeg: application/octet-stream
  image/png: application/octet-stream
  image/webp: application/octet-stream
"""


def generate(stack, service: str, into: Path) -> str:
    """The client package ``<service>_client`` generated from the running service's document; its name."""
    name = f"{service}_client"
    spec, config = into / f"{service}.json", into / f"{service}.yaml"
    spec.write_bytes(httpx.get(f"{stack.url(service)}/openapi.json", timeout=30).content)
    config.write_text(CONFIG.format(name=name))
    tool = Path(sys.executable).with_name("openapi-python-client")
    out = subprocess.run([str(tool), "generate", "--path", str(spec), "--config", str(config), "--meta", "none",
                          "--output-path", str(into / name)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Warning" not in out.stdout + out.stderr, out.stdout + out.stderr  # every part of the document understood
    return name


@pytest.fixture(scope="module")
def clients(demo_areas, stack, tmp_path_factory):
    """The generated packages, importable as ``registry_client`` and ``monitoring_client``."""
    into = tmp_path_factory.mktemp("clients")
    names = [generate(stack, service, into) for service in ("registry", "monitoring")]
    sys.path.insert(0, str(into))
    try:
        yield {name.removesuffix("_client"): importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(into))
        for module in [m for m in sys.modules if m.split(".")[0] in names]:
            del sys.modules[module]


def _api(package, path: str):
    return importlib.import_module(f"{package.__name__}.{path}")


async def test_the_county_years_first_steps_through_a_generated_client(clients, stack):
    registry, monitoring = clients["registry"], clients["monitoring"]
    token = stack.headers("village_cadre", VILLAGE, subject=default_subject("village_cadre", VILLAGE))
    token = token["Authorization"].removeprefix("Bearer ")
    reg = registry.AuthenticatedClient(base_url=stack.url("registry"), token=token, raise_on_unexpected_status=True)
    mon = monitoring.AuthenticatedClient(base_url=stack.url("monitoring"), token=token,
                                         raise_on_unexpected_status=True)
    models, m_models = _api(registry, "models"), _api(monitoring, "models")

    # 建档立卡: the household with its members, sent once more with the same key (a phone's retry)
    body = models.HouseholdCreate.from_dict({
        "village_code": VILLAGE, "poverty_status": "lifted", "year_lifted": 2019,
        "members": [member("户主", 48, labour_capacity="full"), member("配偶", 46, female=True)]})
    register = _api(registry, "api.households.households_register")
    key = str(uuid.uuid4())
    first = await register.asyncio_detailed(client=reg, body=body, idempotency_key=key)
    again = await register.asyncio_detailed(client=reg, body=body, idempotency_key=key)
    assert first.status_code == again.status_code == 201
    household = first.parsed
    assert isinstance(household, models.HouseholdFile) and again.parsed.id == household.id
    assert len(household.members) == 2

    # 收入评估: a healthy year, then one far below the line
    assess = _api(registry, "api.household_records.households_assess_income")
    for year, wage in ((2025, "42000"), (2026, "3000")):
        income = models.IncomeAssessmentCreate.from_dict({"year": year, "wage": wage, "business": "0",
                                                          "business_costs": "0", "property": "0", "transfer": "0"})
        recorded = await assess.asyncio(client=reg, household_id=household.id, body=income)
        assert isinstance(recorded, models.IncomeAssessmentRead) and recorded.year == year

    # the case it opens, seen in monitoring through its own typed list
    list_cases = _api(monitoring, "api.cases.cases_list")

    async def opened():
        page = await list_cases.asyncio(client=mon, household_id=household.id)
        return page.items[0] if page.items else None

    case = await eventually(opened, timeout=60)
    assert case is not None, "the income drop opened no case"
    assert isinstance(case, m_models.CaseRead) and case.stage == "opened"

    # 入户核实: verified against the version read, the action one of the documented enum
    detail = await _api(monitoring, "api.cases.cases_read").asyncio(client=mon, case_id=case.id)
    assert isinstance(detail, m_models.CaseDetail) and "verify" in detail.actions
    verified = await _api(monitoring, "api.cases.cases_action").asyncio_detailed(
        client=mon, case_id=case.id, action=m_models.CaseAction.VERIFY,
        body=m_models.ActionBody.from_dict({"note": "入户核实，农户签字授权"}), if_match=str(detail.version))
    assert verified.status_code == 200 and verified.parsed.stage == "verified"

    # an error is the documented problem, in Chinese: a second verify conflicts with the stage
    again = await _api(monitoring, "api.cases.cases_action").asyncio_detailed(
        client=mon, case_id=case.id, action=m_models.CaseAction.VERIFY,
        body=m_models.ActionBody.from_dict({"note": "再次核实"}), if_match=str(verified.parsed.version))
    assert again.status_code == 409 and isinstance(again.parsed, m_models.Problem)
    assert again.parsed.status == 409 and any("\u4e00" <= ch <= "\u9fff" for ch in again.parsed.title)
