"""The console (工作台) in a real Chromium against the stack `make run` starts.

Each test signs in as the county's people would, through the demo sign-in page, and checks what the
page shows against what the services' APIs answer to that same person.
"""

import asyncio
import base64
import io
import json
import re
import time
import unicodedata
from datetime import datetime

import httpx
import itsdangerous
import pytest
from pypdf import PdfReader

from selenium.webdriver.common.by import By

from backstop_common.demo.users import demo_user
from backstop_common.testing import eventually
from tests.browser import Browser, start_chromium
from tests.support import member, new_household

CITY, COUNTY, TOWNSHIP = "211200000000", "211204000000", "211204101000"
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
                          "user_id": demo_user("helper", VILLAGE).subject}])
            other = await new_household(client, stack, OTHER_VILLAGE)
            return own, other

    return asyncio.run(load())


def open_case(stack, household_id: str) -> dict:
    """A cadre's visit finds an illness (干部排查): monitoring opens a case once it knows the household."""
    cadre = stack.headers("village_cadre", VILLAGE)

    async def signal():
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.post(f"{stack.url('monitoring')}/api/v1/signals", headers=cadre, json={
                "household_id": household_id, "risk_type": "01", "source": "visit", "reference": "console-visit-1",
                "note": "户主患病住院"})
            return resp.json() if resp.status_code in (200, 201) else None

    assert asyncio.run(eventually(signal, timeout=30)), "monitoring never learnt of the household"
    page = api(stack, "county_admin", COUNTY, "monitoring", "/cases", household_id=household_id)
    assert page["total"] == 1
    return page["items"][0]


def act(browser: Browser, action: str, note: str | None = None) -> None:
    form = browser.one(f'form[data-action="{action}"]')
    if note is not None:
        form.find_element(By.NAME, "note").send_keys(note)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_until_gone(form)  # the answer is a new page, not the one still showing
    browser.wait_for("#stage")


def advance_monitoring_clock(stack, days: float) -> None:
    resp = httpx.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": days * 86400}, timeout=10)
    assert resp.status_code == 200, resp.text


def monitoring_now(stack) -> float:
    """Monitoring's now (epoch seconds), read by moving its clock by nothing."""
    resp = httpx.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": 0}, timeout=10)
    assert resp.status_code == 200, resp.text
    return datetime.fromisoformat(resp.json()["now"]).timestamp()


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
    assert browser.text("#area-name") == "清河区"  # the heading says whose overview it is
    browser.screenshot("overview")


def county_row(browser: Browser, path: str):
    """The overview's row of the demo county (a province's or a city's rows are its counties), once monitoring
    counts the county's households."""
    for _ in range(30):
        browser.open(path)
        browser.wait_for("#areas")
        if rows := browser.all(f'#areas tr[data-area="{COUNTY}"]'):
            return rows[0]
        time.sleep(1)
    raise AssertionError(f"{path} never listed the county")


def drill(browser: Browser, link, to: str) -> None:
    link.click()
    browser.wait_until_gone(link)
    browser.wait_for("#areas")
    assert browser.path == to


def test_the_province_and_the_city_see_their_county_by_name_and_drill_down_to_it(stack, households, browser):
    browser.sign_in("province")
    row = county_row(browser, "/")
    assert row.find_element(By.CSS_SELECTOR, "th a").text == "清河区"
    assert int(row.find_element(By.CSS_SELECTOR, '[data-figure="households"]').text.replace(",", "")) > 0
    assert "未命名地区" not in browser.text("#areas")
    assert browser.text("#area-name") == "全省"
    drill(browser, row.find_element(By.CSS_SELECTOR, "th a"), f"/?area={COUNTY}")  # the county's own overview
    assert browser.text(f'#areas tr[data-area="{TOWNSHIP}"] th') == "张相镇"
    assert browser.text("#area-name") == "清河区"
    assert "未命名地区" not in browser.text("#areas")
    drill(browser, browser.one("h1 a"), f"/?area={CITY}")  # 返回上级: the city between them
    assert county_row(browser, browser.path).find_element(By.CSS_SELECTOR, "th").text == "清河区"
    assert browser.text("#area-name") == "全市"

    browser.sign_in("city")
    row = county_row(browser, "/")
    assert row.find_element(By.CSS_SELECTOR, "th").text == "清河区" and "未命名地区" not in browser.text("#areas")
    drill(browser, row.find_element(By.CSS_SELECTOR, "th a"), f"/?area={COUNTY}")
    assert browser.text(f'#areas tr[data-area="{TOWNSHIP}"] th') == "张相镇"
    drill(browser, browser.one(f'#areas tr[data-area="{TOWNSHIP}"] th a'), f"/?area={TOWNSHIP}")
    assert browser.text("#area-name") == "张相镇"


