"""docs/clients.md: every ``$NOTIFICATIONS`` ``curl`` line with an expected status (``# → 201``) runs here.

Lines run in order, sharing ``$ADMIN_TOKEN`` (the county office), ``$TOKEN`` (a village cadre) and
``$WEBHOOK_ID`` (from the last 201 answer).
"""

from pathlib import Path

from backstop_common.doc_examples import examples, request
from backstop_common.testing import bearer

from .conftest import COUNTY

DOC = Path(__file__).resolve().parents[3] / "docs" / "clients.md"


async def test_the_webhook_examples_answer_what_the_page_says(client, settings):
    lines = examples(DOC, "NOTIFICATIONS")
    assert len(lines) >= 5
    env = {"NOTIFICATIONS": "http://notifications", "WEBHOOK_ID": "",
           "ADMIN_TOKEN": bearer(settings, "county_admin", COUNTY)["Authorization"][7:],
           "TOKEN": bearer(settings, "village_cadre", "211204001001")["Authorization"][7:]}
    for args, status in lines:
        resp = await client.request(**request(args, env, "NOTIFICATIONS"))
        assert resp.status_code == status, (args, resp.text)
        if status == 201:
            assert resp.json()["secret"].startswith("whsec_")
            env["WEBHOOK_ID"] = resp.json()["id"]
    gone = await client.get(f"/api/v1/webhooks/{env['WEBHOOK_ID']}", headers={
        "Authorization": f"Bearer {env['ADMIN_TOKEN']}"})
    assert gone.status_code == 404
