"""One example per request body, in the OpenAPI document (issue 14): ``@example({...})`` on the input model.

The example belongs to that model only, not to the models that extend it (a read model that inherits a create
model's fields must not show an example without its id); ``tests/test_openapi_contract.py`` checks every request
body has one and that it is valid against the body's schema."""

from typing import Any

_EXAMPLES: dict[type, dict[str, Any]] = {}


def example(value: dict[str, Any]):
    """Class decorator for a pydantic model: ``value`` is the example of its JSON schema."""

    def mark(cls):
        _EXAMPLES[cls] = value
        cls.model_config["json_schema_extra"] = _add_example
        return cls

    return mark


def _add_example(schema: dict[str, Any], cls: type) -> None:
    if cls in _EXAMPLES:
        schema["examples"] = [_EXAMPLES[cls]]