def test_a_case_is_walked_from_verification_to_confirmation_through_the_forms(stack, households, browser):
    own, _ = households
    case = open_case(stack, own["id"])
    url = f"/cases/{case['id']}"

    browser.sign_in("cadre", url)
    assert browser.one("#stage").get_attribute("data-stage") == "opened"
    # the cadre verifies, or helps at once (即时帮扶, seed 004)
    assert [f.get_attribute("data-action") for f in browser.all("form[data-action]")] == ["verify", "plan"]
    browser.screenshot("case")
    act(browser, "verify", "已入户核实，农户已签字授权")
    assert browser.one("#stage").get_attribute("data-stage") == "verified"
    act(browser, "post-notice", "民主评议通过，村内公示")
    assert browser.one("#stage").get_attribute("data-stage") == "notice_posted"

    browser.sign_in("township", url)
    act(browser, "review", "乡镇审核")  # too early: the notice has not run its days
    assert "请在公示期满后审核" in browser.text("[data-refusal]")  # monitoring's own words
    assert browser.one("#stage").get_attribute("data-stage") == "notice_posted"
    assert "乡镇审核" in browser.one('form[data-action="review"] textarea').get_attribute("value")  # input kept
    advance_monitoring_clock(stack, 5.01)
    browser.open(url)
    act(browser, "review", "材料齐全，同意")
    assert browser.one("#stage").get_attribute("data-stage") == "reviewed"

    browser.sign_in("admin", url)
    act(browser, "confirm", "县级审批同意纳入")
    assert browser.one("#stage").get_attribute("data-stage") == "confirmed"
    browser.screenshot("case-confirmed")
    confirmed = api(stack, "county_admin", COUNTY, "monitoring", f"/cases/{case['id']}")
    assert confirmed["stage"] == "confirmed"
    walked = ["open", "verify", "post-notice", "review", "confirm"]
    assert [s["action"] for s in confirmed["history"]] == walked
    assert [li.get_attribute("data-action") for li in browser.all("#timeline li[data-action]")] == walked

    browser.open("/cases")
    assert browser.one(f'tr[data-case="{case["id"]}"]'), "the case is missing from the queue"
    browser.screenshot("cases")


ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
A4_POINTS = (595.3, 841.9)  # 210 × 297 mm


def test_the_clarity_card_prints_on_one_a4_page_with_the_five_items_and_no_id_number(stack, households, browser):
    own, _ = households
    browser.sign_in("cadre", f"/households/{own['id']}")
    browser.wait_for("#card-link").click()
    browser.wait_for("#card")
    browser.screenshot("card")
    pdf = PdfReader(io.BytesIO(browser.print_pdf()))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) - A4_POINTS[0]) < 1.5 and abs(float(box.height) - A4_POINTS[1]) < 1.5
    # the CJK font maps some glyphs to Kangxi radicals (⼈ for 人): NFKC reads them as the characters
    text = unicodedata.normalize("NFKC", pdf.pages[0].extract_text())
    for item in ("致贫原因", "属性", "帮扶措施", "帮扶责任人", "帮扶资金"):
        assert item in text, f"{item} missing from the printed card"
    assert "王帮扶" in text and "13800001111" in text  # the helper and how to reach them
    assert not ID_NUMBER.search(text.replace(" ", "")) and not ID_NUMBER.search(browser.html())


def session_cookie(browser: Browser) -> dict[str, str]:
    return {c["name"]: c["value"] for c in browser.driver.get_cookies() if c["name"] == "backstop_session"}


