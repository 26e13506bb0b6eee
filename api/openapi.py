"""GET /api/openapi.json: an OpenAPI 3.0 description of the REST API (public, no token)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

TIMESTAMP = {"type": "string", "format": "date-time", "nullable": True}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/Error"},
    "401": {"$ref": "#/components/responses/Error"},
    "403": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}


def _param(name: str, where: str = "query", required: bool = False, schema: dict | None = None) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema or {"type": "string"}}


USER_QUERY = _param("user_id")
ID_PATH = _param("id", "path", True)


def build_spec(version: str) -> dict[str, Any]:
    string, boolean, number, integer = ({"type": t} for t in ("string", "boolean", "number", "integer"))
    task_write: dict[str, Any] = {
        "type": "object",
        "properties": {
            "user_id": {"type": "string", "description": "required with the admin token"},
            "title": {"type": "string", "maxLength": 200},
            "notes": {"type": "string", "maxLength": 2000, "nullable": True},
            "due_at": TIMESTAMP,
            "priority": {"type": "string", "enum": ["high", "normal", "low"]},
            "recurrence": {
                "type": "string",
                "maxLength": 60,
                "description": "POST only: how the task repeats, as in chat ('every weekday at 9'); "
                "its first occurrence becomes due_at",
            },
        },
        "required": ["title"],
    }
    paths: dict[str, Any] = {
        "/healthz": {
            "get": {
                "summary": "Liveness and the store in use",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/livez": {
            "get": {
                "summary": "Liveness: the process serves (no store call)",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: the store answers and the process is not shutting down",
                "security": [],
                "responses": {
                    "200": _json({"type": "object"}),
                    "503": _json({"type": "object", "properties": {"reason": string}}, "Not ready, with the reason"),
                },
            }
        },
        "/api/health": {
            "get": {
                "summary": "The original service's health route: 200 OK",
                "security": [],
                "responses": {"200": {"description": "OK", "content": {"text/plain": {"schema": string}}}},
            }
        },
        "/api/tasks": {
            "post": {
                "summary": "Create a task",
                "requestBody": _body(task_write),
                "responses": {"201": _json(_ref("Task"), "Created"), **ERRORS},
            },
            "get": {
                "summary": "List a user's tasks",
                "parameters": [
                    USER_QUERY,
                    _param("status", schema={"enum": ["open", "done", "all"]}),
                    _param("completed", schema={"type": "boolean"}),
                    _param("due_before", schema={"type": "string", "format": "date-time"}),
                    _param("due_after", schema={"type": "string", "format": "date-time"}),
                    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
                ],
                "responses": {"200": _json({"type": "array", "items": _ref("Task")}), **ERRORS},
            },
        },
        "/api/tasks/{id}": {
            "parameters": [ID_PATH, USER_QUERY],
            "get": {"summary": "One task", "responses": {"200": _json(_ref("Task")), **ERRORS}},
            "patch": {
                "summary": "Complete (default), reopen or update a task",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "action": {"type": "string", "enum": ["complete", "reopen", "update"]},
                            **task_write["properties"],
                        },
                    },
                    required=False,
                ),
                "responses": {"200": _json(_ref("Task")), **ERRORS},
            },
            "delete": {"summary": "Delete a task", "responses": {"204": {"description": "Deleted"}, **ERRORS}},
        },
        "/api/work_sessions": {
            "post": {
                "summary": "Clock in",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {"user_id": {"type": "string"}, "note": {"type": "string", "maxLength": 200}},
                    }
                ),
                "responses": {
                    "201": _json(_ref("WorkSession"), "Created"),
                    "409": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
            "get": {
                "summary": "A user's work sessions, newest first",
                "parameters": [USER_QUERY],
                "responses": {"200": _json({"type": "array", "items": _ref("WorkSession")}), **ERRORS},
            },
        },
        "/api/work_sessions/active": {
            "get": {
                "summary": "The running session, or null",
                "parameters": [USER_QUERY],
                "responses": {"200": _json({"allOf": [_ref("WorkSession")], "nullable": True}), **ERRORS},
            },
        },
        "/api/work_sessions/export": {
            "get": {
                "summary": "A timesheet: one CSV row per work session, in the user's time zone",
                "parameters": [
                    USER_QUERY,
                    _param("format", schema={"type": "string", "enum": ["csv"]}),
                    _param("period", schema={"type": "string", "enum": ["week", "month", "all"]}),
                ],
                "responses": {
                    "200": {"description": "A CSV attachment", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    **ERRORS,
                },
            },
        },
        "/api/work_sessions/{id}": {
            "parameters": [ID_PATH, USER_QUERY],
            "get": {"summary": "One work session", "responses": {"200": _json(_ref("WorkSession")), **ERRORS}},
            "patch": {
                "summary": "Clock out",
                "responses": {
                    "200": _json(_ref("WorkSession")),
                    "409": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
        },
        "/api/stats": {
            "get": {
                "summary": "Productivity summary",
                "parameters": [USER_QUERY],
                "responses": {"200": _json(_ref("Stats")), **ERRORS},
            }
        },
        "/api/stats/{user_id}": {
            "get": {
                "summary": "Productivity summary",
                "parameters": [_param("user_id", "path", True)],
                "responses": {"200": _json(_ref("Stats")), **ERRORS},
            }
        },
        "/api/v1/focus/sessions": {
            "post": {
                "summary": "Start a focus session",
                "description": "One at a time per user: 409 while another is running.",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "user_id": {"type": "string"},
                            "step_id": {"type": "string", "nullable": True},
                            "task_id": {"type": "string", "nullable": True},
                            "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 90, "default": 25},
                        },
                    }
                ),
                "responses": {
                    "201": _json(_ref("FocusSession"), "Created"),
                    "409": {"$ref": "#/components/responses/Error"},
                    "422": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
        },
        "/api/v1/focus/sessions/{session_id}": {
            "parameters": [_param("session_id", "path", True), USER_QUERY],
            "get": {"summary": "One focus session", "responses": {"200": _json(_ref("FocusSession")), **ERRORS}},
            "put": {
                "summary": "End or update a focus session",
                "description": "Completion ended before half the planned length is not counted: "
                "the session ends with completed false (cut short), as in chat.",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "ended_at": TIMESTAMP,
                            "completed": {"type": "boolean"},
                            "interruptions": {"type": "integer", "minimum": 0},
                        },
                    },
                    required=False,
                ),
                "responses": {
                    "200": _json(_ref("FocusSession")),
                    "422": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
        },
        "/api/v1/focus/sessions/user/{user_id}": {
            "get": {
                "summary": "A user's recent focus sessions",
                "parameters": [
                    _param("user_id", "path", True),
                    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 100, "default": 10}),
                ],
                "responses": {"200": _json({"type": "array", "items": _ref("FocusSession")}), **ERRORS},
            },
        },
        "/api/v1/focus/sessions/analytics/{user_id}": {
            "get": {
                "summary": "Focus analytics",
                "parameters": [_param("user_id", "path", True)],
                "responses": {"200": _json(_ref("FocusAnalytics")), **ERRORS},
            },
        },
        "/api/insights": {
            "get": {
                "summary": "Burnout-risk score (0-100) over 14 days, its factors and recommendations",
                "parameters": [USER_QUERY],
                "responses": {"200": _json(_ref("Insight")), **ERRORS},
            }
        },
        "/api/reminders/run": {
            "post": {
                "summary": "Run due reminders now (admin token); optionally at a given instant",
                "requestBody": _body({"type": "object", "properties": {"now": TIMESTAMP}}, required=False),
                "responses": {"200": _json({"type": "object"}), **ERRORS},
            },
        },
        "/api/voice": {
            "post": {
                "summary": "A voice note (audio body, at most 60 s and 10 MB): the transcript, and the "
                "spoken command's replies when it was heard clearly",
                "parameters": [USER_QUERY, _param("filename")],
                "requestBody": {
                    "required": True,
                    "content": {"audio/*": {"schema": {"type": "string", "format": "binary"}}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "transcript": string,
                                "confidence": {"type": "number", "nullable": True},
                                "engine": string,
                                "clean": boolean,
                                "command": {"type": "string", "nullable": True},
                                "suggestion": string,
                                "replies": {"type": "array", "items": string},
                            },
                        }
                    ),
                    "413": {"$ref": "#/components/responses/Error"},
                    "503": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
        },
        "/api/tokens": {
            "post": {
                "summary": "Issue a personal token (admin token only); the user's previous token stops "
                "working. Only Slack (slack:T…:U…) and Teams (msteams:…) user ids",
                "requestBody": _body(
                    {"type": "object", "properties": {"user_id": {"type": "string"}}, "required": ["user_id"]}
                ),
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "user_id": string,
                                "token": {"type": "string", "description": "shown only once"},
                                "id": string,
                                "expires_at": TIMESTAMP,
                            },
                        },
                        "Created",
                    ),
                    "409": {"$ref": "#/components/responses/Error"},
                    **ERRORS,
                },
            },
            "get": {
                "summary": "The caller's personal tokens, without their secrets (the admin names user_id)",
                "parameters": [USER_QUERY],
                "responses": {"200": _json({"type": "array", "items": _ref("TokenInfo")}), **ERRORS},
            },
        },
        "/api/tokens/{id}": {
            "parameters": [ID_PATH, USER_QUERY],
            "delete": {
                "summary": "Revoke a personal token of the caller (the admin names user_id)",
                "responses": {"204": {"description": "Revoked"}, **ERRORS},
            },
        },
    }
    schemas = {
        "Error": {"type": "object", "properties": {"error": string}, "required": ["error"]},
        "Task": {
            "type": "object",
            "properties": {
                "id": string,
                "user_id": string,
                "title": string,
                "notes": {"type": "string", "nullable": True},
                "due_at": TIMESTAMP,
                "priority": {"type": "string", "enum": ["high", "normal", "low"]},
                "completed": boolean,
                "completed_at": TIMESTAMP,
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "recurrence": {
                    "type": "object",
                    "nullable": True,
                    "description": "how the task repeats; completing it creates the next occurrence",
                    "properties": {
                        "rule": {"type": "string", "description": "RFC 5545 RRULE, in the time zone below"},
                        "start": {"type": "string", "description": "the first occurrence, wall time"},
                        "timezone": string,
                        "words": {"type": "string", "example": "every weekday at 09:00"},
                        "series": string,
                        "occurrence": integer,
                    },
                },
            },
        },
        "WorkSession": {
            "type": "object",
            "properties": {
                "id": string,
                "user_id": string,
                "start_time": TIMESTAMP,
                "end_time": TIMESTAMP,
                "duration": {"type": "number", "nullable": True, "description": "hours, 2 decimals"},
                "note": {"type": "string", "nullable": True},
            },
        },
        "FocusSession": {
            "type": "object",
            "properties": {
                "session_id": string,
                "user_id": string,
                "step_id": {"type": "string", "nullable": True},
                "task_id": {"type": "string", "nullable": True},
                "started_at": TIMESTAMP,
                "ended_at": TIMESTAMP,
                "duration_minutes": integer,
                "completed": boolean,
                "interruptions": integer,
                "created_at": TIMESTAMP,
            },
        },
        "FocusAnalytics": {
            "type": "object",
            "properties": {
                "total_sessions": integer,
                "completed_sessions": integer,
                "completion_rate": number,
                "total_focus_minutes": integer,
                "average_duration_minutes": number,
            },
        },
        "Stats": {
            "type": "object",
            "properties": {
                "user_id": string,
                "total_tasks": integer,
                "completed_tasks": integer,
                "total_sessions": integer,
                "total_hours": number,
                "xp": integer,
                "level": integer,
                "level_xp": integer,
                "next_level_xp": integer,
                "streak_days": integer,
                "best_streak": integer,
                "xp_today": integer,
                "achievements": {"type": "array", "items": {"type": "object"}},
            },
        },
        "TokenInfo": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "names the token; not a secret, not usable as one"},
                "created_at": TIMESTAMP,
                "expires_at": TIMESTAMP,
                "last_used_at": {**TIMESTAMP, "description": "to the hour"},
            },
        },
        "Insight": {
            "type": "object",
            "properties": {
                "score": integer,
                "band": string,
                "period_days": integer,
                "factors": {"type": "array", "items": {"type": "object"}},
                "recommendations": {"type": "array", "items": string},
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Avanochi REST API",
            "version": version,
            "description": "Tasks, work sessions, focus sessions and stats of Avanochi users. "
            "A personal token acts as its user; the admin token names any user_id.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "Error": _json(_ref("Error"), "Error"),
                "TooManyRequests": {
                    **_json(
                        {
                            "type": "object",
                            "properties": {"error": string, "retry_after": integer},
                            "required": ["error", "retry_after"],
                        },
                        "A request budget is spent, or the speech queue is full",
                    ),
                    "headers": {
                        "Retry-After": {"description": "seconds to wait before trying again", "schema": integer}
                    },
                },
            },
        },
    }


def register(app: web.Application, version: str) -> None:
    spec = build_spec(version)

    async def serve(request: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get("/api/openapi.json", serve)
