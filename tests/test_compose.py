"""docker-compose.yml and the Dockerfiles, read as an ops team would run them (no Docker engine here).

The compose file is rendered with an env file the way `docker compose --env-file` does (interpolation,
`env_file`, `environment` on top), and each service's own Settings class is built from what its container
would get: that, not a hand-kept list, decides which variables matter.
"""

import importlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.main import get_command

from backstop_common import devstack
from backstop_common.cli import app as cli
from backstop_common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
EXAMPLE = (ROOT / "deploy/backstop.env.example").read_text()
SECRET = "k3Yq0bW9m2Lr7vTz1xN8pD4sF6hJ5gC0aE"  # 34 random-looking bytes: what an operator would set
SUPERVISION_KEY = "q4H2mJ3vXWd1n0c9Zt8pL6sKf5bR7yAe2uVgTiOxNw0="  # a Fernet key, as the example says to make
PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines; a value in double quotes may span lines (compose's env_file rules)."""
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        if value.startswith('"'):
            while not (value.endswith('"') and len(value) > 1):
                value += "\n" + next(lines)
            value = value[1:-1]
        values[key.strip()] = value
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in (":?", "?") and not (value if op == ":?" else value is not None):
            raise ValueError(f"required variable {name} is missing: {arg}")
        if op in (":-", "-") and not (value if op == ":-" else value is not None):
            return arg
        return value or ""

    return INTERPOLATION.sub(substitute, text.replace("$$", "\0")).replace("\0", "$")


def render(env_text: str) -> dict:
    """What `docker compose --env-file <file> config` prints, for the parts we check."""
    env = parse_env_file(env_text)
    compose = yaml.safe_load(interpolate(COMPOSE_TEXT, env))
    for spec in compose["services"].values():
        container_env = parse_env_file(env_text) if spec.get("env_file") else {}
        container_env.update({k: str(v) for k, v in (spec.get("environment") or {}).items()})
        spec["container_env"] = container_env
    return compose


def operator_env(**changes: str | None) -> str:
    """deploy/backstop.env as an operator fills it in from the example."""
    values = parse_env_file(EXAMPLE) | {"POSTGRES_PASSWORD": "pg-" + SECRET, "JWT_SECRET": SECRET,
                                        "MONITORING_SUPERVISION_KEY": SUPERVISION_KEY}
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return "\n".join(f'{k}="{v}"' if "\n" in v else f"{k}={v}" for k, v in values.items())


def settings_class(service: str) -> type[ServiceSettings]:
    return importlib.import_module(f"{service}.config").Settings


def variables_read(settings: type[ServiceSettings]) -> set[str]:
    """Every environment variable a Settings class reads: its prefix + field name, or the field's aliases."""
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings.model_fields.items():
        choices = getattr(field.validation_alias, "choices", None)
        names |= {c.upper() for c in choices} if choices else {(prefix + name).upper()}
    return names


def settings_in_container(service: str, container_env: dict[str, str], monkeypatch) -> ServiceSettings:
    read = variables_read(settings_class(service))
    for variable in read | set(container_env):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in container_env.items():
        monkeypatch.setenv(variable, value)
    return settings_class(service)()


def test_compose_file_matches_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", devstack.SERVICES)
def test_every_service_gets_the_settings_its_settings_class_reads(service, monkeypatch):
    compose = render(operator_env())
    spec = compose["services"][service]
    used_by_compose = {m["name"] for m in INTERPOLATION.finditer(COMPOSE_TEXT)}
    # one env file serves every container, so a variable another service reads is no mistake
    read_anywhere = set().union(*(variables_read(settings_class(s)) for s in (*devstack.SERVICES, "console")))
    unread = set(spec["container_env"]) - read_anywhere - used_by_compose
    assert not unread, f"{service} is given {unread}, which no Settings class reads"
    assert set(spec["environment"]) <= variables_read(settings_class(service)), "wiring for another service"

    settings = settings_in_container(service, spec["container_env"], monkeypatch)
    defaults = settings_class(service)()  # what the class falls back to on its own
    for name, field in ServiceSettings.model_fields.items():
        if "127.0.0.1" in str(field.default) or "127.0.0.1" in str(getattr(defaults, name)):
            assert "127.0.0.1" not in str(getattr(settings, name)), f"{service}.{name} still points at loopback"
    assert settings.database_url.endswith(f"@postgres:5432/{service}")
    assert settings.kafka_enable_idempotence and settings.backstop_env != "dev"
    assert settings.jwt_secret == SECRET and settings.secret_problem() is None


@pytest.mark.parametrize("service", devstack.SERVICES)
def test_the_identity_providers_key_reaches_every_service(service, monkeypatch):
    spec = render(operator_env(JWT_SECRET=None, JWT_PUBLIC_KEY=PUBLIC_KEY, JWT_ALGORITHM="RS256"))
    settings = settings_in_container(service, spec["services"][service]["container_env"], monkeypatch)
    assert (settings.jwt_public_key, settings.jwt_algorithm) == (PUBLIC_KEY, "RS256")
    assert settings.secret_problem() is None


@pytest.mark.parametrize("secret", [None, "", "change-me", "backstop-dev-secret-change-me-in-production", "short"])
def test_a_missing_or_weak_secret_is_refused_outside_dev(secret, monkeypatch):
    spec = render(operator_env(JWT_SECRET=secret))["services"]["registry"]
    settings = settings_in_container("registry", spec["container_env"], monkeypatch)
    assert settings.secret_problem() is not None
    monkeypatch.setenv("BACKSTOP_ENV", "dev")
    assert settings_class("registry")().secret_problem() is None


def test_monitoring_refuses_to_start_without_its_supervision_key(monkeypatch):
    spec = render(operator_env(MONITORING_SUPERVISION_KEY=None))["services"]["monitoring"]
    settings = settings_in_container("monitoring", spec["container_env"], monkeypatch)
    assert "MONITORING_SUPERVISION_KEY" in settings.secret_problem()


def test_compose_refuses_to_render_without_a_database_password():
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        render(operator_env(POSTGRES_PASSWORD=None))


def test_every_service_is_built_from_the_one_template_as_itself_on_its_port():
    compose = render(operator_env())
    for service, port in devstack.SERVICES.items():
        spec = compose["services"][service]
        assert spec["build"]["dockerfile"] == TEMPLATE and spec["build"]["context"] == "."
        assert spec["build"]["args"] == {"SERVICE": service, "PORT": str(port)}
        assert spec["ports"] == [f"{port}:{port}"]
        assert f"127.0.0.1:{port}/readyz" in " ".join(spec["healthcheck"]["test"])
    assert compose["services"]["bootstrap"]["build"]["args"]["SERVICE"] == "registry"  # the image holding the CLI
    assert not list((ROOT / "services").glob("*/Dockerfile")), "a service's own Dockerfile: use the template"
    init_sql = (ROOT / "deploy/postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE {s};" in init_sql for s in devstack.SERVICES)


def test_the_database_and_the_broker_are_published_on_loopback_only():
    compose = render(operator_env())
    for name in ("postgres", "kafka"):
        assert all(str(p).startswith("127.0.0.1:") for p in compose["services"][name]["ports"]), name


def test_kafka_advertises_a_listener_for_the_containers_and_one_for_the_host():
    kafka = render(operator_env(KAFKA_HOST_PORT="19092"))["services"]["kafka"]
    env = kafka["container_env"]
    advertised = dict(reversed(x.split("://")) for x in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    listeners = {name: addr.rsplit(":", 1)[1] for name, addr in
                 (x.split("://") for x in env["KAFKA_LISTENERS"].split(","))}
    assert advertised["kafka:9092"] == env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    host_listener = advertised["127.0.0.1:19092"]
    assert f"127.0.0.1:19092:{listeners[host_listener]}" in kafka["ports"]
    assert all(f"{name}:" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] for name in listeners)
    for service in devstack.SERVICES:
        assert render(operator_env())["services"][service]["container_env"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_images_are_pinned_by_exact_tag():
    compose = render(operator_env())
    for name in ("postgres", "kafka"):
        assert re.search(r":\d+\.\d+(\.\d+)?(-[\w.]+)?(@sha256:\w+)?$", compose["services"][name]["image"]), name


TEMPLATE = "deploy/Dockerfile"
IMAGES = [*devstack.SERVICES, "console"]


def build_args(service: str) -> dict[str, str]:
    """What compose hands the template for ``service``, over the template's own defaults."""
    steps = instructions((ROOT / TEMPLATE).read_text())
    defaults = dict(a.split("=", 1) for op, a in steps if op == "ARG" and "=" in a)
    given = render(operator_env())["services"][service]["build"]["args"]
    return {k: v.strip('"') for k, v in defaults.items()} | given


def dockerfile(service: str) -> str:
    """The template as ``docker build`` reads it for ``service``: its build args expanded."""
    text = (ROOT / TEMPLATE).read_text()
    for name, value in build_args(service).items():
        text = text.replace("${" + name + "}", value)
    return text


def instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    return [tuple(line.split(None, 1)) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#") and len(line.split(None, 1)) == 2]


def image_env(service: str) -> dict[str, str]:
    """The ENV of the image's final stage (``KEY=VALUE`` pairs)."""
    steps = instructions(dockerfile(service))
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    return dict(pair.split("=", 1) for op, arg in final if op == "ENV" for pair in shlex.split(arg))


def expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m[1], m[0]), text)


@pytest.mark.parametrize("service", IMAGES)
def test_images_are_multi_stage_pinned_non_root_with_dependencies_before_source(service):
    steps = instructions(dockerfile(service))
    args = dict(a.split("=", 1) for op, a in steps if op == "ARG" and "=" in a)
    bases = [args.get(arg.split()[0].strip("${}"), arg.split()[0]) for op, arg in steps if op == "FROM"]
    assert len(bases) >= 2 and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:\w+)?", b) for b in bases)
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1] not in ("root", "0"), "the final stage must run as a non-root user"
    copies = [arg for op, arg in steps if op == "COPY"]
    lock = next(i for i, c in enumerate(copies) if "uv.lock" in c)
    source = next(i for i, c in enumerate(copies) if c.split()[0] == f"services/{service}")
    install = next(i for i, (op, arg) in enumerate(steps) if op == "RUN" and "--require-hashes" in arg)
    assert lock < source and steps.index(("COPY", copies[source])) > install
    assert any(op == "HEALTHCHECK" for op, _ in final)


