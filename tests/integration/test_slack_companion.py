"""The pet and the stats charts reach Slack as uploaded PNG images; XP shows through the REST API."""

from __future__ import annotations

U1 = "slack:T0TEAM:U1"
PNG = b"\x89PNG\r\n\x1a\n"


async def uploaded_png(slack, since: int) -> bytes:
    [completed] = await slack.api.wait_for("files.completeUploadExternal", since=since)
    [file_id] = [f["id"] for f in completed.body["files"]]
    return slack.api.uploads[file_id]


async def test_pet_and_weekly_chart_arrive_as_images_and_work_earns_xp(slack):
    await slack.workspace.say("add Ship it !high", count=2)
    await slack.workspace.say("skip")
    await slack.workspace.say("done ship it")
    stats = await slack.rest.json("GET", f"/api/stats/{U1}", 200)
    assert stats["xp"] == 30 and stats["level"] == 1 and stats["streak_days"] == 1
    assert "first_task" in [a["id"] if isinstance(a, dict) else a for a in stats["achievements"]]

    since = len(slack.api.calls)
    await slack.workspace.dm("pet")
    image = await uploaded_png(slack, since)
    assert image.startswith(PNG) and 1_000 < len(image) < 200_000

    since = len(slack.api.calls)
    await slack.workspace.dm("stats week")
    chart = await uploaded_png(slack, since)
    assert chart.startswith(PNG) and chart != image
