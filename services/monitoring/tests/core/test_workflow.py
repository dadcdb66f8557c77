"""The case workflow end to end: identification to confirmation, then to risk elimination, and every
refusal refused (wrong stage 409, wrong role 403, other area 404, bad input 422) without changing anything."""

import uuid
from datetime import timedelta

from backstop_common.testing import bearer, read_events
from backstop_common.topics import MONITORING_CASE

from ..clock import clock
from .support import income, registered, registry_event, wait_for_case

VILLAGE = "211204002001"
TOWNSHIP = "211204002000"
COUNTY = "211204000000"


def roles(settings):
    return {
        "village": bearer(settings, "village_cadre", VILLAGE, subject="cadre-1"),
        "other_village": bearer(settings, "village_cadre", "211204002002"),
        "township": bearer(settings, "township_staff", TOWNSHIP, subject="township-1"),
        "county": bearer(settings, "county_staff", COUNTY, subject="county-1"),
        "helper": bearer(settings, "helper", VILLAGE, subject="helper-1"),
    }


async def test_full_workflow_to_confirmation_and_to_risk_elimination(app, client, feed, settings):
    r = roles(settings)
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, poverty_status="lifted"), income(hh, VILLAGE, "5200.00"))
    case = await wait_for_case(app, hh)
    url = f"/api/v1/cases/{case.id}"

    async def do(action, who, body=None, status=200, **headers):
        resp = await client.post(f"{url}/{action}", json=body, headers={**r[who], **headers})
        assert resp.status_code == status, (action, who, resp.text)
        if status >= 400:
            assert resp.headers["content-type"] == "application/problem+json"
        return resp.json()

    async def stage():
        return (await client.get(url, headers=r["county"])).json()["stage"]

    await do("confirm", "county", status=409)          # confirming an unverified case
    await do("verify", "county", status=403)           # the county does not verify at the home
    await do("verify", "other_village", status=404)    # another village's case does not exist for them
    await do("explode", "village", status=422)         # no such action (the path segment is an enum)
    await do("verify", "village", {"note": "入户核实, signed"}, status=409, **{"If-Match": "7"})  # stale version
    assert await stage() == "opened"
    verified = await do("verify", "village", {"note": "入户核实, authorisation signed"}, **{"If-Match": "1"})
    assert verified["stage"] == "verified" and verified["due_step"] == "notice"
    await do("post-notice", "village", {"note": "民主评议 passed"})
    await do("review", "township", status=409)          # the notice has not run its 5 days
    clock.advance(timedelta(days=5, minutes=1))
    await do("confirm", "township", status=403)         # a township cannot confirm
    await do("review", "township", {"note": "乡审核"})
    await do("reject", "county", {}, status=422)        # a rejection needs a reason
    assert await stage() == "reviewed"
    confirmed = await do("confirm", "county")
    assert confirmed["stage"] == "confirmed" and confirmed["category"] == "unstable_lifted"
    assert confirmed["plan_due_at"] and confirmed["next_visit_due"]
    assert [s["action"] for s in confirmed["history"]] == ["open", "verify", "post-notice", "review", "confirm"]
    assert confirmed["history"][1]["actor_user_id"] == "cadre-1" and confirmed["history"][1]["note"]

    # risk elimination: refused with the unmet conditions until they hold
    refused = await do("propose-elimination", "township", status=409)
    assert {u["condition"] for u in refused["unmet"]} == {"income_above_line"}
    assert "未高于监测线" in refused["unmet"][0]["detail"]  # each reason in Chinese (issue 14), the condition a code
    await do("plan", "village", {"measures": [{"measure_type": "teleport", "responsible_unit": "x"}]}, status=422)
    planned = await do("plan", "township", {"measures": [
        {"measure_type": "employment", "responsible_unit": "县人社局", "helper_user_id": "helper-1"}]})
    assert planned["measures"][0]["status"] == "open" and planned["plan_due_at"] is None
    await do("visit", "helper", {"visited_on": clock.now().date().isoformat(), "findings": "job found, stable"})
    await feed(income(hh, VILLAGE, "8800.00", year=2022, previous="5200.00"))
    refused = await do("propose-elimination", "township", status=409)
    assert {u["condition"] for u in refused["unmet"]} == {"income_stable", "no_open_measures"}
    await feed(registry_event("household.measure_given", hh, VILLAGE, measure_id=str(uuid.uuid4()),
                              measure_type="employment", amount="0.00", given_on="2022-03-01", unit="县人社局"))
    clock.advance(timedelta(days=190))
    await do("propose-elimination", "village", status=403)
    await do("eliminate", "county", status=409)         # nothing proposed yet
    proposed = await do("propose-elimination", "township", {"method": "assistance", "note": "乡镇提出"})
    assert proposed["elimination_notice_ends_at"]
    await do("eliminate", "township", status=403)
    early = await do("eliminate", "county", {"note": "县审批"}, status=409)  # the village notice runs 5 days
    assert early["reason"] == "elimination_notice_running" and "公示" in early["detail"]
    # a villager's objection during the notice: the proposal falls, the household stays monitored
    await do("object", "village", {}, status=422)  # the objection's substance is required
    objected = await do("object", "village", {"reason": "村民异议：务工收入不稳定"})
    assert objected["stage"] == "confirmed" and objected["elimination_notice_ends_at"] is None
    await do("eliminate", "county", status=409)
    await do("propose-elimination", "township", {"method": "assistance", "note": "复核后重新提出"})
    clock.advance(timedelta(days=5, minutes=1))
    eliminated = await do("eliminate", "county", {"note": "县审批"})
    assert eliminated["stage"] == "eliminated" and eliminated["closed_at"]
    await do("visit", "village", {"visited_on": clock.now().date().isoformat(), "findings": "x"}, status=409)

    # risk returns: the county re-marks the household; its records stay
    reopened = await do("reopen", "county", {"reason": "new major illness"})
    assert reopened["stage"] == "confirmed" and len(reopened["history"]) > 8

    names = [e.name for e in await read_events(
        settings.kafka_bootstrap_servers, MONITORING_CASE, where=lambda e: e.subject == str(case.id),
        until=lambda evs: any(e.name == "case.reopened" for e in evs))]
    for name in ("case.opened", "case.verified", "case.notice_posted", "case.reviewed", "case.confirmed",
                 "case.assistance_planned", "case.visit_recorded",
                 "case.elimination_objected", "case.risk_eliminated", "case.reopened"):
        assert names.count(name) == 1, (name, names)
    assert names.count("case.elimination_proposed") == 2


