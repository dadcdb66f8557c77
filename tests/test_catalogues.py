"""Every literal problem text a service raises is in that service's catalogue (issue 14: Chinese first)."""

import ast
import re
from pathlib import Path

import pytest

from backstop_common.i18n import translated

ROOT = Path(__file__).resolve().parents[1]
RAISED = re.compile(r"\b(?:NotFound|Conflict|Forbidden|Unprocessable|BadRequest)\(\s*\"([^\"{]*)\"\s*[,)]")
COVERS = re.compile(r"ensure_covers\([^)\"]*\"([^\"]+)\"\)")


@pytest.mark.parametrize("service", ["registry", "monitoring", "funds", "notifications"])
def test_every_raised_literal_has_chinese(service):
    texts = set()
    for path in (ROOT / "services" / service / service).rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        texts |= {t for t in RAISED.findall(source) + COVERS.findall(source) if t.isascii()}
    assert texts, "the pattern no longer finds the service's problems"
    assert sorted(t for t in texts if not translated(t, package=service)) == []


@pytest.mark.parametrize("service", ["registry", "monitoring", "funds", "notifications"])
def test_every_message_with_values_has_chinese(service):
    """Problems, refusals, import and feed row errors built with ``msg`` (issue 14)."""
    texts = set()
    for path in (ROOT / "services" / service / service).rglob("*.py"):
        texts |= {node.args[0].value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "msg" and node.args
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    assert texts, "the pattern no longer finds the service's messages"
    assert sorted(t for t in texts if not translated(t, package=service)) == []
