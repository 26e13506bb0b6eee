"""The document-store contract: every test runs on SQLite and on the Cosmos DB test server."""

from __future__ import annotations

import asyncio

import pytest

from persistence.port import (
    DocumentExists,
    DocumentMissing,
    DocumentStore,
    EtagMismatch,
    Query,
    where,
)


def task(user: str, doc_id: str, **fields) -> dict:
    return {"id": doc_id, "user_id": user, "type": "task", **fields}


async def seed(store: DocumentStore) -> None:
    docs = [
        task("alice", "t1", title="write", points=3, done=False, due="2025-01-03", note=None),
        task("alice", "t2", title="read", points=1, done=True, due="2025-01-01", note="x"),
        task("alice", "t3", title="plan", points=5, done=False, due="2025-01-02"),
        task("bob", "t1", title="bob's", points=2, done=False, due="2025-01-04", note=None),
        {"id": "s1", "user_id": "alice", "type": "session", "points": 9, "due": "2025-01-01"},
    ]
    for doc in docs:
        await store.create(doc)


def ids(docs: list[dict]) -> list[str]:
    return [doc["id"] for doc in docs]


async def test_create_then_read_round_trips_with_etag(store: DocumentStore) -> None:
    doc = task("alice", "t1", title="write", tags=["a", "b"], meta={"n": 1.5}, flag=True, none=None)
    created = await store.create(doc)
    assert created["_etag"]
    read = await store.read("alice", "t1")
    assert read == created
    assert {k: v for k, v in read.items() if k != "_etag"} == doc
    for system in ("_rid", "_self", "_ts", "_attachments"):
        assert system not in read


async def test_create_of_a_taken_id_raises_document_exists(store: DocumentStore) -> None:
    await store.create(task("alice", "t1", title="first"))
    with pytest.raises(DocumentExists):
        await store.create(task("alice", "t1", title="second"))
    assert (await store.read("alice", "t1"))["title"] == "first"


async def test_same_id_in_two_partitions_is_two_documents(store: DocumentStore) -> None:
    await store.create(task("alice", "t1", title="alice's"))
    await store.create(task("bob", "t1", title="bob's"))
    assert (await store.read("alice", "t1"))["title"] == "alice's"
    assert (await store.read("bob", "t1"))["title"] == "bob's"
    await store.delete("alice", "t1")
    assert (await store.read("bob", "t1"))["title"] == "bob's"


async def test_read_of_a_missing_id_raises_document_missing(store: DocumentStore) -> None:
    await store.create(task("alice", "t1"))
    with pytest.raises(DocumentMissing):
        await store.read("alice", "nope")
    with pytest.raises(DocumentMissing):
        await store.read("bob", "t1")


async def test_replace_with_current_etag_changes_the_etag(store: DocumentStore) -> None:
    created = await store.create(task("alice", "t1", title="old"))
    replaced = await store.replace({**created, "title": "new"}, created["_etag"])
    assert replaced["title"] == "new"
    assert replaced["_etag"] and replaced["_etag"] != created["_etag"]
    assert await store.read("alice", "t1") == replaced


async def test_replace_with_stale_etag_raises_and_leaves_the_doc(store: DocumentStore) -> None:
    created = await store.create(task("alice", "t1", title="old"))
    current = await store.replace({**created, "title": "new"}, created["_etag"])
    with pytest.raises(EtagMismatch):
        await store.replace({**created, "title": "lost update"}, created["_etag"])
    assert await store.read("alice", "t1") == current


async def test_replace_without_etag_overwrites(store: DocumentStore) -> None:
    await store.create(task("alice", "t1", title="old", extra=1))
    replaced = await store.replace(task("alice", "t1", title="new"), None)
    read = await store.read("alice", "t1")
    assert read == replaced and "extra" not in read


async def test_replace_and_delete_of_a_missing_id_raise_document_missing(store: DocumentStore) -> None:
    with pytest.raises(DocumentMissing):
        await store.replace(task("alice", "nope"), None)
    with pytest.raises(DocumentMissing):
        await store.replace(task("alice", "nope"), "some-etag")
    with pytest.raises(DocumentMissing):
        await store.delete("alice", "nope")
    with pytest.raises(DocumentMissing):
        await store.delete("alice", "nope", "some-etag")


async def test_upsert_inserts_then_overwrites(store: DocumentStore) -> None:
    first = await store.upsert(task("alice", "t1", title="one"))
    assert await store.read("alice", "t1") == first
    second = await store.upsert({**first, "title": "two"})
    assert second["_etag"] != first["_etag"]
    assert (await store.read("alice", "t1"))["title"] == "two"