def fits_the_screen(browser: Browser) -> bool:
    """Nothing sideways: the page is no wider than the phone's viewport."""
    return browser.driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_village_cadre_on_a_phone_sees_their_own_village_only(stack, households, browser):
    own, other = households
    browser.phone()
    try:
        browser.sign_in("cadre", "/households")
        villages = {row.get_attribute("data-village") for row in browser.all("#households tr[data-household]")}
        assert villages == {VILLAGE}
        assert fits_the_screen(browser)
        browser.screenshot("households-phone")
        browser.open(f"/households/{own['id']}")
        browser.wait_for("#household")
        assert fits_the_screen(browser)
        browser.screenshot("household-phone")
        browser.open(f"/households/{other['id']}")
        assert browser.text("h1") == "未找到"
        resp = httpx.get(f"{stack.url('console')}/households/{other['id']}", cookies=session_cookie(browser))
        assert resp.status_code == 404 and "身份证" not in resp.text
        browser.open("/cases")
        assert {r.text for r in browser.all("#cases td[data-label='村']")} <= {"小房身村"}
        assert fits_the_screen(browser)
        browser.screenshot("cases-phone")
        case = api(stack, "county_admin", COUNTY, "monitoring", "/cases", household_id=own["id"])["items"][0]
        browser.open(f"/cases/{case['id']}")  # confirmed by the walk above: the cadre records a visit here
        visit = browser.wait_for('form[data-action="visit"]')
        assert fits_the_screen(browser) and visit.find_element(By.NAME, "findings").is_displayed()
        browser.driver.execute_script("arguments[0].scrollIntoView()", visit)
        browser.screenshot("visit-phone")
    finally:
        browser.desktop()


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(stack, households, browser):
    own, _ = households
    browser.sign_in("admin")
    case = api(stack, "county_admin", COUNTY, "monitoring", "/cases", household_id=own["id"])["items"][0]
    cookies = session_cookie(browser)
    resp = httpx.post(f"{stack.url('console')}/cases/{case['id']}/act/reject", cookies=cookies,
                      data={"reason": "伪造的请求", "version": str(case["version"])})
    assert resp.status_code == 403 and "安全令牌" in resp.text
    forged = httpx.post(f"{stack.url('console')}/cases/{case['id']}/act/reject", cookies=cookies,
                        data={"reason": "伪造的请求", "version": str(case["version"]), "csrf_token": "guessed"})
    assert forged.status_code == 403
    assert api(stack, "county_admin", COUNTY, "monitoring", f"/cases/{case['id']}")["version"] == case["version"]


def test_an_expired_session_goes_back_to_sign_in(stack, browser):
    """A session whose time has passed, signed with the console's own key, is no session at all."""
    browser.sign_in("admin")
    browser.driver.delete_all_cookies()
    expired = {"user": {"token": "x", "subject": "county_admin@211204000000", "role": "county_admin",
                        "area_code": COUNTY, "name": "过期用户", "department": None},
               "exp": int(time.time()) - 60, "csrf": "c"}
    browser.driver.add_cookie({"name": "backstop_session", "value": sign_session(expired), "path": "/"})
    browser.open("/cases")
    browser.wait_for("[data-demo-user]")
    assert browser.path.startswith("/login")


def sign_session(data: dict) -> str:
    """What Starlette's SessionMiddleware writes: base64 JSON signed with the session secret."""
    from console.config import DEV_SESSION_SECRET  # what `backstop up` runs the console with

    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(DEV_SESSION_SECRET).sign(payload).decode()


PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def public_money(stack) -> None:
    """The county's money as the funds office records it: an allocation and a project put to 公示."""
    admin = stack.headers("county_admin", COUNTY)
    funds = f"{stack.url('funds')}/api/v1"
    resp = httpx.post(f"{funds}/allocations", headers=admin, timeout=10, json={
        "source": "linkage", "year": 2026, "purpose": "巩固拓展脱贫攻坚成果", "amount": "250000.00",
        "area_code": VILLAGE})
    assert resp.status_code == 201, resp.text
    project = httpx.post(f"{funds}/projects", headers=admin, timeout=10, json={
        "name": "小房身村产业路", "project_type": "road", "area_code": VILLAGE, "year": 2026, "budget": "180000.00",
        "reason": "村民代表大会决议"}).json()
    for action in ("appraise", "post-notice"):
        resp = httpx.post(f"{funds}/projects/{project['id']}/{action}", headers=admin, timeout=10)
        assert resp.status_code == 200, resp.text