def cli_commands() -> dict:
    return get_command(cli).commands


def assert_command_exists(argv: list[str]) -> None:
    """`backstop <sub> ...` names a real subcommand; `uvicorn pkg.mod:app` names an importable app."""
    program = argv[0]
    assert (Path(sys.executable).parent / program).exists(), f"{program} is not installed"
    if program == "backstop":
        group, rest = cli_commands(), argv[1:]
        while rest and hasattr(group.get(rest[0]), "commands"):
            group, rest = group[rest[0]].commands, rest[1:]
        assert rest and rest[0] in group, f"backstop has no command {argv[1:]}"
    if program == "uvicorn":
        # read, not imported: four services' models in one process would clash in SQLModel's metadata
        module, _, attribute = argv[1].partition(":")
        spec = importlib.util.find_spec(module)
        assert spec and re.search(rf"^{attribute}\s*=", Path(spec.origin).read_text(), re.M), argv[1]


def container_command(service: str) -> list[str]:
    """What the container runs: compose's ``command``, else the image's CMD with the image's ENV expanded."""
    spec = render(operator_env())["services"][service]
    if "command" in spec:
        return spec["command"]
    argv = yaml.safe_load(next(arg for op, arg in instructions(dockerfile(service)) if op == "CMD"))
    return [expand(word, image_env(service)) for word in argv]


