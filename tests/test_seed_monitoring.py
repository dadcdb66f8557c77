"""The county plans' monitoring rules across the running stack (issue 16): what the registry files
reaches monitoring, and what monitoring decides reaches the office that acts on it."""

import httpx

from backstop_common.testing import eventually
from tests.support import admin, load_directory, member, new_household

VILLAGE = "211204101207"        # 张相镇, 清河区


async def _inbox_has(client, stack, headers, event_type: str, subject: str) -> bool:
    resp = await client.get(f"{stack.url('notifications')}/api/v1/inbox", params={"limit": 200}, headers=headers)
    return any(m["event_type"] == event_type and m["event_subject"] == subject for m in resp.json()["items"])


async def test_a_household_under_the_dibao_line_reaches_civil_affairs(demo_areas, stack):
    """Seed 000: 对于今年收入难以达到4400元的贫困户全部纳入低保范围 — the 2020 line of 清河区."""
    county = admin(stack)
    civil_affairs = stack.headers("department", "211204000000", department="civil_affairs")
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        household = await new_household(client, stack, VILLAGE, dibao=False,
                                        members=[member("户主", 55), member("配偶", 53, female=True)])
        resp = await client.post(f"{stack.url('registry')}/api/v1/households/{household['id']}/income-assessments",
                                 headers=county, json={"year": 2020, "wage": "7000", "business": "0",
                                                       "business_costs": "0", "property": "0", "transfer": "1200"})
        assert resp.status_code == 201, resp.text  # 4,100 a person
        assert await eventually(lambda: _inbox_has(client, stack, civil_affairs, "dibao.recommended",
                                                   household["id"]), timeout=40)