async def test_rejection_closes_the_case_and_a_new_signal_opens_another(app, client, feed, settings):
    r = roles(settings)
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, poverty_status="never_poor"), income(hh, VILLAGE, "5900.00"))
    case = await wait_for_case(app, hh)
    resp = await client.post(f"/api/v1/cases/{case.id}/reject", json={"reason": "income misreported, corrected"},
                             headers=r["township"])
    assert resp.status_code == 200 and resp.json()["stage"] == "rejected"
    again = await client.post(f"/api/v1/cases/{case.id}/verify", headers=r["village"])
    assert again.status_code == 409
    detail = (await client.get(f"/api/v1/households/{hh}/monitoring", headers=r["village"])).json()
    assert [c["stage"] for c in detail["cases"]] == ["rejected"] and len(detail["signals"]) == 1
    assert (await client.get(f"/api/v1/households/{hh}/monitoring", headers=r["other_village"])).status_code == 404


async def test_a_case_names_the_actions_the_callers_role_may_take_next(app, client, feed, settings):
    """What a client offers as forms: only the next steps of this role in this stage."""
    r = roles(settings)
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, poverty_status="lifted"), income(hh, VILLAGE, "5100.00"))
    case = await wait_for_case(app, hh)
    url = f"/api/v1/cases/{case.id}"

    async def actions(who):
        resp = await client.get(url, headers=r[who])
        assert resp.status_code == 200, resp.text
        return resp.json()["actions"]

    assert await actions("village") == ["verify", "plan"]  # plan: instant help (即时帮扶)
    assert await actions("township") == ["reject", "plan"]
    assert await actions("helper") == []
    verified = await client.post(f"{url}/verify", json={"note": "入户核实"}, headers=r["village"])
    assert verified.json()["actions"] == ["post-notice", "plan"]
    assert await actions("county") == ["reject", "plan"]


async def test_instant_help_measures_from_the_moment_a_case_opens(app, client, feed, settings):
    """Seed 004: 即时出现，即时标注，即时纳入，即时帮扶 — measures before confirmation, counted."""
    r = roles(settings)
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE), registry_event("household.disaster_reported", hh, VILLAGE,
               disaster_id=str(uuid.uuid4()), disaster_type="0201", loss_amount="30000.00", occurred_on="2026-07-01"))
    case = await wait_for_case(app, hh)
    before = (await client.get("/api/v1/stats", params={"area_code": VILLAGE}, headers=r["county"])).json()
    url = f"/api/v1/cases/{case.id}"
    helped = await client.post(f"{url}/plan", headers=r["village"], json={"measures": [
        {"measure_type": "other", "responsible_unit": "县民政局", "helper_user_id": "helper-1"}]})
    assert helped.status_code == 200, helped.text
    body = helped.json()
    assert body["stage"] == "opened" and body["instant_help_at"] and body["measures"][0]["status"] == "open"
    after = (await client.get("/api/v1/stats", params={"area_code": VILLAGE}, headers=r["county"])).json()
    assert after["totals"]["instant_help"] == before["totals"]["instant_help"] + 1
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject == str(case.id) and e.name == "case.assistance_planned",
                               until=lambda evs: len(evs) >= 1)
    assert events[0].data["instant_help"] is True
    # identification goes on; the county's confirmation finds the plan made
    for action, who in (("verify", "village"), ("post-notice", "village")):
        assert (await client.post(f"{url}/{action}", headers=r[who])).status_code == 200
    clock.advance(timedelta(days=6))
    assert (await client.post(f"{url}/review", headers=r["township"])).status_code == 200
    confirmed = (await client.post(f"{url}/confirm", headers=r["county"])).json()
    assert confirmed["stage"] == "confirmed" and confirmed["plan_due_at"] is None
    assert (await client.post(f"{url}/plan", headers=r["helper"], json={"measures": [
        {"measure_type": "other", "responsible_unit": "x"}]})).status_code == 403
