"""`backstop backup` on a running county, `backstop restore` into a fresh stack, the outbox replayed:
every household, case and payment is there again, nothing twice.

The backup is taken while events are still on their way (right after loading the county), so what the
consumers had not applied yet comes back only through the replay, as it would after a real loss."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx

from backstop_common.demo.county import COUNTY_CODE
from backstop_common.devstack import SERVICES, RunningStack, free_port_offset, run_stack

from tests.test_operations import backstop

HOUSEHOLDS = 40
#: a project may be listed once its public notice has run (10 days, seed 001): the test moves funds' clock
NOTICE_PERIOD_S = 11 * 86400


def _page(client: httpx.Client, stack: RunningStack, service: str, path: str) -> dict:
    resp = client.get(f"{stack.url(service)}/api/v1/{path}", params={"limit": 500})
    assert resp.status_code == 200, resp.text
    return resp.json()


def totals(stack: RunningStack) -> dict:
    with httpx.Client(timeout=30, headers=stack.headers("county_admin", COUNTY_CODE)) as client:
        households = _page(client, stack, "registry", "households")
        cases = _page(client, stack, "monitoring", "cases")
        paid = _page(client, stack, "funds", "disbursements")
        return {"households": households["total"], "household_ids": {h["id"] for h in households["items"]},
                "cases": {(c["id"], c["household_id"], c["stage"]) for c in cases["items"]}, "case_count": cases["total"],
                "payments": sorted((p["id"], Decimal(p["amount"])) for p in paid["items"]),
                "allocations": _page(client, stack, "funds", "allocations")["total"],
                "recipients": _page(client, stack, "notifications", "recipients")["total"]}


def settled(stack: RunningStack, timeout: float = 120) -> dict:
    """The totals once two reads apart agree (every event delivered and applied)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        now = totals(stack)
        if now == last:
            return now
        last = now
        time.sleep(1.5)
    raise AssertionError("the stack did not settle")


def pay_one_project(stack: RunningStack) -> None:
    """Take a demo project through its notice period to 实施 and pay part of it: one disbursement."""
    funds = f"{stack.url('funds')}/api/v1"
    with httpx.Client(timeout=30, headers=stack.headers("county_admin", COUNTY_CODE)) as client:
        project = _page(client, stack, "funds", "projects")["items"][0]["id"]
        allocation = _page(client, stack, "funds", "allocations")["items"][0]["id"]

        def post(path: str, **kw) -> dict:
            resp = client.post(f"{funds}/{path}", **kw)
            assert resp.status_code in (200, 201), resp.text
            return resp.json()

        post(f"projects/{project}/appraise")
        post(f"projects/{project}/post-notice")
        client.post(f"{stack.url('funds')}/_ops/clock", params={"seconds": NOTICE_PERIOD_S})
        post(f"projects/{project}/list")
        post(f"projects/{project}/implement")
        post(f"projects/{project}/fundings", json={"allocation_id": allocation, "amount": "20000.00"})
        post("disbursements", json={"project_id": project, "allocation_id": allocation, "amount": "12345.67"})


def test_a_backup_restored_into_a_fresh_stack_holds_every_household_case_and_payment(tmp_path):
    backup_dir = tmp_path / "backup"
    for folder in ("county", "fresh"):
        (tmp_path / folder).mkdir()
    county_ports = free_port_offset()  # two stacks starting at once must not pick the same ports
    fresh_ports = free_port_offset(start=county_ports + 137)
    with ThreadPoolExecutor(1) as background:  # the empty stack starts while the county is loaded
        starting = background.submit(run_stack, tmp_path / "fresh", seed=False, offset=fresh_ports)
        county = run_stack(tmp_path / "county", seed=True, households=HOUSEHOLDS,
                           extra_env={"CLOCK_CONTROL_ENABLED": "true"}, offset=county_ports)
        fresh = starting.result()
    try:
        pay_one_project(county)
        taken = backstop("backup", str(backup_dir), BACKSTOP_DATA_DIR=str(county.data_dir))
        assert taken.returncode == 0, taken.stderr
        before = settled(county)
    except BaseException:
        fresh.stop()
        raise
    finally:
        county.stop()
    assert before["households"] == HOUSEHOLDS and before["case_count"] > 0 and before["payments"]
    assert {f"{s}.dump" for s in SERVICES} <= {p.name for p in backup_dir.iterdir()}

    try:
        assert totals(fresh)["households"] == 0
        restored = backstop("restore", str(backup_dir), BACKSTOP_DATA_DIR=str(fresh.data_dir))
        assert restored.returncode == 0, restored.stderr
        since = re.search(r"--since (\S+)", restored.stdout)[1]
        for service in SERVICES:
            replay = backstop("outbox", "replay", service, "--since", since, BACKSTOP_DATA_DIR=str(fresh.data_dir),
                              **{f"{service.upper()}_DATABASE_URL": fresh.database_url(service)})
            assert replay.returncode == 0, replay.stderr
        after = settled(fresh)
    finally:
        fresh.stop()
    assert after == before
