"""易地搬迁 and 生态补偿 are project types of their own (seed 002: 易地搬迁后续扶持; seed 001: 生态补偿一批), so
their money shows apart in the execution report."""

from decimal import Decimal

from tests.helpers import allocation
from tests.test_ledger import implementing_project
from tests.test_projects import declare


async def test_relocation_and_ecological_compensation_are_tracked_as_their_own_types(client, county, clock):
    moved = await implementing_project(client, county, clock, name="集中安置点后续扶持车间", project_type="relocation",
                                       budget="50000.00", year=2026)
    forest = (await declare(client, county, name="生态护林员补助", project_type="ecological_compensation",
                            budget="20000.00"))
    assert forest["project_type"] == "ecological_compensation"
    alloc = await allocation(client, county, amount="50000.00", purpose="易地搬迁后续扶持")
    paid = await client.post("/api/v1/disbursements", headers=county,
                             json={"project_id": moved, "allocation_id": alloc["id"], "amount": "12345.60"})
    assert paid.status_code == 201, paid.text
    report = (await client.get("/api/v1/reports/execution", headers=county, params={"year": 2026})).json()
    relocation = [r for r in report["by_project_type"] if r["key"] == "relocation"]
    assert relocation and Decimal(relocation[0]["spent"]) >= Decimal("12345.60")   # other tests may add more
    listed = (await client.get("/api/v1/projects", headers=county,
                               params={"project_type": "ecological_compensation"})).json()["items"]
    assert forest["id"] in {p["id"] for p in listed}
