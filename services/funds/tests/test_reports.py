"""支出进度 adds up to the ledger to the fen; trails and public notices; XLSX export."""

import io
import zipfile
from decimal import Decimal

from sqlalchemy import func, select

from funds.models import Allocation, Disbursement, Subsidy
from tests.helpers import VILLAGE, allocation, household
from tests.test_ledger import implementing_project

YEAR = 2031


def sheet_text(content: bytes) -> str:
    book = zipfile.ZipFile(io.BytesIO(content))
    return "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/"))


def d(value) -> Decimal:
    return Decimal(value)


async def test_execution_adds_up_to_the_ledger_to_the_fen(app, client, county, settings, clock):
    a = await allocation(client, county, amount="10000.03", source="central", year=YEAR)
    b = await allocation(client, county, amount="5000.01", source="linkage", year=YEAR, area="211204001000")
    industry = await implementing_project(client, county, clock, year=YEAR)
    road = await implementing_project(client, county, clock, year=YEAR, project_type="road", name="通村路")

    async def post(path, body):
        resp = await client.post(path, headers=county, json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()
    await post("/api/v1/disbursements", {"project_id": industry, "allocation_id": a["id"], "amount": "1234.56"})
    await post(f"/api/v1/projects/{industry}/fundings", {"allocation_id": b["id"], "amount": "2000.00"})
    await post("/api/v1/disbursements", {"project_id": industry, "allocation_id": b["id"], "amount": "999.99"})
    await post("/api/v1/disbursements", {"project_id": road, "allocation_id": a["id"], "amount": "0.01"})
    hid, (patient,) = await household(app, settings, grade="C", members=[{"oop": "4000.01", "year": YEAR}])
    medical = await post("/api/v1/subsidies", {"kind": "medical_relief", "household_id": str(hid),
                                               "member_id": str(patient), "period": str(YEAR), "allocation_id": b["id"]})
    assert medical["amount"] == "1000.01"              # 2000.01 × 50 % = 1000.005, rounded half up to the fen
    await post("/api/v1/subsidies", {"kind": "housing_renovation", "household_id": str(hid), "period": str(YEAR),
                                     "allocation_id": a["id"]})

    report = (await client.get("/api/v1/reports/execution", headers=county, params={"year": YEAR})).json()
    totals = report["totals"]
    assert (totals["allocated"], totals["committed"], totals["spent"]) == ("15000.04", "9234.58", "8234.57")
    assert totals["execution_rate"] == "54.90"
    assert report["ledger"] == {"disbursements": "2234.56", "subsidies": "6000.01", "returns": "0.00",
                                "spent": "8234.57"}
    sources = {r["key"]: (r["allocated"], r["committed"], r["spent"]) for r in report["by_source"]}
    assert sources == {"central": ("10000.03", "6234.57", "6234.57"), "linkage": ("5000.01", "3000.01", "2000.00")}
    types = {r["key"]: (r["committed"], r["spent"]) for r in report["by_project_type"]}
    assert types == {"industry": ("3234.56", "2234.55"), "road": ("0.01", "0.01"),
                     "subsidy:housing_renovation": ("5000.00", "5000.00"),
                     "subsidy:medical_relief": ("1000.01", "1000.01")}
    for dimension in ("by_source", "by_area", "by_project_type"):
        assert sum(d(r["spent"]) for r in report[dimension]) == d(totals["spent"]), dimension
    for dimension in ("by_source", "by_area"):
        assert sum(d(r["allocated"]) for r in report[dimension]) == d(totals["allocated"]), dimension
        assert sum(d(r["committed"]) for r in report[dimension]) == d(totals["committed"]), dimension

    async with app.state.sessions() as session:   # the ledger itself, summed independently
        ids = [a["id"], b["id"]]
        counters = (await session.execute(select(func.sum(Allocation.spent), func.sum(Allocation.committed))
                                          .where(Allocation.id.in_(ids)))).one()
        paid = (await session.execute(select(func.sum(Disbursement.amount))
                                      .where(Disbursement.allocation_id.in_(ids)))).scalar_one()
        subsidised = (await session.execute(select(func.sum(Subsidy.amount))
                                            .where(Subsidy.allocation_id.in_(ids)))).scalar_one()
    assert counters[0] == paid + subsidised == d(totals["spent"]) and counters[1] == d(totals["committed"])

    rolled = (await client.get("/api/v1/reports/execution", headers=county,
                               params={"year": YEAR, "level": "county"})).json()
    assert [(r["key"], r["spent"]) for r in rolled["by_area"]] == [("211204000000", "8234.57")]
    whole = (await client.get("/api/v1/reports/execution", headers=county)).json()
    assert sum(d(r["spent"]) for r in whole["by_project_type"]) == d(whole["totals"]["spent"]) \
        == d(whole["ledger"]["spent"])

    sheet = await client.get("/api/v1/reports/execution", headers=county, params={"year": YEAR, "format": "xlsx"})
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("application/vnd.openxml")
    strings = sheet_text(sheet.content)
    assert "8234.57" in strings and "subsidy:medical_relief" in strings

    trail = (await client.get(f"/api/v1/reports/projects/{industry}", headers=county)).json()
    assert {f["source"]: (f["committed"], f["spent"]) for f in trail["fundings"]} == {
        "central": ("1234.56", "1234.56"), "linkage": ("2000.00", "999.99")}
    assert trail["totals"]["disbursed"] == "2234.55" and [s["to_stage"] for s in trail["stages"]][-1] == "implementing"

    money_trail = (await client.get(f"/api/v1/reports/households/{hid}", headers=county)).json()
    assert money_trail["total_received"] == "6000.01" and len(money_trail["subsidies"]) == 2

    notice = (await client.get("/api/v1/notices/subsidies", headers=county, params={"period": str(YEAR)})).json()
    mine = [r for r in notice["items"] if r["household_id"] == str(hid)]
    assert sorted(r["kind"] for r in mine) == ["assistance", "housing_renovation"]
    assert all(set(r) == {"village_code", "household_id", "kind", "period", "amount", "paid_on"} for r in mine)
    assert "4000.01" not in str(notice) and "medical" not in str(notice)
    xlsx = await client.get("/api/v1/notices/subsidies", headers=county, params={"period": str(YEAR), "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert VILLAGE in sheet_text(xlsx.content)
