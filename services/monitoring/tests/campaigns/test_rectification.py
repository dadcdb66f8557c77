"""A problem rectified by its responsible unit, verified by the level above and counted; every step
records who, when and why; the wrong unit, state or reason changes nothing; overdue once per deadline."""

import io
import json
import re
import zipfile
from datetime import timedelta

from backstop_common.testing import read_events
from monitoring.campaigns.background import sweep_once

from ..clock import clock as mclock

TOWNSHIP = "211204102000"  # 杨木林子镇
VILLAGE = "211204102201"


async def open_problems(client, county, area, checks, rect_days=40):
    now = mclock.now()
    r = await client.post("/api/v1/campaigns", headers=county, json={
        "name": "整改测试", "area_code": area, "checks": checks,
        "investigation_due": (now + timedelta(days=1)).isoformat(),
        "rectification_due": (now + timedelta(days=rect_days)).isoformat()})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)).status_code == 200
    return cid, (await client.get("/api/v1/problems", params={"campaign_id": cid}, headers=county)).json()["items"]


async def act(client, headers, problem, action, version, **body):
    return await client.post(f"/api/v1/problems/{problem['id']}/{action}", headers={**headers, "If-Match": str(version)},
                             json=body)


async def test_rectified_verified_and_counted(client, county, as_, db, settings):
    await db.household(VILLAGE, housing_grade="C", per_capita_income="9000")
    await db.household(VILLAGE, housing_grade="D", per_capita_income="9000")
    cid, problems = await open_problems(client, county, TOWNSHIP, ["house.safe"])
    assert len(problems) == 2 and {p["responsible_unit"] for p in problems} == {"housing"}
    first, second = problems

    education = as_("department", department="education", subject="edu-1")
    housing = as_("department", department="housing", subject="housing-1")
    r = await act(client, education, first, "rectify", 1, measures_taken="搬迁")
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert (await act(client, housing, first, "rectify", 1)).status_code == 422  # what was done?
    township = as_("township_staff", TOWNSHIP, subject="township-1")
    r = await act(client, township, first, "verify", 1)
    assert r.status_code == 409 and r.json()["detail"] == "问题处于「待整改」状态，不能「验收」"  # not rectified yet
    unchanged = (await client.get(f"/api/v1/problems/{first['id']}", headers=county)).json()
    assert unchanged["status"] == "opened" and unchanged["version"] == 1 and unchanged["steps"][0]["action"] == "open"

    offered = {who: (await client.get(f"/api/v1/problems/{first['id']}", headers=h)).json()["actions"]
               for who, h in (("housing", housing), ("education", education), ("township", township))}
    assert offered == {"housing": ["start", "rectify", "defer"], "education": [], "township": []}
    assert (await act(client, housing, first, "start", 1, note="已安排鉴定")).json()["status"] == "in_progress"
    r = await act(client, housing, first, "rectify", 2, measures_taken="完成C级危房维修加固",
                  evidence=["photo:before.jpg", "photo:after.jpg"], note="竣工")
    assert r.status_code == 200 and r.json()["status"] == "rectified" and r.json()["rectified_by"] == "housing-1"
    assert (await act(client, housing, first, "verify", 3)).status_code == 403  # not the level above
    assert (await act(client, as_("village_cadre", VILLAGE), first, "verify", 3)).status_code == 403
    assert (await act(client, township, first, "verify", 2)).status_code == 409  # stale If-Match
    verifier = await client.get(f"/api/v1/problems/{first['id']}", headers=township)
    assert verifier.json()["actions"] == ["verify", "reject"]
    r = await act(client, township, first, "verify", 3, note="验收合格")
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["verified_by"] == "township-1"

    r = await act(client, housing, second, "defer", 1)
    assert r.status_code == 422  # a deferral needs its reason on file
    assert r.json()["errors"] == [{"loc": ["body", "note"], "msg": "必填"}]
    r = await act(client, housing, second, "defer", 1, note="D级需整体重建，汛期后施工，已报备")
    assert r.json()["status"] == "deferred" and r.json()["deferred_reason"].startswith("D级")

    detail = (await client.get(f"/api/v1/problems/{first['id']}", headers=county)).json()
    assert [(s["action"], s["from_status"], s["to_status"]) for s in detail["steps"]] == [
        ("open", None, "opened"), ("start", "opened", "in_progress"), ("rectify", "in_progress", "rectified"),
        ("verify", "rectified", "verified")]
    assert [s["actor_user_id"] for s in detail["steps"][1:]] == ["housing-1", "housing-1", "township-1"]
    assert detail["evidence"] == ["photo:before.jpg", "photo:after.jpg"]

    report = (await client.get("/api/v1/reports/problems", params={"campaign_id": cid}, headers=county)).json()
    assert report["total"] == 2 and report["rectified"] == 1 and report["rectification_rate"] == 0.5
    unit = report["units"][0]
    assert unit["unit"] == "housing" and unit["by_status"]["verified"]["count"] == 1
    assert unit["by_status"]["deferred"]["count"] == 1
    xlsx = await client.get("/api/v1/reports/problems.xlsx", params={"campaign_id": cid}, headers=county)
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = zipfile.ZipFile(io.BytesIO(xlsx.content)).read("xl/worksheets/sheet1.xml").decode()
    assert len(re.findall(r"<row ", sheet)) == 3 and "问题ID" in sheet
    assert "verified" in sheet and "deferred" in sheet

    pid = first["id"]
    events = await read_events(settings.kafka_bootstrap_servers, "monitoring.campaign", lambda es: len(es) >= 4,
                               where=lambda e: e.subject == pid)
    assert [e.name for e in events] == ["problem.opened", "problem.started", "problem.rectified", "problem.verified"]
    assert events[3].data["actor"] == {"user_id": "township-1", "role": "township_staff"}


