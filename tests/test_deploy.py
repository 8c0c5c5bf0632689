"""Production mode passes Django's deployment checklist (`manage.py check --deploy`).

Each check runs in a subprocess with the variables a production host sets (DEBUG=0, a long
random SECRET_KEY, ALLOWED_HOSTS) on top of a clean environment, so what the settings module
does with them is what is checked. Removing any of the hardening settings (secure cookies,
HSTS, SSL redirect, ...) makes `check --deploy` warn, and the first test fail.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_ISSUES = "System check identified no issues (0 silenced)."


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment of a production host: only what .env.example asks for."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.gov.cn",
        # settings.py also reads a .env file if there is one; variables set here win.
        **overrides,
    }


def check_deploy(**overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_check_deploy_finds_nothing_in_production_mode() -> None:
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == NO_ISSUES
    # stderr carries only log lines (django-axes announces itself), never a check message.
    assert "security." not in result.stderr
    assert "WARNING" not in result.stderr


def test_check_deploy_names_each_weakened_setting() -> None:
    # One run with every knob a deployment may turn, turned the wrong way: each is reported.
    result = check_deploy(
        SECRET_KEY="django-insecure-short",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
    )

    assert result.returncode != 0
    for check_id in ("security.W009", "security.W008", "security.W004"):
        assert check_id in result.stderr, (check_id, result.stderr)


def test_production_mode_sets_secure_cookies_hsts_and_the_csp() -> None:
    script = (
        "import json\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        "'SECURE_HSTS_PRELOAD', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY',"
        "'X_FRAME_OPTIONS', 'MIDDLEWARE', 'CONTENT_SECURITY_POLICY')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    values = json.loads(result.stdout)

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
