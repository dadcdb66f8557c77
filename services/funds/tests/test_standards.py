"""Policy as data refuses junk: only known items of their kind, policy years, amounts their columns hold.

Regression tests for what fuzzing found (issue 20): an unreadable item name and "0" were stored as
standards, years back to 2000 were accepted, and amounts past NUMERIC(14,2) answered 500.
"""

from backstop_common.money import MONEY_MAX
from tests.helpers import household
from tests.test_projects import declare

COUNTY = "211204000000"
#: a village no other funds test uses, so its project policy changes nothing elsewhere
QUIET_VILLAGE = "211204003007"


def line(**over) -> dict:
    return {"year": 2026, "area_code": COUNTY, "kind": "housing_renovation", "item": "D", "amount": "45000.00"} | over


async def stored_items(client, headers) -> set[str]:
    resp = await client.get("/api/v1/standards", headers=headers)
    assert resp.status_code == 200, resp.text
    return {i["item"] for i in resp.json()["items"]}


async def test_a_standard_item_must_be_a_known_line_of_its_kind(client, county):
    before = await stored_items(client, county)
    for item, kind in (("\x8f\x10", "housing_renovation"), ("0", "education"), ("C", "education"),
                       ("primary", "housing_renovation"), ("tekun", "education")):
        resp = await client.put("/api/v1/standards", headers=county, json=line(kind=kind, item=item))
        assert resp.status_code == 422, (item, kind, resp.text)
    assert await stored_items(client, county) == before
    accepted = await client.put("/api/v1/standards", headers=county, json=line(kind="education", item="senior",
                                                                              amount="2000.00"))
    assert accepted.status_code == 200, accepted.text


async def test_a_standard_has_the_fields_its_kind_computes_with(client, county):
    no_rate = await client.put("/api/v1/standards", headers=county, json=line(
        kind="medical_relief", item="tekun", amount="5000.00"))
    assert no_rate.status_code == 422 and "rate" in no_rate.text
    no_amount = await client.put("/api/v1/standards", headers=county, json=line(amount=None, rate="0.5"))
    assert no_amount.status_code == 422


async def test_standard_years_are_the_policy_years(client, county, clock):
    next_year = clock.now().year + 1
    for year in (2000, 2020, next_year + 1, 2100):
        resp = await client.put("/api/v1/standards", headers=county, json=line(year=year))
        assert resp.status_code == 422, (year, resp.text)
        policy = await client.put(f"/api/v1/project-policies/{year}/{COUNTY}", headers=county,
                                  json={"notice_days": 10})
        assert policy.status_code == 422, (year, policy.text)
    ahead = await client.put("/api/v1/standards", headers=county, json=line(year=next_year, amount="46000.00"))
    assert ahead.status_code == 200, ahead.text


async def test_an_amount_past_its_column_is_a_422_naming_the_field_and_limit(client, county):
    too_much = str(MONEY_MAX + 1)
    resp = await client.put("/api/v1/standards", headers=county, json=line(amount=too_much))
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["loc"][-1] == "amount" and str(MONEY_MAX) in error["msg"]
    for path, body in (("/api/v1/allocations", {"source": "linkage", "year": 2026, "purpose": "衔接资金",
                                                "amount": too_much, "area_code": COUNTY}),
                       (f"/api/v1/project-policies/2026/{COUNTY}", {"notice_days": 10,
                                                                    "investment_per_person": too_much})):
        send = client.put if path.startswith("/api/v1/project-policies") else client.post
        resp = await send(path, headers=county, json=body)
        assert resp.status_code == 422 and resp.json()["errors"][0]["loc"][-1] in ("amount", "investment_per_person")


async def test_an_investment_computed_past_its_column_is_a_422(app, client, county, settings):
    policy = await client.put(f"/api/v1/project-policies/2026/{QUIET_VILLAGE}", headers=county, json={
        "notice_days": 10, "investment_per_person": str(MONEY_MAX)})
    assert policy.status_code == 200, policy.text
    pid = (await declare(client, county, area_code=QUIET_VILLAGE))["id"]
    hid, _ = await household(app, settings, village=QUIET_VILLAGE)
    resp = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(hid), "benefit": "dividend_share", "persons": 2})
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == "investment" and resp.json()["limit"] == str(MONEY_MAX)


async def test_dividends_summed_past_the_column_are_a_422(app, client, county, settings):
    pid = (await declare(client, county, area_code=QUIET_VILLAGE))["id"]
    hid, _ = await household(app, settings, village=QUIET_VILLAGE)
    share = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(hid), "benefit": "dividend_share", "investment": "20000.00"})
    assert share.status_code == 201, share.text
    dividend = {"household_id": str(hid), "year": 2026, "amount": str(MONEY_MAX)}
    assert (await client.post(f"/api/v1/projects/{pid}/dividends", headers=county, json=dividend)).status_code == 201
    again = await client.post(f"/api/v1/projects/{pid}/dividends", headers=county, json=dividend)
    assert again.status_code == 422 and again.json()["field"] == "year_total", again.text


async def test_stage_days_are_stages_and_days_a_date_can_take(client, county):
    for stage_days in ({"declared": 10**20}, {"not-a-stage": 30}, {"declared": 0}):
        resp = await client.put(f"/api/v1/project-policies/2026/{QUIET_VILLAGE}", headers=county, json={
            "notice_days": 10, "stage_days": stage_days})
        assert resp.status_code == 422, (stage_days, resp.text)
