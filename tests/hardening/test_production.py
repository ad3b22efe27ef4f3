"""Production mode: refuses the development key, `check --deploy` is clean, CSP on every page,
no inline script, style or event handler in any template, hashed static file names."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "HELPDESK_ENV")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**base, **env}, timeout=120)


def test_production_refuses_the_development_key(tmp_path):
    result = _manage("check", HELPDESK_ENV="production", HELPDESK_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "refuses the development SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = _manage("check", HELPDESK_ENV="production", DEBUG="1", SECRET_KEY=secrets.token_urlsafe(50),
                     HELPDESK_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "refuses DEBUG" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", HELPDESK_ENV="production",
                     SECRET_KEY=secrets.token_urlsafe(50), HELPDESK_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_mode_with_the_development_key_fails_check_deploy(tmp_path):
    result = _manage("check", "--deploy", HELPDESK_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "helpdesk.E001" in result.stdout + result.stderr


def test_bin_prod_seeds_demo_data_only_when_asked():
    script = (ROOT / "bin/prod").read_text()
    assert 'if [ "${DEMO_DATA:-0}" = "1" ]; then "$BIN/python" manage.py seed_demo; fi' in script
    assert "collectstatic --noinput" in script
    assert "HELPDESK_ENV=${HELPDESK_ENV:-production}" in script


_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_uses_inline_script_style_or_handlers():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in _INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/status/", "/complaint/", "/booking/", "/accounts/login/"])
def test_pages_carry_the_content_security_policy(url):
    response = Client().get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_static_files_get_hashed_names_in_production(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    html = Client().get("/").content.decode()
    assert re.search(r'/static/css/app\.[0-9a-f]{12}\.css', html), html[:600]
    assert re.search(r'/static/js/page\.[0-9a-f]{12}\.js', html)
