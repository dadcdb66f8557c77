"""The OpenAPI documents are exact enough to build a client from (issue 14): every operation says what it does
with its Chinese term, and each document is valid OpenAPI 3.1.

Each service is built in its own interpreter (their SQLModel tables share one metadata per process).
"""

import json
import re
import subprocess
import sys

import pytest
from openapi_spec_validator import validate

SERVICES = ("registry", "monitoring", "funds", "notifications")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SCRIPT = """
import json
from {s}.config import Settings
from {s}.main import build_app
print(json.dumps(build_app(Settings()).openapi()))
"""


def document(service: str) -> dict:
    """The service's OpenAPI document as its app serves it at /openapi.json."""
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(s=service)], capture_output=True, text=True,
                         check=True, env={"BACKSTOP_ENV": "dev", "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {service: document(service) for service in SERVICES}


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method, path, op


@pytest.mark.parametrize("service", SERVICES)
def test_each_document_is_valid_openapi(documents, service):
    validate(documents[service])  # raises, naming the first invalid part


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_summary_naming_the_chinese_term_and_a_description(documents, service):
    missing = [f"{m} {p}: {op.get('summary')!r}" for m, p, op in operations(documents[service])
               if not CHINESE.search(op.get("summary", "")) or not op.get("description", "").strip()]
    assert missing == []
