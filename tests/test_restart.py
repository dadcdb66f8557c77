"""`make run` stopped and started again on the same data folder: nothing added twice, nothing lost."""

from decimal import Decimal

import httpx

from backstop_common.demo.county import COUNTY_CODE
from backstop_common.devstack import RunningStack, run_stack

#: a small demo county: the stack's start dominates, not the county's size
HOUSEHOLDS = 40


def _totals(stack: RunningStack) -> dict:
    """What the county office sees of the demo county: households, money allocated, projects, directory."""
    admin = stack.headers("county_admin", COUNTY_CODE)
    with httpx.Client(timeout=30, headers=admin) as client:
        def page(service: str, path: str) -> dict:
            resp = client.get(f"{stack.url(service)}/api/v1/{path}", params={"limit": 500})
            assert resp.status_code == 200, resp.text
            return resp.json()

        allocations = page("funds", "allocations")
        return {"households": page("registry", "households")["total"],
                "allocations": allocations["total"],
                "allocated": sum(Decimal(a["amount"]) for a in allocations["items"]),
                "projects": page("funds", "projects")["total"],
                "recipients": page("notifications", "recipients")["total"]}


def test_seeding_an_existing_data_folder_again_adds_nothing(tmp_path):
    first = run_stack(tmp_path, seed=True, households=HOUSEHOLDS)
    try:
        before = _totals(first)
    finally:
        first.stop()
    assert before["households"] > 0 and before["allocations"] > 0 and before["projects"] > 0
    second = run_stack(tmp_path, seed=True, households=HOUSEHOLDS)
    try:
        assert _totals(second) == before
    finally:
        second.stop()
