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
