"""The demo county's users (issue 12, item 5): a token made as the README shows is the person the directory
knows, so a village cadre's token reads a message sent to that cadre; `backstop users` and the README list
everyone the directory holds."""

import asyncio
import re
import shlex
from pathlib import Path

import httpx
from typer.testing import CliRunner

from backstop_common.auth import Role, area_level
from backstop_common.cli import app
from backstop_common.demo.users import demo_users
from backstop_common.seed import directory
from backstop_common.testing import eventually
from tests.support import admin, member, new_household

README = (Path(__file__).parents[1] / "README.md").read_text()
LOW_INCOME = {"year": 2026, "wage": "1000", "business": "0", "business_costs": "0", "property": "0",
              "transfer": "500"}


def _backstop(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _readme_cadre_command() -> list[str]:
    """The village cadre's token command exactly as the README prints it (without the venv path)."""
    line = re.search(r"backstop token --role village_cadre --area \d{12}[^)\n]*", README).group(0)
    return shlex.split(line)[1:]


def test_backstop_users_and_the_readme_list_everyone_in_the_directory():
    listed = _backstop("users")
    people = {p["user_id"] for p in directory() if p["kind"] == "person"}
    units = {p["unit"] for p in directory() if p["kind"] == "unit"}
    users = demo_users()
    assert people | units <= {u.subject for u in users} | {u.department for u in users}
    for user in users:
        assert user.subject in listed and user.token_command in listed
        shown = user.area_code if user.role == Role.VILLAGE_CADRE else f"`{user.token_command}`"
        assert shown in README, f"the README does not list {user.subject}"
    assert {r.role for r in users} >= {Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.HELPER,
                                       Role.DEPARTMENT, Role.AUDITOR}


def test_the_county_is_read_from_the_city_and_the_province_too():
    """Someone signs in at each level above a village (a city's or a province's overview lists its counties);
    the directory holds only the county's people, which the county's admin loads."""
    users = demo_users()
    assert {area_level(u.area_code) for u in users} == {"province", "city", "county", "township", "village"}
    above = {u.subject for u in users if area_level(u.area_code) in ("province", "city")}
    assert above and not above & {p.get("user_id") for p in directory()}


async def test_a_cadre_token_made_as_the_readme_shows_reads_the_cadres_inbox(demo_areas, stack):
    args = _readme_cadre_command()
    village = args[args.index("--area") + 1]
    token = _backstop(*args).strip()
    cadre = {"Authorization": f"Bearer {token}"}
    await asyncio.to_thread(stack.wait_until_digested)  # an earlier test's bulk load still being applied
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.post(f"{stack.url('notifications')}/api/v1/recipients/bulk", headers=admin(stack),
                                 json={"items": directory()})
        assert resp.status_code == 200, resp.text
        household = await new_household(client, stack, village, members=[member("户主", 61), member("配偶", 59, True)])
        resp = await client.post(f"{stack.url('registry')}/api/v1/households/{household['id']}/income-assessments",
                                 headers=admin(stack), json=LOW_INCOME)
        assert resp.status_code == 201, resp.text

        async def heard():
            cases = (await client.get(f"{stack.url('monitoring')}/api/v1/cases", headers=admin(stack),
                                      params={"household_id": household["id"]})).json()["items"]
            about = {household["id"]} | {c["id"] for c in cases}  # a case's events carry the case's id
            inbox = await client.get(f"{stack.url('notifications')}/api/v1/inbox", headers=cadre,
                                     params={"limit": 200})
            assert inbox.status_code == 200, inbox.text
            return [m for m in inbox.json()["items"] if m["event_subject"] in about]

        assert await eventually(heard, timeout=60), "the README's cadre token shows no message about the household"
