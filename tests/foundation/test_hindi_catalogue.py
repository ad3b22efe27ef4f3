"""The Hindi catalogue ships complete: no fuzzy, empty or stale entry in locale/hi (bin/i18n
--check regenerates it from the sources and the glossary, compares, and restores the files)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools (msgfmt) not installed")
def test_catalogue_has_no_fuzzy_empty_or_stale_entry():
    out = subprocess.run([sys.executable, "bin/i18n", "--check"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, f"locale/hi is not clean (run bin/i18n):\n{out.stdout}{out.stderr}"
