"""The `backstop` commands an operator runs, as a child process the way a shell or a container runs them."""

import asyncio
import http.server
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.protocol.admin import CreateTopicsResponse_v1

from backstop_common import devstack, topics
from backstop_common.demo.county import areas
from backstop_common.kafka import TopicsNotCreated, _raise_topic_errors

from tests.support import admin

CLEAN_ENV = {k: v for k, v in os.environ.items()
             if not k.endswith(("_DATABASE_URL", "_URL")) and k not in ("DATABASE_URL", "BACKSTOP_DATA_DIR")}


def backstop(*args: str, cwd=None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backstop_common.cli", *args], capture_output=True, text=True,
                          env={**CLEAN_ENV, **env}, cwd=cwd, timeout=120)


def test_version_is_printed():
    result = backstop("--version")
    assert result.returncode == 0 and result.stdout.startswith("backstop ")


@pytest.mark.parametrize("command", [["migrate", "regsitry"], ["outbox", "replay", "fund", "--since", "2026-11-01T00:00:00+08:00"]])
def test_an_unknown_service_name_is_refused_naming_the_known_ones(command):
    result = backstop(*command)
    assert result.returncode == 2
    assert all(service in result.stderr for service in devstack.SERVICES), result.stderr


def test_migrate_says_from_which_revision_to_which(pg_server):
    url = asyncio.run(devstack.create_database(pg_server, "ops_migrate", recreate=True))
    first = backstop("migrate", "funds", DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    assert "funds: migrated empty database -> " in first.stdout
    head = first.stdout.strip().rsplit(" ", 1)[1]
    again = backstop("migrate", "funds", DATABASE_URL=url)
    assert again.stdout.strip() == f"funds: already at {head}, nothing to do"


def test_outbox_replay_reads_database_url_as_inside_a_container(stack, tmp_path):
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    refused = backstop("outbox", "replay", "registry", "--since", since)
    assert refused.returncode == 2 and "DATABASE_URL" in refused.stderr
    result = backstop("outbox", "replay", "registry", "--since", since, DATABASE_URL=stack.database_url("registry"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("events queued for republishing by registry's relay")


def test_a_topic_the_broker_refuses_fails_topic_creation_naming_it():
    response = CreateTopicsResponse_v1(topic_errors=[
        ("created", 0, None), ("raced", TopicAlreadyExistsError.errno, "exists"),
        ("refused", 38, "Replication factor: 3 larger than available brokers: 1")])
    with pytest.raises(TopicsNotCreated) as refused:
        _raise_topic_errors(response)
    assert "refused" in str(refused.value) and "raced" not in str(refused.value)
    assert "larger than available brokers" in str(refused.value)


async def _partitions(bootstrap: str) -> dict[str, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return {t: len(consumer.partitions_for_topic(t) or ()) for t in await consumer.topics()}
    finally:
        await consumer.stop()


def test_up_on_an_operators_broker_creates_the_topics_as_backstop_topics_does(tmp_path):
    """`backstop up` with KAFKA_BOOTSTRAP_SERVERS starts no broker of its own: it creates the topics the services
    need on the one given, with KAFKA_PARTITIONS (it used 3 whatever was set), and the stack runs on it."""
    port = devstack.free_port()
    broker = devstack.start_broker(port, tmp_path / "broker.log")
    try:
        bootstrap = f"127.0.0.1:{port}"
        (tmp_path / "stack").mkdir()
        stack = devstack.run_stack(tmp_path / "stack", extra_env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                                                                  "KAFKA_PARTITIONS": "4"})
        try:
            assert httpx.get(f"{stack.url('monitoring')}/readyz").status_code == 200
            made = asyncio.run(_partitions(bootstrap))
            assert {t: made.get(t) for t in topics.all_with_dlq()} == dict.fromkeys(topics.all_with_dlq(), 4)
            assert "broker" not in stack.processes()  # the operator's broker is not the stack's
        finally:
            stack.stop()
    finally:
        devstack.stop(broker)


def test_areas_load_against_a_registry_url_from_the_environment(stack, tmp_path):
    csv = tmp_path / "areas.csv"
    rows = areas()[:7]
    csv.write_text("code,name,parent_code\n" + "".join(f"{a.code},{a.name},{a.parent_code or ''}\n" for a in rows),
                   encoding="utf-8")
    nowhere = backstop("areas", "load", str(csv), cwd=tmp_path)
    assert nowhere.returncode == 2 and "--registry-url" in nowhere.stderr
    loaded = backstop("areas", "load", str(csv), cwd=tmp_path, REGISTRY_URL=stack.url("registry"))
    assert loaded.returncode == 0, loaded.stderr
    again = backstop("areas", "load", str(csv), cwd=tmp_path, REGISTRY_URL=stack.url("registry"))
    assert again.stdout.strip() == f"areas: 0 created, {len(rows)} unchanged"
    resp = httpx.get(f"{stack.url('registry')}/api/v1/areas", params={"limit": 500}, headers=admin(stack))
    assert {(a.code, a.name) for a in rows} <= {(a["code"], a["name"]) for a in resp.json()["items"]}


class _Answers(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/readyz" else 503)
        self.end_headers()

    def log_message(self, *_):
        pass


def test_the_healthcheck_probe_passes_on_2xx_and_fails_otherwise():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert backstop("probe", f"{base}/readyz").returncode == 0
        assert backstop("probe", f"{base}/not-ready").returncode == 1
    finally:
        server.shutdown()
    assert backstop("probe", f"{base}/readyz", "--timeout", "1").returncode == 1


def test_backstop_import_loads_a_national_export_into_the_registry(demo_areas, tmp_path):
    from backstop_common.demo.households import household_csv

    export = tmp_path / "清河区-2026.csv"
    export.write_bytes(household_csv(6, seed=77, first=900_000))  # numbers no other test loads
    url = demo_areas.database_url("registry")
    result = backstop("import", str(export), "--area", "211204000000", "--database-url", url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r": [1-9]\d* households / \d+ members registered", result.stdout), result.stdout
    again = backstop("import", str(export), DATABASE_URL=url)
    assert re.search(r": 0 households / 0 members registered, [1-9]\d* households already registered", again.stdout)


def test_every_deployable_serves_its_metrics_namespaced(stack):
    for service in (*devstack.SERVICES, "console"):
        resp = httpx.get(f"{stack.url(service)}/metrics", timeout=10)
        assert resp.status_code == 200, (service, resp.text[:300])
        assert "backstop_http_requests_total" in resp.text, service
    registry = httpx.get(f"{stack.url('registry')}/metrics", timeout=10).text
    assert "backstop_outbox_unsent_events" in registry and "backstop_db_pool_connections" in registry
