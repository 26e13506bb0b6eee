"""/api/tasks: the seed's task endpoints (POST, GET, PATCH) plus GET and DELETE by id."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.auth import acting_user, owner_of_entity
from api.body import json_object, path_id, query_int
from api.shapes import task_body
from domain.errors import ValidationError
from domain.services import Services
from domain.validation import clean_timestamp

ACTIONS = ("complete", "reopen", "update")


def register(app: web.Application, services: Services) -> None:
    tasks = services.tasks
    locate = tasks.owner_of

    async def create(request: web.Request) -> web.Response:
        data = await json_object(request)
        user_id = acting_user(request, data.get("user_id"), where="body")
        task = await tasks.create_task(
            user_id,
            data.get("title"),
            notes=data.get("notes"),
            due_at=clean_timestamp(data.get("due_at"), "due_at"),
            priority=data.get("priority"),
        )
        return web.json_response(task_body(task), status=201)

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
