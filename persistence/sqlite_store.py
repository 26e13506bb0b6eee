"""The embedded document store: one SQLite file, documents kept as JSON.

It mirrors Cosmos DB's semantics (partition by ``user_id``, ``_etag`` preconditions)
so that repositories cannot tell the two apart.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import aiosqlite

from persistence.etags import new_etag
from persistence.port import (
    Condition,
    Document,
    DocumentExists,
    DocumentMissing,
    EtagMismatch,
    OperationCounter,
    Query,
    describe,
)

# Each entry upgrades the schema by one version (PRAGMA user_version counts them).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS documents (
        user_id TEXT NOT NULL,
        id      TEXT NOT NULL,
        type    TEXT NOT NULL,
        etag    TEXT NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (user_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS documents_by_user_type ON documents (user_id, type);
    """,
    # Expression indexes for the fields services filter on, so that "the running
    # session" or "pending roll-ups" cost the same with 10 or 100,000 documents.
    """
    CREATE INDEX IF NOT EXISTS documents_pending ON documents (user_id, type)
        WHERE json_extract(body, '$.rollup_pending') IS NOT NULL;
    CREATE INDEX IF NOT EXISTS documents_open_work ON documents (user_id, type)
        WHERE json_extract(body, '$.end_time') IS NULL;
    CREATE INDEX IF NOT EXISTS documents_open_focus ON documents (user_id, type)
        WHERE json_extract(body, '$.ended_at') IS NULL;
    CREATE INDEX IF NOT EXISTS documents_by_id ON documents (type, id);
    """,
    # Planner statistics shaped like a large store (many users, many documents each),
    # so that a young database already picks the narrow indexes above; without them
    # SQLite scans a user's whole partition until someone runs ANALYZE.
    """
    ANALYZE;
    DELETE FROM sqlite_stat1 WHERE tbl = 'documents';
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('documents', 'sqlite_autoindex_documents_1', '1000000 10000 1'),
        ('documents', 'documents_by_user_type', '1000000 10000 2000'),
        ('documents', 'documents_pending', '100 10 5'),
        ('documents', 'documents_open_work', '10000 1 1'),
        ('documents', 'documents_open_focus', '10000 1 1'),
        ('documents', 'documents_by_id', '1000000 100000 1');
    ANALYZE sqlite_schema;
    """,
    # Reminder schedules by when they are next due: the engine's lookup costs O(due).
    """
    CREATE INDEX IF NOT EXISTS documents_next_due
        ON documents (type, json_extract(body, '$.next_due'));
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('documents', 'documents_next_due', '1000000 100000 2');
    ANALYZE sqlite_schema;
    """,
    # Histories listed newest or oldest first read in index order instead of sorting the
    # whole history of the user (170 ms for a 1,000-row page out of 100,000 without them).
    """
    CREATE INDEX IF NOT EXISTS documents_by_created ON documents (user_id, type, json_extract(body, '$.created_at'));
    CREATE INDEX IF NOT EXISTS documents_by_completed
        ON documents (user_id, type, json_extract(body, '$.completed_at'));
    CREATE INDEX IF NOT EXISTS documents_by_start ON documents (user_id, type, json_extract(body, '$.start_time'));
    CREATE INDEX IF NOT EXISTS documents_by_started ON documents (user_id, type, json_extract(body, '$.started_at'));
    CREATE INDEX IF NOT EXISTS documents_by_at ON documents (user_id, type, json_extract(body, '$.at'));
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('documents', 'documents_by_created', '1000000 10000 2000 1'),
        ('documents', 'documents_by_completed', '1000000 10000 2000 1'),
        ('documents', 'documents_by_start', '1000000 10000 2000 1'),
        ('documents', 'documents_by_started', '1000000 10000 2000 1'),
        ('documents', 'documents_by_at', '1000000 10000 2000 1');
    ANALYZE sqlite_schema;
    """,
    # Roll-ups by key, so "the last 14 days" is one range read within the user's partition.
    """
    CREATE INDEX IF NOT EXISTS documents_by_key ON documents (user_id, type, json_extract(body, '$.key'));
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('documents', 'documents_by_key', '1000000 10000 2000 1');
    ANALYZE sqlite_schema;
    """,
    # The engine's instances each drain their own shards of the due schedules.
    """
    CREATE INDEX IF NOT EXISTS documents_shard_due
        ON documents (type, json_extract(body, '$.shard'), json_extract(body, '$.next_due'));
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('documents', 'documents_shard_due', '1000000 100000 3000 2');
    ANALYZE sqlite_schema;
    """,
    # Open tasks by due time: the reminder engine reads the ones due soonest for their nudges.
    """
    CREATE INDEX IF NOT EXISTS documents_by_due ON documents (user_id, type, json_extract(body, '$.due_at'));
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('documents', 'documents_by_due', '1000000 10000 2000 1');
    ANALYZE sqlite_schema;
    """,
)