@pytest.mark.parametrize("service", IMAGES)
def test_the_images_commands_exist_in_the_installed_packages_and_serve_that_service(service):
    argv = container_command(service)
    script = argv[-1] if argv[:2] == ["sh", "-c"] else shlex.join(argv)
    steps = [shlex.split(step) for step in script.split("&&")]
    for words in steps:
        assert_command_exists(words[1:] if words[0] == "exec" else words)
    port = devstack.SERVICES.get(service, 8000)
    assert steps[-1][-7:] == ["uvicorn", f"{service}.main:app", "--host", "0.0.0.0", "--port", str(port),
                              "--no-access-log"]
    if service in devstack.SERVICES:  # a service migrates its own database and creates the topics first
        assert steps[:2] == [["backstop", "migrate", service], ["backstop", "topics"]]
    health = next(arg for op, arg in instructions(dockerfile(service)) if op == "HEALTHCHECK").split("CMD", 1)[1]
    probe = shlex.split(expand(health, image_env(service)))
    assert_command_exists(probe)
    assert probe[-1] == f"http://127.0.0.1:{port}/{'readyz' if service in devstack.SERVICES else 'healthz'}"


def test_compose_commands_and_healthchecks_exist_in_the_installed_packages():
    compose = render(operator_env())
    for name, spec in compose["services"].items():
        if "build" not in spec:
            continue
        if "command" in spec:
            assert_command_exists(spec["command"])
        if "healthcheck" in spec:
            assert_command_exists(spec["healthcheck"]["test"][1:])


