"""A village cadre's phone syncs its offline lists (issue 14) on the stack `make run` starts: after a household
moves out, a case opens and a message arrives, the next sync of each list returns exactly that."""

import httpx

from backstop_common.auth import default_subject
from backstop_common.testing import eventually
from tests.support import admin, load_directory, new_household

VILLAGE, NEXT_VILLAGE = "211204201211", "211204201210"
LISTS = {"households": "registry", "cases": "monitoring", "inbox": "notifications"}


class Phone:
    """The cadre's phone: one cursor per list, as the app keeps them."""

    def __init__(self, stack, client: httpx.AsyncClient):
        self.stack, self.client, self.cursors = stack, client, {}
        self.headers = stack.headers("village_cadre", VILLAGE, subject=default_subject("village_cadre", VILLAGE))

    async def sync(self, name: str) -> tuple[list, list]:
        items, removed, more = [], [], True
        while more:
            params = {"changed_since": self.cursors[name]} if name in self.cursors else {}
            resp = await self.client.get(f"{self.stack.url(LISTS[name])}/api/v1/sync/{name}", params=params,
                                         headers=self.headers)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            items, removed, more = items + body["items"], removed + body["removed"], body["more"]
            self.cursors[name] = body["next"]
        return items, removed

    async def arrived(self, name: str, wanted) -> list:
        """Sync ``name`` again until what arrived since the last sync (no tombstones) satisfies ``wanted``."""
        got = []

        async def check():
            items, removed = await self.sync(name)
            assert removed == []
            got.extend(items)
            return wanted(got)

        assert await eventually(check, timeout=30), f"{name}: {got}"
        return got


async def test_the_next_sync_returns_the_move_the_new_case_and_the_message(demo_areas, stack):
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        phone = Phone(stack, client)
        staying, leaving = [await new_household(client, stack, VILLAGE, headers=phone.headers) for _ in range(2)]
        for name in LISTS:
            await phone.sync(name)

        moved = await client.patch(f"{stack.url('registry')}/api/v1/households/{leaving['id']}",
                                   json={"village_code": NEXT_VILLAGE},
                                   headers=admin(stack) | {"If-Match": str(leaving["version"])})
        assert moved.status_code == 200, moved.text

        async def signal():
            resp = await client.post(f"{stack.url('monitoring')}/api/v1/signals", headers=phone.headers, json={
                "household_id": staying["id"], "risk_type": "01", "source": "visit", "note": "入户走访发现"})
            assert resp.status_code in (201, 503), resp.text  # 503: monitoring has not heard of it yet
            return resp.status_code == 201
        assert await eventually(signal, timeout=30)

        cases = await phone.arrived("cases", bool)
        assert {c["household_id"] for c in cases} == {staying["id"]}
        case_id = cases[0]["id"]
        inbox = await phone.arrived("inbox", lambda got: any(m["event_subject"] == case_id for m in got))
        assert {m["event_subject"] for m in inbox} <= {case_id, staying["id"], leaving["id"]}

        households, removed = await phone.sync("households")
        assert [(r["id"], r["reason"]) for r in removed] == [(leaving["id"], "moved_out")]
        assert {h["id"] for h in households} <= {staying["id"]}  # at most the case's mark on it
