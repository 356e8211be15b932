"""Production mode: refuses to start without its secrets and passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_mode_refuses_to_start_without_secret_key():
    result = _run(["check"], DJANGO_DEBUG="false", ALLOWED_HOSTS="incubator.example.org")
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _run(["check"], DJANGO_DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_production_mode_passes_check_deploy_without_warnings():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="false",
        SECRET_KEY="k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 4,
        ALLOWED_HOSTS="incubator.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_every_response_carries_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_filesystem_broker_keeps_its_control_folder_out_of_the_working_directory(tmp_path):
    """Without Redis, kombu's exchange table goes to .celery/ (ignored), not ./control/."""
    code = (
        "from incubator.celery import app\n"
        "with app.connection_for_write() as connection:\n"
        "    channel = connection.default_channel\n"
        "    channel.exchange_declare('celery', 'direct')\n"
        "    channel.queue_declare('probe')\n"
        "    channel.queue_bind('probe', 'celery', 'probe')\n"
    )
    control = tmp_path / "celery-control"
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=tmp_path,
        env={
            **os.environ,
            "REDIS_URL": "",
            "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
            "CELERY_FILESYSTEM_CONTROL_DIR": str(control),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert (control / "celery.exchange").exists()
    assert not (tmp_path / "control").exists()
