"""Each service's ``/asyncapi.json`` as a subscriber's team would use it: it validates as AsyncAPI 3.0 (the
official JSON schema of ``@asyncapi/specs`` 6.11.1, vendored in tests/fixtures), every ``$ref`` resolves, every
event type the service publishes is there with an example its schema accepts, and payload models generated
from the document (datamodel-code-generator, as a client would) parse a real event off the broker."""

import importlib.util
import json
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest
from datamodel_code_generator import DataModelType, InputFileType, generate

from backstop_common.envelope import event_type
from backstop_common.testing import read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_events import funds, monitoring, notifications, registry
from tests.support import new_household

ASYNCAPI_3 = json.loads((Path(__file__).parent / "fixtures" / "asyncapi-3.0.0.schema.json").read_text())
CONTRACTS = {"registry": registry.catalog, "monitoring": monitoring.catalog, "funds": funds.catalog,
             "notifications": notifications.catalog}


async def _document(stack, service: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.get(f"{stack.url(service)}/asyncapi.json")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _refs(node, path="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from _refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{path}/{i}")


def _resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve (no {part!r})"
        node = node[part]
    return node


def test_the_vendored_schema_tells_a_wrong_document_apart():
    validator = jsonschema.Draft7Validator(ASYNCAPI_3)
    assert not validator.is_valid({"asyncapi": "3.0.0", "info": {"title": "x"}})  # no version
    assert not validator.is_valid({"asyncapi": "3.0.0", "info": {"title": "x", "version": "1"},
                                   "operations": {"o": {"action": "publish"}}})  # 2.x wording
    assert validator.is_valid({"asyncapi": "3.0.0", "info": {"title": "x", "version": "1"}})


@pytest.mark.parametrize("service", list(CONTRACTS))
async def test_the_document_is_asyncapi_3_with_every_ref_resolving_and_an_example_per_event(stack, service):
    doc = await _document(stack, service)
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
              for e in jsonschema.Draft7Validator(ASYNCAPI_3).iter_errors(doc)]
    assert not errors, errors
    for _, ref in _refs(doc):
        _resolve(doc, ref)
    messages = {m["name"]: m for m in doc["components"]["messages"].values()}
    published = {entry.type for entry in CONTRACTS[service].published}
    assert published <= set(messages), sorted(published - set(messages))
    for full_type in published:
        message = messages[full_type]
        [example] = message["examples"]
        schema = {**message["payload"], "components": doc["components"]}  # its refs resolve from this root
        jsonschema.Draft202012Validator(schema).validate(example["payload"])
        jsonschema.Draft202012Validator(message["headers"]).validate(example["headers"])
        assert example["headers"]["ce_type"] == full_type


def _generated_models(doc: dict, tmp_path: Path, name: str):
    """The payload schemas as datamodel-code-generator reads them: the components of an OpenAPI document,
    whose ``#/components/schemas/...`` refs are the same paths as the AsyncAPI document's."""
    source = {"openapi": "3.1.0", "info": {"title": name, "version": "1"}, "paths": {},
              "components": {"schemas": doc["components"]["schemas"]}}
    output = tmp_path / f"{name}_models.py"
    generate(json.dumps(source), input_file_type=InputFileType.OpenAPI, output=output,
             output_model_type=DataModelType.PydanticV2BaseModel)
    spec = importlib.util.spec_from_file_location(f"{name}_models", output)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_models_generated_from_the_document_parse_a_real_event(stack, demo_areas, tmp_path):
    doc = await _document(stack, "registry")
    models = _generated_models(doc, tmp_path, "registry_events")
    async with httpx.AsyncClient(timeout=30) as client:
        household = await new_household(client, stack, "211204001001")
    registered = event_type("registry", "household.registered")
    [event] = await read_events(stack.bootstrap, REGISTRY_HOUSEHOLD, until=lambda es: len(es) >= 1, timeout=30,
                                where=lambda e: e.type == registered and e.subject == household["id"])
    parsed = models.HouseholdRegistered.model_validate(event.data)
    assert str(parsed.household_id) == household["id"]
    assert parsed.village_code == "211204001001"
    assert len(parsed.members) == 2 and all(m.member_id for m in parsed.members)
    # and the shared model the consumers parse into reads the same record the same way
    assert registry.HouseholdRegistered.model_validate(event.data).model_dump(mode="json") == \
        registry.HouseholdRegistered.model_validate(parsed.model_dump(mode="json")).model_dump(mode="json")
