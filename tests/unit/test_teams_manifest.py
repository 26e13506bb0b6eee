"""The Teams app package: manifest v1.29 valid against the official schema, icons Teams accepts."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib

import pytest
from jsonschema import Draft7Validator

from bot.adapters.teams.manifest import ICON_FOLDER, build_manifest, png_size, teams_app_id, write_package
from settings import CredentialManager, Settings
from tests.schemas import load_schema

BOT_ID = "00000000-1111-2222-3333-444444444444"


def settings(**values: str) -> Settings:
    return Settings.load(CredentialManager({"MicrosoftAppId": BOT_ID, **values}, env_file=None))


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = load_schema("teams-manifest-1.29.schema.json")
    # One pattern in the schema (\p{L}) is beyond Python's re: check the schema without formats.
    Draft7Validator.check_schema(schema, format_checker=None)  # type: ignore[arg-type]  # None: no format checks
    return Draft7Validator(schema)


def errors(validator: Draft7Validator, manifest: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def test_manifest_validates_against_teams_schema_1_29(validator):
    manifest = build_manifest(settings())
    assert errors(validator, manifest) == []
    assert manifest["manifestVersion"] == "1.29"


def test_manifest_names_the_bot_and_its_abilities():
    manifest = build_manifest(settings(), app_version="2.3.4", site_url="https://bot.contoso.com/")
    bot = manifest["bots"][0]
    assert bot["botId"] == BOT_ID
    assert bot["supportsFiles"] is True
    assert "personal" in bot["scopes"]
    personal = next(entry for entry in bot["commandLists"] if entry["scopes"] == ["personal"])
    titles = [command["title"] for command in personal["commands"]]
    assert {"help", "add", "tasks", "done", "start", "focus", "water", "stats"} <= set(titles)
    assert len(titles) <= 10  # older Teams clients show at most ten
    shared = next(entry for entry in bot["commandLists"] if "team" in entry["scopes"])
    shared_titles = [command["title"] for command in shared["commands"]]
    assert "token" not in shared_titles and len(shared_titles) <= 10
    assert shared["scopes"] == ["team", "groupChat"]
    assert {"team pulse", "share with team", "kudos"} <= set(shared_titles)
    assert manifest["version"] == "2.3.4"
    assert manifest["developer"]["privacyUrl"] == "https://bot.contoso.com/privacy"
    assert manifest["validDomains"] == ["bot.contoso.com"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_personal_tab_is_the_dashboard_on_the_site(validator):
    manifest = build_manifest(settings(), site_url="https://bot.contoso.com/")
    (tab,) = manifest["staticTabs"]
    assert tab["contentUrl"] == tab["websiteUrl"] == "https://bot.contoso.com/me"
    assert tab["scopes"] == ["personal"] and tab["name"] == "Dashboard"
    assert errors(validator, manifest) == []


def test_the_tab_asks_teams_for_a_single_sign_on_token_for_the_bots_app(validator):
    manifest = build_manifest(settings(), site_url="https://bot.contoso.com/")
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://bot.contoso.com/{BOT_ID}"}
    assert errors(validator, manifest) == []


def test_app_id_is_a_stable_guid_distinct_from_the_bot_id():
    first, second = build_manifest(settings())["id"], build_manifest(settings())["id"]
    assert first == second == teams_app_id(BOT_ID) != BOT_ID
    assert teams_app_id("99999999-1111-2222-3333-444444444444") != first


@pytest.mark.parametrize("app_id", [None, "", "not-a-guid"])
def test_a_package_needs_a_real_app_id(app_id):
    values = {} if app_id is None else {"MicrosoftAppId": app_id}
    with pytest.raises(ValueError, match="MicrosoftAppId"):
        build_manifest(Settings.load(CredentialManager(values, env_file=None)))


def test_site_url_must_be_https():
    with pytest.raises(ValueError, match="https"):
        build_manifest(settings(), site_url="http://bot.contoso.com")


def test_package_holds_manifest_and_icons_at_its_root(tmp_path, validator):
    path = write_package(settings(), tmp_path / "out" / "avanochi.zip")
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert errors(validator, manifest) == []
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """A small RGBA PNG decoder (all five row filters) to check what the icons hold."""
    width, height = png_size(data)
    position, idat = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind == b"IHDR":
            assert data[position + 16 : position + 18] == b"\x08\x06", "8-bit RGBA expected"
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw, stride, rows, previous = zlib.decompress(idat), width * 4, [], bytearray(width * 4)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - 4] if x >= 4 else 0
            up, corner = previous[x], previous[x - 4] if x >= 4 else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append([tuple(line[i : i + 4]) for i in range(0, stride, 4)])
        previous = line
    return width, height, rows


def test_outline_icon_is_white_on_transparent():
    width, height, rows = decode_png((ICON_FOLDER / "outline.png").read_bytes())
    pixels = [pixel for row in rows for pixel in row]
    assert (width, height) == (32, 32)
    assert all(pixel[:3] == (255, 255, 255) for pixel in pixels if pixel[3])
    assert any(pixel[3] == 0 for pixel in pixels) and any(pixel[3] == 255 for pixel in pixels)


def test_color_icon_is_opaque_full_color():
    width, height, rows = decode_png((ICON_FOLDER / "color.png").read_bytes())
    assert (width, height) == (192, 192)
    assert all(pixel[3] == 255 for row in rows for pixel in row)
    assert len({pixel[:3] for row in rows for pixel in row}) > 3
