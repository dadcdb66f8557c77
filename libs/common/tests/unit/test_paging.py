"""Paged lists without a server: {"items", "total"}, limit 1–500, offset ≥ 0."""

import httpx
from fastapi import FastAPI

from backstop_common.paging import Page, Paging

app = FastAPI()


@app.get("/things")
def things(paging: Paging) -> Page[int]:
    numbers = list(range(1000))
    return Page(items=numbers[paging.offset:paging.offset + paging.limit], total=len(numbers))


async def get(**params) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get("/things", params=params)


async def test_a_page_says_its_items_and_the_total():
    assert (await get()).json() == {"items": list(range(50)), "total": 1000}
    assert (await get(limit=3, offset=998)).json() == {"items": [998, 999], "total": 1000}


async def test_limits_outside_1_to_500_and_a_negative_offset_are_422():
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        assert (await get(**params)).status_code == 422, params
