"""The original Avanochi's documents (the Azure Functions version, seed 000), read and mapped to
Avanochi's entities for ``python app.py import``.

The original kept every document in one Cosmos DB container partitioned by ``/id``, told apart
by a ``type`` field ("task", "work_session", "user"), with naive ISO timestamps in UTC and
free-form user ids ("user_123"). Its export is the same documents as JSON: an array, one
document per line, or an object of arrays by kind as its list routes answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from domain.entities import Task, User, WorkSession
from domain.errors import ValidationError
from domain.validation import clean_notes, clean_priority, clean_timestamp, clean_title, clean_user_id

# The original's type values, and the spellings its entity_type() gave them.
KINDS = {"task": "task", "work_session": "work_session", "worksession": "work_session", "user": "user"}
EXPORT_KEYS = {"tasks": "task", "work_sessions": "work_session", "users": "user"}
Entity = Task | WorkSession | User


class NotImportable(ValueError):
    """A document the import leaves out, with the reason (never its content) for the report."""


def kind_of(doc: dict[str, Any]) -> str | None:
    """The original's kind of a document, or None for documents of no kind it had."""
    value = doc.get("type")
    return KINDS.get(value.replace("-", "_").lower()) if isinstance(value, str) else None


def to_entity(doc: dict[str, Any], user_map: dict[str, str]) -> Entity:
    """Avanochi's entity for one of the original's documents. Ids are kept, so a second import
    finds what the first wrote; user ids go through ``user_map`` (the original's free-form ids
    to Slack or Teams ids), and an id not in it stays as it was (as REST clients used it)."""
    kind = kind_of(doc)
    if kind is None:
        raise NotImportable("not a task, work session or user")
    doc_id = doc.get("id")
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise NotImportable("no id")
    try:
        if kind == "user":
            user_id = clean_user_id(user_map.get(doc_id, doc_id))
            created = clean_timestamp(doc.get("created_at"), "created_at", required=True)
            name = doc.get("name")
            name = name.strip()[:100] if isinstance(name, str) and name.strip() else user_id
            return User(id=user_id, name=name, created_at=created)  # type: ignore[arg-type]
        owner = doc.get("user_id")
        if not isinstance(owner, str) or not owner.strip():
            raise NotImportable("no user_id")
        user_id = clean_user_id(user_map.get(owner, owner))
        if kind == "task":
            return _task(doc, doc_id, user_id)
        return _work_session(doc, doc_id, user_id)
    except ValidationError as error:
        raise NotImportable(str(error)) from None


def _task(doc: dict[str, Any], doc_id: str, user_id: str) -> Task:
    created = clean_timestamp(doc.get("created_at"), "created_at", required=True)
    updated = clean_timestamp(doc.get("updated_at"), "updated_at")
    completed = doc.get("completed") is True
    # The original kept no completion time: its last update is the best guess, else its creation.
    completed_at = clean_timestamp(doc.get("completed_at"), "completed_at") or updated or created
    return Task(
        id=doc_id,
        user_id=user_id,
        title=clean_title(doc.get("title")),
        created_at=created,  # type: ignore[arg-type]
        notes=clean_notes(doc.get("notes") or doc.get("description")),
        due_at=clean_timestamp(doc.get("due_at") or doc.get("due_date"), "due_at"),
        priority=clean_priority(doc.get("priority")),
        completed=completed,
        completed_at=completed_at if completed else None,
        updated_at=updated,
    )


def _work_session(doc: dict[str, Any], doc_id: str, user_id: str) -> WorkSession:
    start = clean_timestamp(doc.get("start_time"), "start_time", required=True)
    end = clean_timestamp(doc.get("end_time"), "end_time")
    assert start is not None
    if end is not None and end < start:
        raise NotImportable("ends before it starts")
    session = WorkSession(id=doc_id, user_id=user_id, start_time=start)
    if end is not None:
        session.end(end)  # the duration from the times, as the original computed it
    return session


def documents_from_json(path: Path) -> list[dict[str, Any]]:
    """The documents of an export file: a JSON array, an object of arrays by kind
    ({"tasks": [...], "work_sessions": [...], "users": [...]}), or JSON Lines. Read whole, so
    a broken file is refused before anything is written."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict):
        return [
            {"type": kind, **doc}
            for key, kind in EXPORT_KEYS.items()
            for doc in data.get(key) or []
            if isinstance(doc, dict)
        ]
    if not isinstance(data, list):
        raise NotImportable("the file holds neither a list of documents nor an object of lists")
    return [doc for doc in data if isinstance(doc, dict)]


async def documents_from_cosmos(
    uri: str, key: str, database: str, container: str, *, verify_tls: bool = True
) -> AsyncIterator[dict[str, Any]]:
    """Every document of the original's container, page by page (a cross-partition read: the
    original partitioned by id)."""
    from azure.cosmos.aio import CosmosClient  # only the Cosmos import needs it

    async with CosmosClient(uri, credential=key, connection_verify=verify_tls) as client:
        items = client.get_database_client(database).get_container_client(container).read_all_items()
        async for doc in items:
            yield doc


async def entities_from(
    documents: list[dict[str, Any]] | AsyncIterator[dict[str, Any]], user_map: dict[str, str]
) -> AsyncIterator[Entity | str]:
    """Each document as an entity to import, or the reason it is left out."""

    async def each() -> AsyncIterator[dict[str, Any]]:
        if isinstance(documents, list):
            for doc in documents:
                yield doc
        else:
            async for doc in documents:
                yield doc

    async for doc in each():
        try:
            yield to_entity(doc, user_map)
        except NotImportable as reason:
            yield str(reason)
