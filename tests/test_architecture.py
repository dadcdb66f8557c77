"""Services share only libs/common and events: the import-linter contracts hold."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Services never import each other KEPT" in result.stdout


def test_a_cross_service_import_would_break_the_contract(tmp_path):
    """The contract is live: a copy of the tree where funds imports registry fails it."""
    import shutil

    for part in ("libs", "services"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("tests", "*.egg-info"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "services/funds/funds/leak.py").write_text("import registry.models\n")
    paths = [str(tmp_path / "libs/common")] + [str(p) for p in (tmp_path / "services").iterdir()]
    env = {"PYTHONPATH": ":".join(paths), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=tmp_path,
                            capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_every_topic_names_the_groups_that_consume_it():
    """topics.CONSUMERS (what a relay waits for before forgetting an event) agrees with each catalogue.

    Each service's catalogue is read in a process of its own: their tables share one metadata."""
    from backstop_common.topics import ALL, CONSUMERS

    read_by: dict[str, set[str]] = {topic: set() for topic in ALL}
    for service in ("registry", "monitoring", "funds", "notifications"):
        script = (f"import {service}.main as m; print(' '.join(m.app.state.spec.catalog.consumed_topics))")
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, out.stderr[-1000:]
        for topic in out.stdout.split():
            read_by[topic].add(service)
    assert {topic: set(CONSUMERS.get(topic, ())) for topic in ALL} == read_by