# Queries per statement of query_many: SQLite allows 500 terms in one compound select.
COMPOUND_TERMS = 450
# Rows per statement of a batched write: 6 parameters each, well under SQLite's limit of 32,766.
WRITE_CHUNK = 1000
# FULL: a commit survives a power cut, not only a crash of the process (NORMAL, in WAL mode,
# may lose the last commits then, and is faster on slow disks).
SYNCHRONOUS_MODES = ("FULL", "NORMAL")
# The documents are people's tasks and habits: only the account the bot runs as may read them.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
# Files SQLite keeps beside the database; it gives the journal files the database file's mode.
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")

log = logging.getLogger("avanochi.store")


class SqliteDocumentStore:
    name = "sqlite"

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        if synchronous not in SYNCHRONOUS_MODES:  # it is spliced into a PRAGMA
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, not {synchronous!r}")
        self._path = path
        self._synchronous = synchronous
        self._db: aiosqlite.Connection | None = None
        self.operations = OperationCounter()

    async def open(self) -> None:
        on_disk = self._path != ":memory:"
        if on_disk:
            _create_private_file(os.path.abspath(self._path))
        self._db = await aiosqlite.connect(self._path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute(f"PRAGMA synchronous={self._synchronous}")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        if on_disk:
            # Files an older version left readable by others (or an existing -wal/-shm) close up too.
            for suffix in COMPANION_SUFFIXES:
                _make_private(os.path.abspath(self._path) + suffix, FILE_MODE)

    async def _migrate(self) -> None:
        db = self._require()
        async with db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone() or (0,)
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    def _require(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    @staticmethod
    def _with_etag(doc: Document, etag: str) -> Document:
        stored = dict(doc)
        stored["_etag"] = etag
        return stored

    @staticmethod
    def _body(doc: Document) -> str:
        return json.dumps({k: v for k, v in doc.items() if k != "_etag"}, separators=(",", ":"))

    async def read(self, user_id: str, doc_id: str) -> Document:
        self.operations.count("read", doc_id)
        async with self._require().execute(
            "SELECT body, etag FROM documents WHERE user_id = ? AND id = ?", (user_id, doc_id)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise DocumentMissing(doc_id)
        return self._with_etag(json.loads(row[0]), row[1])

    async def read_many(self, user_id: str, doc_ids: list[str]) -> dict[str, Document]:
        self.operations.count("read_many", f"{len(doc_ids)} ids")
        if not doc_ids:
            return {}
        marks = ", ".join("?" * len(doc_ids))
        async with self._require().execute(
            f"SELECT id, body, etag FROM documents WHERE user_id = ? AND id IN ({marks})", (user_id, *doc_ids)
        ) as cursor:
            rows = await cursor.fetchall()
        return {doc_id: self._with_etag(json.loads(body), etag) for doc_id, body, etag in rows}

    async def create(self, doc: Document) -> Document:
        self.operations.count("create", doc["id"])
        etag = new_etag()
        try:
            await self._require().execute(
                "INSERT INTO documents (user_id, id, type, etag, body) VALUES (?, ?, ?, ?, ?)",
                (doc["user_id"], doc["id"], doc["type"], etag, self._body(doc)),
            )
        except aiosqlite.IntegrityError as exc:
            raise DocumentExists(doc["id"]) from exc
        return self._with_etag(doc, etag)

    async def replace(self, doc: Document, etag: str | None) -> Document:
        self.operations.count("replace", doc["id"])
        etag_now = new_etag()
        sql = "UPDATE documents SET type = ?, etag = ?, body = ? WHERE user_id = ? AND id = ?"
        params: list[Any] = [doc["type"], etag_now, self._body(doc), doc["user_id"], doc["id"]]
        if etag is not None:
            sql += " AND etag = ?"
            params.append(etag)
        cursor = await self._require().execute(sql, params)
        if cursor.rowcount == 0:
            await self._raise_missing_or_stale(doc["user_id"], doc["id"])
        return self._with_etag(doc, etag_now)

    async def replace_many(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        """One statement, so one transaction and one commit (one fsync) for the lot: each row
        is written only if its etag still matches, and RETURNING says which were."""
        self.operations.count("replace_many", f"{len(items)} docs")
        results: list[Document | None] = []
        for start in range(0, len(items), WRITE_CHUNK):
            results += await self._replace_chunk(items[start : start + WRITE_CHUNK])
        return results

    async def _replace_chunk(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        if not items:
            return []
        rows: list[Any] = []
        etags = []
        for doc, etag in items:
            etags.append(new_etag())
            rows += [doc["user_id"], doc["id"], etag, doc["type"], etags[-1], self._body(doc)]
        values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(items))
        sql = (
            "UPDATE documents SET type = b.column4, etag = b.column5, body = b.column6 "
            f"FROM (VALUES {values}) AS b WHERE documents.user_id = b.column1 AND documents.id = b.column2 "
            "AND (b.column3 IS NULL OR documents.etag = b.column3) RETURNING documents.user_id, documents.id"
        )
        written = {(user_id, doc_id) for user_id, doc_id in await self._require().execute_fetchall(sql, rows)}
        return [
            self._with_etag(doc, etag) if (doc["user_id"], doc["id"]) in written else None
            for (doc, _), etag in zip(items, etags, strict=True)
        ]

    async def upsert(self, doc: Document) -> Document:
        self.operations.count("upsert", doc["id"])
        etag = new_etag()
        await self._require().execute(
            "INSERT INTO documents (user_id, id, type, etag, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id, id) DO UPDATE SET type = excluded.type, "
            "etag = excluded.etag, body = excluded.body",
            (doc["user_id"], doc["id"], doc["type"], etag, self._body(doc)),
        )
        return self._with_etag(doc, etag)

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        self.operations.count("delete", doc_id)
        sql = "DELETE FROM documents WHERE user_id = ? AND id = ?"
        params: list[Any] = [user_id, doc_id]
        if etag is not None:
            sql += " AND etag = ?"
            params.append(etag)
        cursor = await self._require().execute(sql, params)
        if cursor.rowcount == 0:
            await self._raise_missing_or_stale(user_id, doc_id)

    async def _raise_missing_or_stale(self, user_id: str, doc_id: str) -> None:
        async with self._require().execute(
            "SELECT 1 FROM documents WHERE user_id = ? AND id = ?", (user_id, doc_id)
        ) as cursor:
            exists = await cursor.fetchone() is not None
        raise EtagMismatch(doc_id) if exists else DocumentMissing(doc_id)

    async def query(self, query: Query) -> list[Document]:
        self.operations.count("query", describe(query))
        sql, params = self._select("body, etag", query)
        if query.order_by:
            sql += f" ORDER BY json_extract(body, '$.{query.order_by}')"
            sql += " DESC" if query.descending else " ASC"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        rows = await self._require().execute_fetchall(sql, params)
        return [self._with_etag(json.loads(body), etag) for body, etag in rows]

    async def query_many(self, queries: Sequence[Query]) -> list[list[Document]]:
        """Several queries in one statement each few hundred (UNION ALL of each, with its own
        order and limit): one round trip to the database thread instead of one per query."""
        found: list[list[Document]] = []
        for start in range(0, len(queries), COMPOUND_TERMS):
            found += await self._query_union(queries[start : start + COMPOUND_TERMS])
        return found

    async def _query_union(self, queries: Sequence[Query]) -> list[list[Document]]:
        self.operations.count("query", "; ".join(describe(query) for query in queries))
        if not queries:
            return []
        parts, params = [], []
        for number, query in enumerate(queries):
            sql, own = self._select("body, etag", query)
            key = f"json_extract(body, '$.{query.order_by}')" if query.order_by else "NULL"
            if query.order_by:
                sql += f" ORDER BY {key} {'DESC' if query.descending else 'ASC'}"
            if query.limit is not None:
                sql += " LIMIT ?"
                own.append(query.limit)
            # Keyed again outside: a compound select keeps no order of its members' own.
            parts.append(f"SELECT {number}, body, etag, {key} FROM ({sql})")
            params += own
        found: list[list[tuple[Any, Document]]] = [[] for _ in queries]
        # execute_fetchall: one hand-over to the database thread, not one each for run, fetch and close.
        for number, body, etag, key in await self._require().execute_fetchall(" UNION ALL ".join(parts), params):
            found[number].append((key, self._with_etag(json.loads(body), etag)))
        for number, query in enumerate(queries):
            if query.order_by:
                found[number].sort(key=lambda pair: _json_rank(pair[0]), reverse=query.descending)
        return [[doc for _, doc in part] for part in found]

    async def count(self, query: Query) -> int:
        self.operations.count("count", describe(query))
        sql, params = self._select("COUNT(*)", query)
        async with self._require().execute(sql, params) as cursor:
            (total,) = await cursor.fetchone() or (0,)
        return int(total)

    async def delete_partition(self, user_id: str) -> int:
        self.operations.count("delete", "partition")
        cursor = await self._require().execute("DELETE FROM documents WHERE user_id = ?", (user_id,))
        return cursor.rowcount

    @staticmethod
    def _select(columns: str, query: Query) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.type is not None:
            clauses.append("type = ?")
            params.append(query.type)
        if query.user_id is not None:
            clauses.append("user_id = ?")
            params.append(query.user_id)
        for condition in query.where:
            clauses.append(_condition_sql(condition, params))
        return f"SELECT {columns} FROM documents WHERE {' AND '.join(clauses)}", params


def _create_private_file(path: str) -> None:
    """Create the database file owner-only before SQLite opens it, and every missing directory
    above it likewise. A directory that already exists (``/tmp``, a mounted volume) is the
    operator's and keeps its mode."""
    missing = []
    directory = os.path.dirname(path)
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIRECTORY_MODE)
        except FileExistsError:  # another process made it meanwhile: not ours to change
            continue
        _make_private(directory, DIRECTORY_MODE)  # the umask may have taken the owner's bits
    # Created with its final mode: no moment at which the file exists readable by others.
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        pass


def _make_private(path: str, mode: int) -> None:
    try:
        if os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:  # a file someone else owns: say so rather than refuse to start
        log.warning("cannot make the store's files owner-only", extra={"path": path})


def _json_rank(value: Any) -> tuple[int, Any]:
    """How SQLite orders json_extract values: null, then numbers, then text."""
    if value is None:
        return (0, 0)
    return (1, value) if isinstance(value, (int, float)) else (2, str(value))


def _condition_sql(condition: Condition, params: list[Any]) -> str:
    # The key fields are real columns (indexed); everything else lives in the JSON body.
    column = (
        condition.field
        if condition.field in ("id", "user_id", "type")
        else (f"json_extract(body, '$.{condition.field}')")
    )
    if condition.value is None:
        if condition.op == "=":
            return f"{column} IS NULL"
        if condition.op == "!=":
            return f"{column} IS NOT NULL"
        raise ValueError("only = and != compare with null")
    params.append(condition.value)
    return f"{column} {condition.op} ?"
