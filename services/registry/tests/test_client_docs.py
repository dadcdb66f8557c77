"""docs/clients.md: every ``curl`` line with an expected status (``# → 201``) is run against the registry.

Lines run in order, sharing variables: ``$TOKEN`` (a village cadre), ``$HOUSEHOLD`` (a valid new
household), ``$KEY`` (``$(uuidgen)``), ``$HOUSEHOLD_ID`` and ``$ETAG`` (from the last 201/200 answer), ``$NEXT`` (the last sync's cursor).
"""

import json
import uuid
from pathlib import Path

from backstop_common.doc_examples import examples, request
from tests.factory import auth, household, member

DOC = Path(__file__).resolve().parents[3] / "docs" / "clients.md"
VILLAGE = "211204001001"


async def test_the_curl_examples_answer_what_the_page_says(client, settings):
    lines = examples(DOC, "REGISTRY")
    assert len(lines) >= 8
    env = {"REGISTRY": "http://registry", "TOKEN": auth(settings, area=VILLAGE)["Authorization"][7:],
           "HOUSEHOLD": json.dumps(household(VILLAGE, member())), "KEY": str(uuid.uuid4()),
           "HOUSEHOLD_ID": "", "ETAG": "", "NEXT": ""}
    created = []
    for args, status in lines:
        resp = await client.request(**request(args, env, "REGISTRY"))
        assert resp.status_code == status, (args, resp.text)
        if resp.status_code in (200, 201) and "etag" in resp.headers:
            env["ETAG"] = resp.headers["etag"]
        if resp.status_code == 200 and "next" in resp.json():
            env["NEXT"] = resp.json()["next"]  # a sync's cursor
        if resp.status_code == 201:
            created.append(resp.json()["id"])
            env["HOUSEHOLD_ID"] = created[-1]
    assert len(created) == 2 and created[0] == created[1]  # the retry answered the first household again