def test_the_public_funds_page_shows_money_and_no_person(stack, households, browser):
    own, _ = households
    public_money(stack)
    browser.driver.delete_all_cookies()
    browser.open(f"/public/funds?area={TOWNSHIP}")
    browser.wait_for("#projects")
    assert "小房身村产业路" in browser.text("#projects") and "衔接资金" in browser.text("#allocations")
    browser.screenshot("public-funds")
    html = browser.html()
    assert not ID_NUMBER.search(html) and not PHONE.search(html)
    for person in own["members"]:
        assert person["name"] not in html
    assert "王帮扶" not in html
    anonymous = httpx.get(f"{stack.url('console')}/public/funds", params={"area": TOWNSHIP}, timeout=10)
    assert anonymous.status_code == 200 and "set-cookie" not in anonymous.headers
    statuses = [httpx.get(f"{stack.url('console')}/public/funds", params={"area": TOWNSHIP}, timeout=10).status_code
                for _ in range(70)]
    assert statuses.count(200) <= 60 and statuses[-1] == 429  # rate-limited per address


def test_the_offices_other_pages_answer_in_chinese_with_the_apis_figures(stack, households, browser):
    """资金项目, 大排查/挂图作战, 公示 and 消息 as the county office sees them (after the public page's money)."""
    browser.sign_in("admin", "/funds")
    browser.wait_for("#projects")
    projects = api(stack, "county_admin", COUNTY, "funds", "/projects", limit=100)
    assert len(browser.all("#projects tr[data-project]")) == min(projects["total"], 100)
    execution = api(stack, "county_admin", COUNTY, "funds", "/reports/execution")
    assert browser.text('#execution [data-figure="execution_rate"]') == f"{execution['totals']['execution_rate']}%"
    browser.screenshot("funds")
    browser.open("/campaigns")
    browser.wait_for("#board")
    browser.open("/notices?kind=projects")
    assert "小房身村产业路" in browser.text("#notice")
    assert not ID_NUMBER.search(browser.html()) and not PHONE.search(browser.text("#notice"))
    browser.screenshot("notice")
    browser.sign_in("township", "/inbox")
    for _ in range(5):  # messages still arriving from this module's own cases: compare a quiet moment
        before = api_inbox(stack)
        browser.open("/inbox")
        shown = int(browser.text('[data-figure="unread"]'))
        if api_inbox(stack) == before:
            break
    assert shown == before
    browser.screenshot("inbox")


def problem_found_at_a_visit(stack, household_id: str) -> str:
    """大排查 in the cadre's township: the cadre answers a question at the visit with 否, which opens a problem
    the village committee must rectify."""
    admin, cadre = stack.headers("county_admin", COUNTY), stack.headers("village_cadre", VILLAGE)
    monitoring = f"{stack.url('monitoring')}/api/v1"
    code = f"console.care.{int(time.time() * 1000)}"
    resp = httpx.post(f"{monitoring}/checks", headers=admin, timeout=10, json={
        "code": code, "title": "独居老人是否落实日常照料人", "kind": "question", "responsible_unit": "village"})
    assert resp.status_code == 201, resp.text
    now = monitoring_now(stack)  # earlier tests move monitoring's clock weeks ahead: deadlines after its now
    resp = httpx.post(f"{monitoring}/campaigns", headers=admin, timeout=10, json={
        "name": "冬季大排查", "area_code": TOWNSHIP, "checks": [code],
        "investigation_due": iso(now + 30 * 86400), "rectification_due": iso(now + 60 * 86400)})
    assert resp.status_code == 201, resp.text
    resp = httpx.post(f"{monitoring}/campaigns/{resp.json()['id']}/answers", headers=cadre, timeout=10, json={
        "check": code, "household_id": household_id, "passed": False, "note": "照料人外出务工"})
    assert resp.status_code == 201 and resp.json()["problem_id"], resp.text
    return resp.json()["problem_id"]


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def problem_act(browser: Browser, action: str, **fields) -> None:
    form = browser.one(f'form[data-action="{action}"]')
    for name, value in fields.items():
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_until_gone(form)
    browser.wait_for("#status")


