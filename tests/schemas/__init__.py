"""The official JSON schemas the tests validate against, kept inside the repository in
tests/schemas/ (tests/schemas/README.md says where each file comes from), so that a fresh
clone tests itself. Missing schemas fail the tests loudly: validation must never be skipped."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


def schema_path(name: str) -> Path:
    path = FOLDER / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the official schemas are committed in tests/schemas/")
    return path


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))
