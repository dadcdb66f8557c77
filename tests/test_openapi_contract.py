"""The OpenAPI documents are exact enough to build a client from (issue 14): every operation says what it does
with its Chinese term, and each document is valid OpenAPI 3.1.

Each service is built in its own interpreter (their SQLModel tables share one metadata per process).
"""

import json
import re
import subprocess
import sys

import jsonschema
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


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize("service", SERVICES)
def test_every_action_segment_is_an_enum_of_the_actions(documents, service):
    doc = documents[service]
    free = [f"{m} {p}" for m, p, op in operations(doc) for param in op.get("parameters", [])
            if param["in"] == "path" and param["name"] == "action" and "enum" not in resolve(doc, param["schema"])]
    assert free == []
    if service == "monitoring":
        case = doc["paths"]["/api/v1/cases/{case_id}/{action}"]["post"]["parameters"]
        action = resolve(doc, next(p for p in case if p["name"] == "action")["schema"])
        assert {"verify", "post-notice", "confirm", "eliminate"} <= set(action["enum"])


def _bare(doc: dict, schema: dict) -> bool:
    """A body a client cannot type: no schema, or an object without properties or typed values."""
    schema = resolve(doc, schema)
    if schema == {}:
        return True
    if "anyOf" in schema:
        return any(_bare(doc, s) for s in schema["anyOf"] if s.get("type") != "null")
    return schema.get("type") == "object" and not schema.get("properties") \
        and schema.get("additionalProperties", True) in (True, {})


@pytest.mark.parametrize("service", SERVICES)
def test_no_operation_answers_an_untyped_body(documents, service):
    doc = documents[service]
    untyped = [f"{m} {p} {code}" for m, p, op in operations(doc) for code, answer in op["responses"].items()
               if code.startswith("2") and "application/json" in answer.get("content", {})
               and _bare(doc, answer["content"]["application/json"].get("schema", {}))]
    assert untyped == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_schema_has_a_name_a_generator_can_use(documents, service):
    """Two models of one name in different modules become ``module__path__Name``: generators choke on those."""
    assert [name for name in documents[service]["components"]["schemas"] if "__" in name] == []


def _body_schemas(doc: dict):
    for method, path, op in operations(doc):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            schema = content.get("schema", {})
            schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
            yield f"{method} {path} {media}", content, schema


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_has_an_example_valid_against_its_schema(documents, service):
    doc = documents[service]
    validator = jsonschema.Draft202012Validator
    missing, invalid = [], []
    for where, content, schema in _body_schemas(doc):
        examples = [*content.get("examples", {}).values()] or [{"value": e} for e in resolve(doc, schema).get(
            "examples", schema.get("examples", []))]
        if not examples:
            missing.append(where)
        for example in examples:
            errors = list(validator({**schema, "components": doc["components"]},
                                    format_checker=validator.FORMAT_CHECKER).iter_errors(example["value"]))
            invalid += [f"{where}: {e.message}" for e in errors]
    assert missing == []
    assert invalid == []
