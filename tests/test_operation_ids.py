"""Readable, stable operation ids (issue 14): ``<resource>.<verb>``, unique in each service's document.

Each service is built in its own interpreter (their SQLModel tables share one metadata per process).
"""

import json
import re
import subprocess
import sys

import pytest

DOTTED = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
SCRIPT = """
import json
from {s}.config import Settings
from {s}.main import build_app
def ids():
    doc = build_app(Settings()).openapi()
    return [[m, p, op["operationId"]] for p, item in doc["paths"].items() for m, op in item.items()]
print(json.dumps([ids(), ids()]))
"""


def _ids(service: str) -> list[list[list[str]]]:
    """Two builds of the service's document: (method, path, operation id) of each operation."""
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(s=service)], capture_output=True, text=True,
                         check=True, env={"BACKSTOP_ENV": "dev", "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("service", ["registry", "monitoring", "funds", "notifications"])
def test_operation_ids_are_dotted_unique_and_stable(service):
    first, second = _ids(service)
    ids = [op for _, _, op in first]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not DOTTED.match(i)] == []
    assert second == first  # the same from one build to the next
    if service == "registry":
        assert ["get", "/api/v1/households", "households.list"] in first
    if service == "monitoring":
        assert ["get", "/api/v1/cases/{case_id}", "cases.read"] in first