async def test_overdue_problem_is_published_once_per_deadline(app, client, county, db, settings, clock):
    village = "211204201205"
    await db.household(village, uninsured_members=1, per_capita_income="9000")
    await db.household(village, uninsured_members=2, per_capita_income="9000")
    cid, problems = await open_problems(client, county, village, ["med.insured"], rect_days=3)
    ids = {p["id"] for p in problems}
    assert len(ids) == 2

    clock.advance(timedelta(days=4))  # past the rectification deadline; the background sweeper runs every 0.2 s
    events = await read_events(settings.kafka_bootstrap_servers, "monitoring.campaign", lambda es: len(es) >= 2,
                               where=lambda e: e.name == "problem.overdue" and e.subject in ids)
    assert {e.subject for e in events} == ids and len(events) == 2
    assert events[0].data["responsible_unit"] == "health_insurance" and events[0].area_code == village
    assert await sweep_once(app) == 0 and await sweep_once(app) == 0
    rows = await db.execute("SELECT count(*) FROM outbox WHERE type = 'backstop.monitoring.problem.overdue.v1' "
                            "AND data->>'campaign_id' = :c", c=cid)
    assert rows[0][0] == 2
    report = (await client.get("/api/v1/reports/problems", params={"campaign_id": cid}, headers=county)).json()
    assert report["overdue"] == 2


async def test_set_based_events_carry_the_models_payload(app, client, county, db, clock):
    """A data check's and the overdue sweep's events are staged through ``uow.publish_all`` from the
    ``ProblemEvent`` model: byte for byte what the per-problem path (``publish_problem``) stages."""
    from backstop_events.monitoring import Actor, ProblemEvent

    village = "211204201206"
    household = await db.household(village, uninsured_members=1, per_capita_income="9000")
    cid, (problem,) = await open_problems(client, county, village, ["med.insured"], rect_days=3)
    await db.execute("UPDATE household_facts SET uninsured_members = 0 WHERE household_id = :h", h=household)
    assert (await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)).json()["closed"] == 1
    reopened = await db.household(village, uninsured_members=1, per_capita_income="9000")
    assert (await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)).json()["opened"] == 1
    clock.advance(timedelta(days=4))
    await sweep_once(app)  # the background sweeper (every 0.2 s) may have been first: once per deadline either way

    rows = await db.execute("SELECT type, subject, area_code, data::text FROM outbox WHERE data->>'campaign_id' = :c "
                            "AND type LIKE 'backstop.monitoring.problem.%' ORDER BY seq", c=cid)
    title = (await db.execute("SELECT title FROM campaign_checks WHERE code = 'med.insured'"))[0][0]
    by_problem = {p["id"]: p for p in (await client.get(
        "/api/v1/problems", params={"campaign_id": cid}, headers=county)).json()["items"]}
    admin = Actor(user_id="county-admin-1", role="county_admin")
    expected = {"problem.opened": ("opened", None, admin), "problem.rectified": ("closed", "data", admin),
                "problem.overdue": ("opened", None, None)}
    names = []
    for type_, subject, area, data in rows:
        name = type_.removeprefix("backstop.monitoring.").removesuffix(".v1")
        names.append(name)
        status, note, actor = expected[name]
        p = by_problem[subject]
        model = ProblemEvent(problem_id=p["id"], campaign_id=cid, check="med.insured", title=title,
                             household_id=p["household_id"], village_code=village,
                             responsible_unit="health_insurance", due_at=p["due_at"], status=status, note=note,
                             actor=actor)
        assert area == village
        assert json.loads(data) == model.model_dump(mode="json"), name
    assert names == ["problem.opened", "problem.rectified", "problem.opened", "problem.overdue"]
    assert {r[1] for r in rows[2:]} == {p for p, v in by_problem.items() if v["household_id"] == str(reopened)}
