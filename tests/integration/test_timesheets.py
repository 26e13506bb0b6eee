"""Timesheets over HTTP: GET /api/work_sessions/export?format=csv and "export timesheet" in
Slack, one row per work session in the user's time zone, formula cells defused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from app import SERVICES_KEY
from tests.fake_slack import NOW
from tests.integration.conftest import Api

U1 = "slack:T0TEAM:U1"
HEADER = ["date", "start", "end", "hours", "note"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def work(slack, start_offset: timedelta, minutes: int, note: str | None = None, user: str = U1) -> None:
    """A session of ``minutes`` starting at NOW + ``start_offset``, through the REST API."""
    clock = slack.app[SERVICES_KEY].clock
    clock.set(NOW + start_offset)
    body = {"user_id": user, **({"note": note} if note is not None else {})}
    session = await slack.rest.json("POST", "/api/work_sessions", 201, json=body)
    clock.set(NOW + start_offset + timedelta(minutes=minutes))
    await slack.rest.json("PATCH", f"/api/work_sessions/{session['id']}?user_id={user}", 200)


async def test_the_csv_export_has_one_row_per_session_in_local_time_as_an_attachment(slack):
    services = slack.app[SERVICES_KEY]
    await services.users.ensure(U1, "Ada")
    await services.users.update_user(U1, timezone="Asia/Tokyo")
    await work(slack, timedelta(days=-8), 60, "last week's planning")  # 2026-02-24, a Tuesday
    await work(slack, timedelta(hours=-1), 90, "Quarterly report, part 1")
    token = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]

    response = await slack.rest.call("GET", "/api/work_sessions/export?format=csv", token=token)
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="avanochi-timesheet-all.csv"'
    assert rows(await response.text()) == [
        HEADER,
        ["2026-02-24", "2026-02-24 19:00", "2026-02-24 20:00", "1.00", "last week's planning"],
        # 09:00-10:30 UTC is 18:00-19:30 in Tokyo.
        ["2026-03-04", "2026-03-04 18:00", "2026-03-04 19:30", "1.50", "Quarterly report, part 1"],
    ]
    this_week = await slack.rest.call("GET", "/api/work_sessions/export?format=csv&period=week", token=token)
    assert [row[0] for row in rows(await this_week.text())] == ["date", "2026-03-04"]
    assert "timesheet-week.csv" in this_week.headers["Content-Disposition"]


async def test_a_note_that_looks_like_a_formula_is_exported_as_text(slack):
    notes = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "fine = fine"]
    for day, note in enumerate(notes):
        await work(slack, timedelta(days=-day, hours=-3), 30, note)
    body = await (await slack.rest.call("GET", f"/api/work_sessions/export?user_id={U1}")).text()
    exported = sorted(row[4] for row in rows(body)[1:])
    assert exported == sorted(["'" + note for note in notes[:4]] + ["fine = fine"])


async def test_the_export_needs_a_token_for_that_user_and_says_what_is_wrong(slack):
    await work(slack, timedelta(hours=-2), 30)
    assert (await slack.rest.call("GET", "/api/work_sessions/export", token=None)).status == 401
    other = (await slack.rest.json("POST", "/api/tokens", 201, json={"user_id": "slack:T0TEAM:U2"}))["token"]
    forbidden = await slack.rest.call("GET", f"/api/work_sessions/export?user_id={U1}", token=other)
    assert forbidden.status == 403
    # Their own token sees only their own (empty) timesheet.
    own = await slack.rest.call("GET", "/api/work_sessions/export", token=other)
    assert rows(await own.text()) == [HEADER]
    api: Api = slack.rest
    xlsx = await api.json("GET", f"/api/work_sessions/export?user_id={U1}&format=xml", 400)
    assert "format" in xlsx["error"]
    year = await api.json("GET", f"/api/work_sessions/export?user_id={U1}&period=year", 400)
    assert "week, month, all" in year["error"]


async def test_export_timesheet_in_slack_uploads_this_weeks_csv_to_the_dm(slack):
    await slack.workspace.say("hello")
    await work(slack, timedelta(days=-9), 45, "old")  # last month: not in this week or month
    await work(slack, timedelta(days=-1), 120, "=cmd|' /C calc'!A0")
    since = len(slack.api.calls)
    await slack.workspace.dm("export timesheet")
    [completed] = await slack.api.wait_for("files.completeUploadExternal", since=since)
    [asked] = slack.api.calls_to("files.getUploadURLExternal")
    assert asked.body["filename"] == "avanochi-timesheet-week.csv"
    assert completed.body["channel_id"] == "D1"
    assert "1 session, 2 hours" in completed.text
    sheet = rows(slack.api.uploads[completed.body["files"][0]["id"]].decode())
    assert sheet == [HEADER, ["2026-03-03", "2026-03-03 10:00", "2026-03-03 12:00", "2.00", "'=cmd|' /C calc'!A0"]]

    since = len(slack.api.calls)
    await slack.workspace.dm("export timesheet month")
    [completed] = await slack.api.wait_for("files.completeUploadExternal", since=since)
    assert "1 session" in completed.text  # 2026-02-23 is last month
    [nothing] = await slack.workspace.say("export timesheet fortnight")
    assert "export timesheet week" in nothing.text