async def test_delete_with_stale_etag_raises_and_keeps_the_doc(store: DocumentStore) -> None:
    created = await store.create(task("alice", "t1", title="old"))
    current = await store.replace({**created, "title": "new"}, created["_etag"])
    with pytest.raises(EtagMismatch):
        await store.delete("alice", "t1", created["_etag"])
    assert await store.read("alice", "t1") == current
    await store.delete("alice", "t1", current["_etag"])
    with pytest.raises(DocumentMissing):
        await store.read("alice", "t1")


OPERATOR_CASES = [
    (where("points", "=", 3), ["t1"]),
    (where("points", "!=", 3), ["t2", "t3"]),
    (where("points", "<", 3), ["t2"]),
    (where("points", "<=", 3), ["t1", "t2"]),
    (where("points", ">", 3), ["t3"]),
    (where("points", ">=", 3), ["t1", "t3"]),
    (where("title", "=", "plan"), ["t3"]),
    (where("due", "<", "2025-01-03"), ["t2", "t3"]),
    (where("done", "=", True), ["t2"]),
    (where("done", "=", False), ["t1", "t3"]),
    (where("done", "!=", True), ["t1", "t3"]),
    # A field that is null or missing both match "= None"; "!= None" needs a value.
    (where("note", "=", None), ["t1", "t3"]),
    (where("note", "!=", None), ["t2"]),
    # A null or missing field never matches a comparison with a value.
    (where("note", "!=", "x"), []),
    (where("missing", "=", 1), []),
    (where("id", "=", "t2"), ["t2"]),
]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [pytest.param(c, e, id=f"{c.field}{c.op}{c.value!r}") for c, e in OPERATOR_CASES],
)
async def test_query_by_type_and_user_with_each_operator(store: DocumentStore, condition, expected) -> None:
    await seed(store)
    found = await store.query(Query("task", "alice", where=(condition,)))
    assert sorted(ids(found)) == expected
    assert all(doc["user_id"] == "alice" and doc["type"] == "task" and doc["_etag"] for doc in found)


async def test_query_combines_conditions(store: DocumentStore) -> None:
    await seed(store)
    found = await store.query(Query("task", "alice", where=(where("done", "=", False), where("points", ">", 3))))
    assert ids(found) == ["t3"]


async def test_range_comparison_with_null_is_rejected(store: DocumentStore) -> None:
    with pytest.raises(ValueError):
        await store.query(Query("task", "alice", where=(where("points", "<", None),)))


async def test_query_orders_and_limits(store: DocumentStore) -> None:
    await seed(store)
    ascending = await store.query(Query("task", "alice", order_by="points"))
    assert ids(ascending) == ["t2", "t1", "t3"]
    descending = await store.query(Query("task", "alice", order_by="due", descending=True))
    assert ids(descending) == ["t1", "t3", "t2"]
    top = await store.query(Query("task", "alice", order_by="points", descending=True, limit=2))
    assert ids(top) == ["t3", "t1"]
    assert len(await store.query(Query("task", "alice", limit=1))) == 1
    assert await store.query(Query("task", "alice", limit=0)) == []
    assert await store.query(Query("task", "nobody")) == []


async def test_fields_named_like_sql_keywords(store: DocumentStore) -> None:
    for i, (value, order) in enumerate([(3, "b"), (1, "c"), (2, "a")]):
        await store.create(task("alice", f"k{i}", value=value, order=order, select=None))
    found = await store.query(
        Query("task", "alice", where=(where("value", ">", 1), where("select", "=", None)), order_by="order")
    )
    assert ids(found) == ["k2", "k0"]


async def test_cross_partition_query(store: DocumentStore) -> None:
    await seed(store)
    everyone = await store.query(Query("task", None, order_by="points"))
    assert [(d["user_id"], d["id"]) for d in everyone] == [
        ("alice", "t2"),
        ("bob", "t1"),
        ("alice", "t1"),
        ("alice", "t3"),
    ]
    open_tasks = await store.query(Query("task", None, where=(where("note", "=", None),), order_by="due"))
    assert [(d["user_id"], d["id"]) for d in open_tasks] == [("alice", "t3"), ("alice", "t1"), ("bob", "t1")]
    top = await store.query(Query("task", None, order_by="points", descending=True, limit=2))
    assert [(d["user_id"], d["id"]) for d in top] == [("alice", "t3"), ("alice", "t1")]


async def test_count(store: DocumentStore) -> None:
    await seed(store)
    assert await store.count(Query("task", "alice")) == 3
    assert await store.count(Query("task", "alice", where=(where("done", "=", False),))) == 2
    assert await store.count(Query("session", "alice")) == 1
    assert await store.count(Query("task", None)) == 4
    assert await store.count(Query("task", "nobody")) == 0


