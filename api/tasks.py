"""/api/tasks: the seed's task endpoints (POST, GET, PATCH) plus GET and DELETE by id."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Any

from aiohttp import web

from api.auth import acting_user, owner_of_entity
from api.body import json_object, path_id, query_int
from api.shapes import task_body
from bot.language.recurrence import read_repeat
from domain.entities import User
from domain.errors import NotFound, ValidationError
from domain.recurrence import Recurrence, start_series
from domain.services import Services
from domain.validation import clean_timestamp

ACTIONS = ("complete", "reopen", "update")
EVERY = re.compile(r"^\s*every\s+", re.IGNORECASE)


def register(app: web.Application, services: Services) -> None:
    tasks = services.tasks
    locate = tasks.owner_of

    async def create(request: web.Request) -> web.Response:
        data = await json_object(request)
        user_id = acting_user(request, data.get("user_id"), where="body")
        due_at = clean_timestamp(data.get("due_at"), "due_at")
        recurrence = None
        if data.get("recurrence") is not None:
            recurrence, due_at = await series_of(user_id, data["recurrence"])
        task = await tasks.create_task(
            user_id,
            data.get("title"),
            notes=data.get("notes"),
            due_at=due_at,
            priority=data.get("priority"),
            recurrence=recurrence,
        )
        return web.json_response(task_body(task), status=201)

    async def series_of(user_id: str, words: Any) -> tuple[Recurrence, datetime]:
        """``recurrence`` said as in chat ("every weekday at 9"), in the user's time zone; the
        first occurrence becomes the due date."""
        if not isinstance(words, str):
            raise ValidationError("'recurrence' must be words like 'every monday' or 'every weekday at 9'.")
        repeat = read_repeat(EVERY.sub("", words, count=1))
        try:
            user = await services.users.get_user(user_id)
        except NotFound:
            user = User(user_id, user_id, services.clock.now())  # the defaults: UTC, 09:00-17:30
        hour, minute = (int(part) for part in (repeat.at or user.work_end).split(":"))
        return start_series(repeat.rule, user.timezone, services.clock.now(), time(hour, minute), str(uuid.uuid4()))

    async def list_(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        status = request.query.get("status", "all")
        completed = request.query.get("completed")
        if completed is not None:
            if completed not in ("true", "false"):
                raise ValidationError("Query parameter 'completed' must be true or false")
            status = "done" if completed == "true" else "open"
        found = await tasks.list_tasks(
            user_id,
            status=status,
            due_before=clean_timestamp(request.query.get("due_before"), "due_before"),
            due_after=clean_timestamp(request.query.get("due_after"), "due_after"),
            limit=query_int(request, "limit", 1000, 1, 1000),
        )
        return web.json_response([task_body(task) for task in found])

    async def get(request: web.Request) -> web.Response:
        task_id = path_id(request)
        user_id = await owner_of_entity(request, task_id, locate)
        return web.json_response(task_body(await tasks.get_task(user_id, task_id)))

    async def patch(request: web.Request) -> web.Response:
        task_id = path_id(request)
        body = await json_object(request, optional=True)
        action = body.get("action", "complete")
        if not isinstance(action, str) or action.lower() not in ACTIONS:
            raise ValidationError(f"Unsupported action '{action}'")
        user_id = await owner_of_entity(request, task_id, locate)
        action = action.lower()
        if action == "complete":
            task = await tasks.complete_task(user_id, task_id)
        elif action == "reopen":
            task = await tasks.reopen_task(user_id, task_id)
        else:
            fields: dict[str, Any] = {k: body[k] for k in ("title", "notes", "priority") if k in body}
            if "due_at" in body:
                fields["due_at"] = clean_timestamp(body["due_at"], "due_at")
            task = await tasks.edit_task(user_id, task_id, **fields)
        return web.json_response(task_body(task))

    async def delete(request: web.Request) -> web.Response:
        task_id = path_id(request)
        user_id = await owner_of_entity(request, task_id, locate)
        await tasks.delete_task(user_id, task_id)
        return web.Response(status=204)

    app.router.add_post("/api/tasks", create)
    app.router.add_get("/api/tasks", list_)
    app.router.add_get("/api/tasks/{id}", get)
    app.router.add_patch("/api/tasks/{id}", patch)
    app.router.add_delete("/api/tasks/{id}", delete)
