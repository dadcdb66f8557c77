"""docker-compose.yml is valid compose and names only what exists in the code."""

import subprocess
import sys
from pathlib import Path

import yaml

from backstop_common import devstack
from backstop_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_is_built_from_its_own_dockerfile_on_its_port():
    for service, port in devstack.SERVICES.items():
        spec = COMPOSE["services"][service]
        dockerfile = ROOT / spec["build"]["dockerfile"]
        assert dockerfile.is_file()
        text = dockerfile.read_text()
        assert f"uvicorn {service}.main:app" in text and f"--port {port}" in text
        assert (ROOT / "services" / service / service / "main.py").is_file()
        assert spec["ports"] == [f"{port}:{port}"]
        assert spec["environment"]["DATABASE_URL"].endswith(f"/{service}")
    init_sql = (ROOT / "deploy/postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE {s};" in init_sql for s in devstack.SERVICES)


def _variables(settings: type[ServiceSettings]) -> set[str]:
    """The variable names a settings class reads (its prefix on plain fields, aliases as named)."""
    prefix = (settings.model_config.get("env_prefix") or "").upper()
    known = {"DATABASE_URL"}
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        known |= {c.upper() for c in getattr(alias, "choices", [])} if alias else {prefix + name.upper()}
    return known


def test_every_variable_it_sets_is_read_by_the_settings():
    import importlib

    for service in devstack.SERVICES:
        known = _variables(importlib.import_module(f"{service}.config").Settings)
        for variable in COMPOSE["services"][service]["environment"]:
            assert variable in known, f"{service} sets {variable}, which no setting reads"
    assert COMPOSE["services"]["kafka"]["image"].startswith("apache/kafka")
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres")
