"""Request-validation errors in the caller's language; ``loc`` and ``type`` stay as pydantic gives them.

pydantic writes each error's ``msg`` in English from a template per error ``type``
(``pydantic_core.list_all_errors()``); the kernel's catalogue holds those templates' Chinese, filled with
the error's ``ctx``. A validator's own ``ValueError`` text (``value_error``) is looked up in the service's
catalogue as a whole, like any problem detail.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from pydantic_core._pydantic_core import list_all_errors  # not re-exported by pydantic_core

from backstop_common.i18n import EN, current_language, message_of, translate


@cache
def templates() -> dict[str, str]:
    """pydantic's English message template for each error type."""
    return {e["type"]: e["message_template_python"] for e in list_all_errors()}


def localized(error: Mapping[str, Any], language: str | None = None) -> str:
    language = language or current_language()
    english = str(error.get("msg", ""))
    template = templates().get(error.get("type", ""))
    if language == EN or template is None:
        return english if language == EN else translate(english, language)
    ctx = {k: _value(v, language) for k, v in (error.get("ctx") or {}).items()}
    try:
        return translate(template, language).format_map(_Plural(ctx))
    except (KeyError, IndexError, ValueError):
        return translate(english, language)


def _value(value: Any, language: str) -> Any:
    if isinstance(value, Exception):  # value_error / assertion_error: the validator's own words
        return translate(message_of(value), language)
    return value


class _Plural(dict):
    """Chinese has no plural: ``{expected_plural}`` in a template is empty."""

    def __missing__(self, key: str) -> str:
        if key == "expected_plural":
            return ""
        raise KeyError(key)


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "msg": localized(e), "type": e.get("type", "")} for e in errors]