def test_the_build_context_leaves_out_the_virtualenv_and_the_data():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".data", ".git", "deploy/backstop.env"} <= ignored


def test_the_one_lock_file_matches_every_pyproject_in_the_repository():
    """A dependency added without `make lock` fails here (offline: nothing is re-resolved)."""
    uv = Path(sys.executable).parent / "uv"
    result = subprocess.run([str(uv), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"uv.lock is stale, run `make lock`:\n{result.stderr}"
    members = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert set(devstack.SERVICES) <= members


def test_make_install_and_the_images_install_only_what_the_lock_pins():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes" in makefile and "uv export --locked" in makefile
    for service in IMAGES:
        text = dockerfile(service)
        assert f"uv export --frozen --package backstop-{service}" in text and "--require-hashes" in text
        # the kernel, the event payloads (libs/events; not for the console), then the service itself
        libs = "libs/common" if service == "console" else "libs/common libs/events"
        assert re.search(rf"pip install --no-deps {libs} services/{service}$", text, re.M)
        assert "COPY libs/events libs/events" in text


def exported_series() -> set[str]:
    """Every series name the services export, from the metric objects themselves."""
    from prometheus_client import Counter, Histogram
    from prometheus_client.metrics import MetricWrapperBase

    from backstop_common import metrics

    names = set()
    for module in (metrics, importlib.import_module("notifications.metrics")):
        for metric in vars(module).values():
            if isinstance(metric, MetricWrapperBase):
                suffixes = {Counter: ["_total"], Histogram: ["_bucket", "_sum", "_count"]}.get(type(metric), [""])
                names |= {metric._name + suffix for suffix in suffixes}
    return names


def series_in(expr: str) -> set[str]:
    return set(re.findall(r"\b(backstop_\w+|up)\b(?=\s*[{\[)]|\s*[/>=<]|\s*$|\s+and\b)", expr))


def test_alert_rules_and_the_dashboard_read_only_series_the_services_export():
    exported = exported_series() | {"up"}
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"][0]["rules"]
    dashboard = json.loads((ROOT / "deploy/grafana/backstop-dashboard.json").read_text())
    exprs = [r["expr"] for r in rules] + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(series_in(e) for e in exprs))
    assert used and used <= exported, used - exported
    for wanted in ("backstop_outbox_unsent_events", "backstop_consumer_lag_records",
                   "backstop_events_dead_lettered_total", "backstop_http_requests_total"):
        assert any(wanted in r["expr"] for r in rules), f"no alert reads {wanted}"
    runbook = (ROOT / "docs/operations.md").read_text()
    for rule in rules:
        assert f"### {rule['alert']}" in runbook, f"docs/operations.md has no runbook entry for {rule['alert']}"


def test_the_console_is_built_from_its_dockerfile_calls_the_services_by_name_and_needs_its_session_secret():
    compose = render(operator_env(CONSOLE_SESSION_SECRET="s-" + SECRET))
    spec = compose["services"]["console"]
    assert spec["build"]["dockerfile"] == TEMPLATE and spec["build"]["args"]["SERVICE"] == "console"
    assert spec["ports"] == ["8000:8000"]
    assert set(spec["environment"]) <= variables_read(settings_class("console"))
    env = spec["container_env"]
    assert "DATABASE_URL" not in spec["environment"] and env.get("CONSOLE_DEMO_LOGIN") in (None, "", "false")
    assert [env[f"CONSOLE_{s.upper()}_URL"] for s in devstack.SERVICES] == [
        f"http://{s}:{port}" for s, port in devstack.SERVICES.items()]
    settings_class("console")  # importable
    from console.config import Settings

    assert Settings(backstop_env="production", session_secret="s-" + SECRET).secret_problem() is None
    assert Settings(backstop_env="production").secret_problem()  # no secret: refuses to start
    assert_command_exists(container_command("console"))
