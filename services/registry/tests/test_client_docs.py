"""docs/clients.md: every ``curl`` line with an expected status (``# → 201``) is run against the registry.

Lines run in order, sharing variables: ``$TOKEN`` (a village cadre), ``$HOUSEHOLD`` (a valid new
household), ``$KEY`` (``$(uuidgen)``), ``$HOUSEHOLD_ID`` and ``$ETAG`` (from the last 201/200 answer).
"""

import json
import re
import shlex
import uuid
from pathlib import Path

from tests.factory import auth, household, member

DOC = Path(__file__).resolve().parents[3] / "docs" / "clients.md"
LINE = re.compile(r"^curl (?P<args>.*?)\s+# → (?P<status>\d{3})\s*$")
VILLAGE = "211204001001"


def _examples() -> list[tuple[str, int]]:
    return [(m["args"], int(m["status"])) for m in map(LINE.match, DOC.read_text().splitlines()) if m]


def _request(args: str, env: dict) -> dict:
    words = [re.sub(r"\$(\w+)", lambda m: env[m[1]], word) for word in shlex.split(args)]  # as the shell would
    request, words = {"method": "GET", "headers": {}}, iter(words)
    for word in words:
        if word == "-X":
            request["method"] = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            request["headers"][name.strip()] = value.strip()
        elif word == "-d":
            request["content"] = next(words).encode()
        elif not word.startswith("-"):
            request["url"] = word.removeprefix("http://registry")
    return request


async def test_the_curl_examples_answer_what_the_page_says(client, settings):
    examples = _examples()
    assert len(examples) >= 8
    env = {"REGISTRY": "http://registry", "TOKEN": auth(settings, area=VILLAGE)["Authorization"][7:],
           "HOUSEHOLD": json.dumps(household(VILLAGE, member())), "KEY": str(uuid.uuid4()),
           "HOUSEHOLD_ID": "", "ETAG": ""}
    created = []
    for args, status in examples:
        resp = await client.request(**_request(args, env))
        assert resp.status_code == status, (args, resp.text)
        if resp.status_code in (200, 201) and "etag" in resp.headers:
            env["ETAG"] = resp.headers["etag"]
        if resp.status_code == 201:
            created.append(resp.json()["id"])
            env["HOUSEHOLD_ID"] = created[-1]
    assert len(created) == 2 and created[0] == created[1]  # the retry answered the first household again
