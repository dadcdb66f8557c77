"""A hostile client against every service's OpenAPI: as a county admin, a village cadre and the public.

Runs last (file name) on the shared stack so its junk cannot disturb the scenario tests. Schemathesis'
own command line drives it (tests/fuzzing.py, docs/testing.md): coverage (boundary values), examples and
stateful links with real demo ids in ``make test``; ``make fuzz`` adds the fuzzing phase and goes 25
examples deep. A failure prints schemathesis' report: each case with a curl line that reproduces it.
"""

import pytest

from backstop_common.seed import seed_demo
from tests import fuzzing

#: 张相镇's first village: its cadre sees only it
VILLAGE = "211204101200"
ROLES = {"county_admin": fuzzing.COUNTY, "village_cadre": VILLAGE}


@pytest.fixture(scope="module")
def demo_county(stack, tmp_path_factory):
    """The demo county as `make run` loads it (a small one), plus the records the demo load leaves out."""
    urls = {"services": {s: {"url": stack.url(s)} for s in fuzzing.SERVICES}}
    seed_demo(urls, households=300)
    fuzzing.ensure_records(stack)
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("service", fuzzing.SERVICES)
def test_service_survives_fuzzing(stack, demo_county, service, role):
    code, report = fuzzing.run(stack, service, role, ROLES[role], demo_county)
    assert code == 0, report[-12000:]


@pytest.mark.slow
def test_public_routes_survive_fuzzing_without_a_token(stack, demo_county):
    """The routes open to the public (12317 reports, self-declarations) with no token at all."""
    code, report = fuzzing.run(stack, "monitoring", None, fuzzing.COUNTY, demo_county, only="^/api/v1/public/")
    assert code == 0, report[-12000:]
