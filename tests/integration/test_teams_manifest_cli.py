"""``python app.py teams-manifest`` run as a user runs it: a missing setting is one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_teams_manifest_without_an_app_id_says_what_to_set_instead_of_a_traceback(tmp_path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}  # no MicrosoftAppId anywhere
    result = subprocess.run(
        [sys.executable, str(APP), "teams-manifest", "--output", str(tmp_path / "teams.zip")],
        cwd=tmp_path,  # no .env of the developer's
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MicrosoftAppId" in lines[0], result.stderr
    assert not (tmp_path / "teams.zip").exists()
