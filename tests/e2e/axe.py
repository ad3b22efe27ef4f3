"""axe-core for the accessibility journeys: installed from the npm registry with npm, pinned, into
a cache folder outside the repository (AXE_CACHE_DIR, default ~/.cache/cg-helpdesk/axe-core-<v>).

    python tests/e2e/axe.py      # installs it (.ci/run does this on a fresh machine)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

AXE_VERSION = "4.10.3"
CACHE = Path(os.environ.get("AXE_CACHE_DIR") or Path.home() / ".cache" / "cg-helpdesk" / f"axe-core-{AXE_VERSION}")
SCRIPT = CACHE / "node_modules" / "axe-core" / "axe.min.js"


def axe_script() -> Path:
    """The path of axe.min.js at the pinned version, installing it with npm if needed."""
    if not SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed (apt-get install npm): needed for axe-core")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", f"axe-core@{AXE_VERSION}"], check=True, timeout=300)
    return SCRIPT


if __name__ == "__main__":
    print(axe_script())
    sys.exit(0)
