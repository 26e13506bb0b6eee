"""The container image holds what the service imports and nothing it must not ship.

.dockerignore is an allowlist: a new top-level package that the service imports but the list
forgets would build an image that crashes at start, where no test of the code would notice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Builds the whole app (every channel, the Cosmos store too) and prints the repository's own
# top-level modules it loaded.
LIST_IMPORTS = """
import sys
from pathlib import Path
import app, persistence.cosmos_store
from settings import CredentialManager, Settings
app.build_app(Settings.load(CredentialManager({"HOST": "127.0.0.1"}, env_file=None)))
root = Path.cwd().resolve()
names = set()
for module in list(sys.modules.values()):
    path = Path(getattr(module, "__file__", None) or "/").resolve()
    if path.is_relative_to(root) and ".venv" not in path.parts:
        names.add(path.relative_to(root).parts[0])
print("\\n".join(sorted(names)))
"""


def allowed_by_dockerignore() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in lines, ".dockerignore should leave everything out unless it is named"
    return {line[1:].rstrip("/") for line in lines if line.startswith("!")}


def test_the_image_holds_every_module_the_service_imports() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LIST_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    imported = {name for name in result.stdout.split() if name}
    assert {"app.py", "api", "bot", "domain", "persistence"} <= imported
    assert imported - allowed_by_dockerignore() == set()


def test_the_image_leaves_out_tests_tools_secrets_and_data() -> None:
    allowed = allowed_by_dockerignore()
    assert not allowed & {"tests", "tools", "bench", ".env", "data", ".venv", ".git"}


def test_the_dockerfile_runs_unprivileged_and_probes_liveness_with_python() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n\n")[0]
    assert "/livez" in healthcheck and '"python"' in healthcheck and "curl" not in healthcheck
