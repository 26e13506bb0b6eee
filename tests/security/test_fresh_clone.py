"""A clone of the repository alone tests itself: the official schemas are inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.schemas import load_schema, schema_path

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ["adaptive-card-1.5.json", "teams-manifest-1.29.schema.json", "slack-app-manifest.schema.json"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_official_schema_is_read_from_inside_the_repository(name):
    path = schema_path(name)
    assert path.resolve().is_relative_to(ROOT)
    assert load_schema(name)  # parses: a JSON object with content


def test_the_schemas_say_where_they_come_from():
    provenance = (ROOT / "tests" / "schemas" / "README.md").read_text(encoding="utf-8")
    for name in SCHEMAS:
        assert name in provenance
