"""Where the official JSON schemas are: ../shared/schemas beside the repository (as in CI), or
AVANOCHI_SCHEMAS_DIR. Missing schemas fail the tests loudly: validation must never be skipped."""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "schemas"


def schema_path(name: str) -> Path:
    folder = Path(os.environ.get("AVANOCHI_SCHEMAS_DIR") or DEFAULT)
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the official schemas live in ../shared/schemas beside "
                                "the repository; point AVANOCHI_SCHEMAS_DIR at them if they are elsewhere")
    return path


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))
