"""A server process, once its application is built, has imported every view and frozen its
start-up objects out of the collector's reach (helpdesk/warmup.py): the full collections that
paused a request for ~90 ms walk only what requests made since."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys
import helpdesk.{module} as entry
assert entry.application is not None
print(gc.get_freeze_count(), "tickets.views" in sys.modules, "bookings.citizen_views" in sys.modules)
"""


@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_the_entry_point_imports_the_views_and_freezes_what_start_up_made(module, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["HELPDESK_VAR_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, views, more_views = done.stdout.split()
    assert int(frozen) > 50_000 and views == more_views == "True"
