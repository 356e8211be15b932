"""The layers in `.importlinter` hold, and a forbidden import breaks them.

The check runs `lint-imports` (as `make lint` and CI do) on a copy of the packages, once as
they are and once with one forbidden import added, so a contract that silently allowed
everything would fail here.
"""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

PACKAGES = ("incubator", "cohorts", "coaching", "workshops", "outcomes", "dashboard")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_tree(destination: Path) -> None:
    base = Path(settings.BASE_DIR)
    shutil.copy(base / ".importlinter", destination / ".importlinter")
    for package in PACKAGES:
        shutil.copytree(
            base / package,
            destination / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "static", "locale", "demo_data"),
        )


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_lint_imports_keeps_every_contract_on_the_code_as_it_is(tmp_path):
    _copy_tree(tmp_path)

    result = _lint_imports(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("incubator/probe.py", "import cohorts.models\n", "The incubator core never imports a feature app"),
        ("cohorts/probe.py", "import coaching.apps\n", "Apps: dashboard above coaching"),
        ("cohorts/selectors/probe.py", "import cohorts.views.applications\n", "Inside an app"),
        ("cohorts/services/probe.py", "from cohorts import tasks\n", "Inside an app"),
        ("cohorts/probe_mail.py", "from incubator import tasks\n", "Feature apps queue mail through incubator.mail"),
    ],
    ids=[
        "core-imports-app",
        "app-imports-higher-app",
        "selector-imports-view",
        "service-imports-task",
        "app-uses-tasks",
    ],
)
def test_lint_imports_fails_on_a_forbidden_import(tmp_path, module, source, contract):
    _copy_tree(tmp_path)
    (tmp_path / module).write_text(source)

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert contract in " ".join(result.stdout.split())


def test_every_local_app_is_under_the_contracts():
    """A new app (the dashboard, say) must be added to root_packages and to the apps contract."""
    config = configparser.ConfigParser()
    config.read(Path(settings.BASE_DIR) / ".importlinter")
    root_packages = set(config["importlinter"]["root_packages"].split())
    layers = config["importlinter:contract:apps"]["layers"]
    base = Path(settings.BASE_DIR).resolve()
    local_apps = {app.name for app in apps.get_app_configs() if Path(app.path).resolve().parent == base}

    assert local_apps <= root_packages
    assert all(name in layers for name in local_apps)
