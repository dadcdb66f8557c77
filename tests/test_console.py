"""The console (工作台) in a real Chromium against the stack `make run` starts.

Each test signs in as the county's people would, through the demo sign-in page, and checks what the
page shows against what the services' APIs answer to that same person.
"""

import asyncio
import re

import httpx
import pytest

from tests.browser import Browser, start_chromium
from tests.support import member, new_household

COUNTY, TOWNSHIP = "211204000000", "211204101000"
VILLAGE, OTHER_VILLAGE = "211204101200", "211204101201"  # the demo cadre's village, and its neighbour
FIGURES = ("households", "cases", "monitored", "eliminated", "overdue")


@pytest.fixture(scope="module")
def browser(stack):
    driver, profile = start_chromium()
    yield Browser(driver, stack.url("console"))
    driver.quit()
    profile.cleanup()


def api(stack, role: str, area: str, service: str, path: str, **params):
    headers = stack.headers(role, area)
    resp = httpx.get(f"{stack.url(service)}/api/v1{path}", params=params, headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def households(demo_areas, stack):
    """Households of the cadre's village (one with a helper and a risk) and one of the next village."""

    async def load():
        async with httpx.AsyncClient(timeout=30) as client:
            own = await new_household(client, stack, VILLAGE, main_cause="illness", members=[
                member("户主", 55, phone="13912345678"), member("配偶", 53, female=True, health="chronic")],
                helpers=[{"name": "王帮扶", "unit": "区农业农村局", "phone": "13800001111",
                          "user_id": f"helper-0@{VILLAGE}"}])
            other = await new_household(client, stack, OTHER_VILLAGE)
            return own, other

    return asyncio.run(load())


def page_figures(browser: Browser) -> dict:
    totals = {f: int(browser.text(f'#totals [data-figure="{f}"]').replace(",", "")) for f in FIGURES}
    rows = {row.get_attribute("data-area"): {
        f: int(row.find_element("css selector", f'[data-figure="{f}"]').text.replace(",", "")) for f in FIGURES}
        for row in browser.all("#areas tr[data-area]")}
    return {"totals": totals, "rows": rows}


def api_figures(stats: dict) -> dict:
    return {"totals": {f: stats["totals"][f] for f in FIGURES},
            "rows": {t["area_code"]: {f: t[f] for f in FIGURES} for t in stats["townships"]}}


def test_the_county_admin_sees_the_same_figures_as_the_api(stack, households, browser):
    browser.sign_in("admin")
    for _ in range(5):  # figures move while events are still being applied: compare a quiet moment
        before = api_figures(api(stack, "county_admin", COUNTY, "monitoring", "/stats"))
        browser.open("/")
        browser.wait_for("#totals")
        shown = page_figures(browser)
        if before == api_figures(api(stack, "county_admin", COUNTY, "monitoring", "/stats")):
            break
    assert shown == before
    assert before["totals"]["households"] > 0 and set(shown["rows"]) >= {TOWNSHIP}
    assert browser.all('[data-chart] svg'), "ECharts drew no chart"
    assert browser.one(".demo-banner").text.startswith("演示环境")
    browser.screenshot("overview")
