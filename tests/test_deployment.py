"""The production wiring: docker-compose.yml, the Dockerfile and `check --deploy`."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_validates_against_the_compose_spec() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_the_production_services(compose: dict) -> None:
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in compose["services"][name], name
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


def test_each_service_command_points_at_real_modules(compose: dict) -> None:
    services = compose["services"]
    web = services["web"]["command"]
    module, _, attribute = web[web.index("gunicorn") + 1].partition(":")
    assert hasattr(importlib.import_module(module), attribute)
    for name in ("worker", "beat"):
        command = services[name]["command"]
        app_module = command[command.index("-A") + 1]
        assert hasattr(importlib.import_module(app_module), "celery_app"), name
    migrate = services["migrate"]["command"]
    assert migrate[:2] == ["python", "manage.py"]
    assert (ROOT / "manage.py").exists()


def _dockerfile_cmd() -> list[str]:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    cmd = [line for line in lines if line.startswith("CMD ")]
    assert len(cmd) == 1, cmd
    return json.loads(cmd[0].removeprefix("CMD "))


def _gunicorn_options(command: list[str]) -> argparse.Namespace:
    """The command's options as gunicorn itself parses them (unknown flags fail here)."""
    from gunicorn.config import Config

    assert command[0] == "gunicorn", command
    return Config().parser().parse_args(command[1:])


@pytest.mark.parametrize("where", ["Dockerfile", "docker-compose.yml"])
def test_gunicorn_runs_with_a_request_timeout(where: str, compose: dict) -> None:
    command = _dockerfile_cmd() if where == "Dockerfile" else compose["services"]["web"]["command"]
    options = _gunicorn_options(command)

    # Explicit, not gunicorn's default: a stuck request frees its worker within a minute.
    assert "--timeout" in command
    assert 0 < options.timeout <= 60
    assert "--graceful-timeout" in command
    assert 0 < options.graceful_timeout <= options.timeout


def test_the_image_and_compose_start_gunicorn_the_same_way(compose: dict) -> None:
    assert _dockerfile_cmd() == compose["services"]["web"]["command"]


def test_the_worker_consumes_every_routed_queue(compose: dict) -> None:
    from django.conf import settings

    command = compose["services"]["worker"]["command"]
    queues = set(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= queues


def test_the_broker_redis_never_evicts_and_keeps_an_append_only_log(compose: dict) -> None:
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--appendonly") + 1] == "yes"


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "portal.example.gov.cn"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
    ],
)
def test_production_mode_refuses_to_start_without_secrets(
    env: dict[str, str], missing: str
) -> None:
    result = _manage("check", env={**env, "SECRET_KEY": env.get("SECRET_KEY", "")})

    assert result.returncode != 0
    assert f"{missing} is required when DEBUG=0" in result.stderr


def test_every_beat_entry_names_a_task_the_workers_know() -> None:
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled
    assert scheduled - set(app.tasks) == set()
