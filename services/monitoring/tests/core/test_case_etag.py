"""Case detail for browsers and phones (issue 14): ETag, 304 while unchanged, a new tag once it changes."""

import uuid

from backstop_common.testing import bearer

from .support import income, registered, wait_for_case

VILLAGE = "211204002001"


async def test_case_detail_is_304_until_the_case_changes(app, client, feed, settings):
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, poverty_status="lifted"), income(hh, VILLAGE, "5200.00"))
    case = await wait_for_case(app, hh)
    cadre = bearer(settings, "village_cadre", VILLAGE, subject="cadre-etag")
    first = await client.get(f"/api/v1/cases/{case.id}", headers=cadre)
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
    same = await client.get(f"/api/v1/cases/{case.id}", headers=cadre | {"If-None-Match": first.headers["etag"]})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == first.headers["etag"]
    township = bearer(settings, "township_staff", "211204002000")
    other_role = await client.get(f"/api/v1/cases/{case.id}", headers=township | {"If-None-Match": first.headers["etag"]})
    assert other_role.status_code == 200  # another role's actions: another answer, another tag
    acted = await client.post(f"/api/v1/cases/{case.id}/verify", json={"note": "入户核实, authorisation signed"},
                              headers=cadre | {"If-Match": str(first.json()["version"])})
    assert acted.status_code == 200, acted.text
    changed = await client.get(f"/api/v1/cases/{case.id}", headers=cadre | {"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]