def test_a_problem_is_rectified_and_verified_through_the_campaign_page(stack, households, browser):
    """问题清单 → 整改 → 验收: the cadre rectifies, the township verifies; refusals next to the form, input kept."""
    own, _ = households
    problem_id = problem_found_at_a_visit(stack, own["id"])
    browser.sign_in("cadre", "/campaigns?unit=village")
    browser.wait_for(f'#problem-list tr[data-problem="{problem_id}"] a').click()
    browser.wait_for("#status")
    assert browser.one("#status").get_attribute("data-status") == "opened"
    assert [f.get_attribute("data-action") for f in browser.all("form[data-action]")] == ["start", "rectify", "defer"]

    problem_act(browser, "rectify", note="已联系亲属")  # what was done is missing: the field says so, the note stays
    assert browser.text('[data-field-error="measures_taken"]') == "请填写采取的整改措施"
    assert browser.one('form[data-action="rectify"] textarea[name="note"]').get_attribute("value") == "已联系亲属"
    assert browser.one("#status").get_attribute("data-status") == "opened"
    form = browser.one('form[data-action="rectify"]')
    form.find_element(By.NAME, "measures_taken").send_keys("落实邻居王某为日常照料人，签订照料协议")
    form.find_element(By.NAME, "evidence").send_keys("照料协议.pdf")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_until_gone(form)
    assert browser.wait_for("#status").get_attribute("data-status") == "rectified"
    assert browser.all("form[data-action]") == []  # whoever rectified does not verify
    browser.screenshot("problem")

    browser.sign_in("township", f"/problems/{problem_id}")
    browser.wait_for('form[data-action="verify"]')
    version = browser.one('form[data-action="verify"] input[name="version"]')
    browser.driver.execute_script("arguments[0].value = String(Number(arguments[0].value) - 1)", version)  # a stale page
    problem_act(browser, "verify", note="验收合格")
    assert browser.text("[data-refusal]") == "已被他人修改，请刷新后重试。"
    assert browser.one('form[data-action="verify"] textarea').get_attribute("value") == "验收合格"
    problem_act(browser, "reject")  # a rejection needs its reason
    assert browser.text('[data-field-error="note"]') == "请填写验收不通过的理由"
    browser.open(f"/problems/{problem_id}")
    problem_act(browser, "verify", note="入户查看，照料到位，验收合格")
    assert browser.one("#status").get_attribute("data-status") == "verified"

    shown = api(stack, "county_admin", COUNTY, "monitoring", f"/problems/{problem_id}")
    assert shown["status"] == "verified" and shown["measures_taken"].startswith("落实邻居王某")
    assert [s["action"] for s in shown["steps"]] == ["open", "rectify", "verify"]
    assert [li.get_attribute("data-action") for li in browser.all("#timeline li")] == ["open", "rectify", "verify"]
    browser.open("/campaigns?unit=village")  # the township's list by unit shows it verified
    assert browser.wait_for(f'#problem-list tr[data-problem="{problem_id}"]').get_attribute("data-status") == "verified"
    browser.screenshot("campaigns")


def api_inbox(stack) -> int:
    headers = stack.headers("township_staff", TOWNSHIP)  # the console's demo township staff
    resp = httpx.get(f"{stack.url('notifications')}/api/v1/inbox", headers=headers, params={"limit": 1}, timeout=10)
    return resp.json()["unread"]


def test_the_console_is_ready_when_the_four_services_are(stack):
    assert httpx.get(f"{stack.url('console')}/healthz", timeout=10).json()["status"] == "ok"
    ready = httpx.get(f"{stack.url('console')}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {s: True for s in ("registry", "monitoring", "funds", "notifications")}


def test_the_household_file_shows_each_members_pension(stack, demo_areas, browser):
    """Seed 004 (城乡居民基本养老保险): registry keeps each member's pension status and monthly pension; the
    members table of the household file shows them as labels, the amount in yuan a month (issue 15)."""

    async def load():
        async with httpx.AsyncClient(timeout=30) as client:
            return await new_household(client, stack, VILLAGE, members=[
                member("户主", 52, pension="contributing"),
                member("之母", 79, female=True, pension="receiving", pension_monthly="186.50")])

    household = asyncio.run(load())
    browser.sign_in("admin", f"/households/{household['id']}")
    browser.wait_for("#members")
    shown = [cell.text for cell in browser.all("#members td[data-label='养老保险']")]
    assert sorted(shown) == sorted(["参保缴费", "领取养老金 · ¥186.50/月"]), shown