async def test_delete_partition_removes_only_that_user(store: DocumentStore) -> None:
    await seed(store)
    assert await store.delete_partition("alice") == 4
    assert await store.count(Query("task", "alice")) == 0
    assert await store.count(Query("session", "alice")) == 0
    assert ids(await store.query(Query("task", "bob"))) == ["t1"]
    assert await store.delete_partition("alice") == 0


async def test_concurrent_creates_all_land(store: DocumentStore) -> None:
    await asyncio.gather(*(store.create(task("alice", f"c{i}", n=i)) for i in range(40)))
    assert await store.count(Query("task", "alice")) == 40
    assert sorted(d["n"] for d in await store.query(Query("task", "alice"))) == list(range(40))
    assert await store.delete_partition("alice") == 40
    assert await store.count(Query("task", "alice")) == 0


async def test_concurrent_conditional_replaces_exactly_one_wins(store: DocumentStore) -> None:
    created = await store.create(task("alice", "t1", xp=0))

    async def bump(i: int):
        try:
            return await store.replace({**created, "xp": i + 1}, created["_etag"])
        except EtagMismatch:
            return None

    results = await asyncio.gather(*(bump(i) for i in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert await store.read("alice", "t1") == winners[0]


async def test_read_many_returns_the_documents_that_exist_in_one_partition(store: DocumentStore) -> None:
    first = await store.create(task("alice", "t1"))
    await store.create(task("alice", "t2"))
    await store.create(task("bob", "t3"))
    store.operations.reset()
    found = await store.read_many("alice", ["t1", "t3", "missing", "t2"])
    assert sorted(found) == ["t1", "t2"]  # bob's t3 is in another partition
    assert found["t1"] == first and found["t2"]["_etag"]
    assert await store.read_many("alice", []) == {}
    assert store.operations.by_kind == {"read_many": 2} and store.operations.reads == 2


async def test_operation_counter_counts(store: DocumentStore) -> None:
    store.operations.reset()
    created = await store.create(task("alice", "t1"))
    await store.read("alice", "t1")
    await store.replace(created, created["_etag"])
    await store.upsert(task("alice", "t2"))
    await store.query(Query("task", "alice"))
    await store.count(Query("task", "alice"))
    with pytest.raises(DocumentMissing):
        await store.read("alice", "nope")
    await store.delete("alice", "t2")
    await store.delete_partition("alice")
    ops = store.operations
    assert ops.by_kind == {
        "create": 1,
        "read": 2,
        "replace": 1,
        "upsert": 1,
        "query": 1,
        "count": 1,
        "delete": 2,
    }
    assert (ops.reads, ops.writes, ops.queries, ops.total) == (2, 5, 2, 9)


async def test_replace_many_writes_those_whose_etag_still_matches_and_says_which(store: DocumentStore) -> None:
    await seed(store)
    fresh, stale, gone = (await store.read("alice", "t1")), (await store.read("alice", "t2")), task("alice", "tX")
    await store.replace({**stale, "title": "someone else's"}, stale["_etag"])  # stale's etag is now old
    other = await store.read("bob", "t1")
    batch = [({**fresh, "points": 30}, fresh["_etag"]), ({**stale, "points": 10}, stale["_etag"])]
    batch += [(gone, None), ({**other, "points": 20}, other["_etag"])]

    written = await store.replace_many(batch)

    first, _, _, last = written
    assert [doc is not None for doc in written] == [True, False, False, True]
    assert first is not None and last is not None
    assert (await store.read("alice", "t1")) == first and first["points"] == 30
    assert first["_etag"] != fresh["_etag"] and first["_etag"] != last["_etag"]
    assert (await store.read("alice", "t2"))["title"] == "someone else's"
    assert (await store.read("bob", "t1"))["points"] == 20
    assert await store.replace_many([]) == []


async def test_query_many_answers_each_query_with_its_own_order_and_limit(store: DocumentStore) -> None:
    await seed(store)
    queries = [
        Query("task", "alice", order_by="due", descending=True, limit=1),
        Query("task", "alice", (where("done", "=", False),), order_by="points"),
        Query("session", "alice"),
        Query("task", "alice", (where("id", "=", "nope"),)),
        Query("task", "alice", order_by="due", limit=2),
    ]

    answers = await store.query_many(queries)

    assert [ids(answer) for answer in answers] == [["t1"], ["t1", "t3"], ["s1"], [], ["t2", "t3"]]
    assert answers == [await store.query(query) for query in queries]  # as each query alone
