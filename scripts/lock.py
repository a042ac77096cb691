"""Write requirements.lock: the exact versions of the bot's run-time dependencies.

    python scripts/lock.py            # after changing dependencies in pyproject.toml

pip resolves ``pyproject.toml``'s dependencies (without installing anything) and the result
is pinned here. The Docker image installs exactly these versions; ``make`` (and so CI) uses
them as constraints, so a test run and the image see the same libraries.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                        "--ignore-installed", "--report", str(report), str(ROOT)], check=True)
        data = json.loads(report.read_text(encoding="utf-8"))
    pins = sorted(f"{i['metadata']['name'].lower()}=={i['metadata']['version']}"
                  for i in data["install"] if i["metadata"]["name"] != "fwb-orientation-bot")
    (ROOT / "requirements.lock").write_text(
        "# Run-time dependencies, pinned (python scripts/lock.py). Used by the Dockerfile\n"
        "# (install) and by make/CI (constraints).\n" + "\n".join(pins) + "\n",
        encoding="utf-8")
    print(f"requirements.lock: {len(pins)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
