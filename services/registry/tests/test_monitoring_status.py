"""The household file follows monitoring's decisions: confirmed → its category and 识别时间; eliminated →
风险消除 and its date; reopened → at risk again — each once, with the history naming monitoring."""

from datetime import UTC, datetime

from backstop_common.testing import eventually, make_event, publish_events
from backstop_common.topics import MONITORING_CASE

from .factory import auth, household, member

VILLAGE = "211204001002"
#: a case id as monitoring makes them (the consumer parses data into backstop_events.monitoring's models)
CASE = "5f0c8a52-3b8e-4a59-9a7e-1f6f0d0c2a11"


async def test_the_file_shows_the_category_monitoring_decided(app, client, settings):
    created = await client.post("/api/v1/households", json=household(VILLAGE, member()), headers=auth(settings, area=VILLAGE))
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    county = auth(settings, "county_staff", "211204000000")

    def case_event(name, when, **data):
        return make_event("monitoring", name, CASE, {"case_id": CASE, "household_id": hid,
                                                     "village_code": VILLAGE, **data},
                          area_code=VILLAGE, time=datetime(*when, 9, tzinfo=UTC))

    async def file_shows(**expected):
        body = (await client.get(f"/api/v1/households/{hid}", headers=county)).json()
        return all(body[k] == v for k, v in expected.items())

    confirmed = case_event("case.confirmed", (2026, 3, 2), category="marginal", risk_types=["01"], gaps=[],
                           plan_due_at=None)
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [confirmed, confirmed])
    assert await eventually(lambda: file_shows(monitoring_category="marginal", risk_eliminated=False,
                                               risk_identified_on="2026-03-02"), timeout=20)
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [
        case_event("case.risk_eliminated", (2026, 10, 9), method="assistance")])
    assert await eventually(lambda: file_shows(risk_eliminated=True, risk_eliminated_on="2026-10-09"), timeout=20)
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [
        case_event("case.reopened", (2026, 11, 20), reason="新发大病", risk_types=["01"])])
    assert await eventually(lambda: file_shows(risk_eliminated=False, risk_eliminated_on=None,
                                               monitoring_category="marginal"), timeout=20)
    history = (await client.get(f"/api/v1/households/{hid}/history", params={"limit": 200}, headers=county)).json()
    synced = [h for h in history["items"] if h["action"] == "monitoring_status"]
    assert {h["actor"] for h in synced} == {"monitoring"}
    assert sorted(h["field"] for h in synced if h["field"] == "monitoring_category") == ["monitoring_category"]
