"""The driver-level bulk writer stores exactly what SQLAlchemy's own executemany stores,
on both backends: bytes given to the driver as they are, UUIDs, dates and aware instants
through their bind processors, and values repeated from row to row bound once. The keyed
read and the prebuilt reads return what a Core select returns."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    Column,
    Date,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    create_engine,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from rempart.db.bulk import (
    IN_CHUNK,
    insert_many,
    read,
    read_alone,
    select_in,
    update_many,
    write,
)
from rempart.db.engine import make_engine
from rempart.db.types import UtcDateTime


def _table(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("parent", Uuid),
        Column("blob", LargeBinary),
        Column("day", Date),
        Column("at", UtcDateTime()),
        Column("rank", Integer),
        Column("label", String(20)),
    )


def _row(label: str) -> dict[str, object]:
    """One row of `_table`, every column typed."""
    return {
        "id": uuid.uuid4(),
        "parent": None,
        "blob": b"x",
        "day": date(2026, 11, 29),
        "at": datetime(2026, 11, 29, 6, 0, tzinfo=UTC),
        "rank": 1,
        "label": label,
    }


def test_bulk_rows_read_back_as_the_core_writer_stores_them(database_url: str) -> None:
    engine = create_engine(database_url)
    metadata, suffix = MetaData(), uuid.uuid4().hex[:8]
    bulk, reference = _table(f"bulk_{suffix}", metadata), _table(f"core_{suffix}", metadata)
    metadata.create_all(engine)
    shared_parent, shared_day = uuid.uuid4(), date(2026, 11, 28)
    shared_at = datetime(2026, 11, 28, 12, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            # Repeated objects (the same parent, day and instant) and fresh equal ones.
            "parent": shared_parent if n % 3 else uuid.UUID(str(shared_parent)),
            "blob": bytes([n, 0, 255]) * (n + 1) if n % 4 else None,
            "day": shared_day if n % 2 else date(2020, 1, n + 1),
            "at": shared_at,
            "rank": n,
            "label": None if n == 5 else f"row {n}",
        }
        for n in range(12)
    ]
    try:
        with engine.begin() as connection:
            insert_many(connection, bulk, rows)
            connection.execute(reference.insert(), rows)
            changes = [
                {"b_id": rows[n]["id"], "blob": b"\x00new", "day": shared_day} for n in (1, 7)
            ]
            update_many(connection, bulk, changes, id_key="b_id")
            connection.execute(
                reference.update()
                .where(reference.c.id.in_([rows[1]["id"], rows[7]["id"]]))
                .values(blob=b"\x00new", day=shared_day)
            )
        with engine.connect() as connection:
            stored = connection.execute(select(bulk).order_by(bulk.c.rank)).all()
            expected = connection.execute(select(reference).order_by(reference.c.rank)).all()
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert stored == expected
    assert [type(row.blob) for row in stored if row.blob is not None] == [bytes] * 9
    assert stored[1].blob == b"\x00new"


def test_keyed_read_returns_what_core_returns_over_chunks_and_padding(database_url: str) -> None:
    engine = create_engine(database_url)
    metadata = MetaData()
    table = _table(f"keyed_{uuid.uuid4().hex[:8]}", metadata)
    metadata.create_all(engine)
    count = IN_CHUNK * 2 + 37  # two full chunks and a padded rest
    rows = [
        {
            "id": uuid.uuid4(),
            "parent": None if n % 5 == 0 else uuid.uuid4(),
            "blob": n.to_bytes(4, "big"),
            "day": date(2026, 1 + n % 12, 1 + n % 28),
            "at": datetime(2026, 11, 28, 12, n % 60, tzinfo=UTC),
            "rank": n,
            "label": None if n % 7 == 0 else f"row {n}",
        }
        for n in range(count)
    ]
    # Every stored key but one in ten, asked once or twice, and keys that match nothing.
    wanted: list[object] = [n.to_bytes(4, "big") for n in range(count) if n % 10]
    wanted += wanted[:50] + [b"absent" + bytes([n]) for n in range(20)]
    columns = (table.c.blob, table.c.id, table.c.parent, table.c.day, table.c.at, table.c.label)
    try:
        with engine.begin() as connection:
            insert_many(connection, table, rows)
        with engine.connect() as connection:
            found = sorted(select_in(connection, columns, table.c.blob, wanted))
            expected = sorted(
                tuple(row)
                for row in connection.execute(select(*columns).where(table.c.rank % 10 != 0))
            )
            nothing = list(select_in(connection, columns, table.c.blob, []))
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert found == expected
    assert len(found) == len({row[0] for row in found}) == count - count // 10 - 1
    assert nothing == []


def test_prebuilt_reads_return_what_core_returns(database_url: str) -> None:
    engine = create_engine(database_url)
    metadata = MetaData()
    table = _table(f"read_{uuid.uuid4().hex[:8]}", metadata)
    metadata.create_all(engine)
    parent = uuid.uuid4()
    rows = [
        {
            "id": uuid.uuid4(),
            "parent": parent if n % 2 else None,
            "blob": bytes([n]),
            "day": date(2026, 1, n + 1),
            "at": datetime(2026, 11, 28, 12, n, tzinfo=UTC),
            "rank": n,
            "label": "kept" if n % 3 else "other",
        }
        for n in range(9)
    ]
    # A bound parameter, a bound UUID and a literal the statement carries itself.
    statement = (
        select(table.c.id, table.c.parent, table.c.day, table.c.at, table.c.blob)
        .where(table.c.parent == bindparam("parent", type_=Uuid))
        .where(table.c.rank >= bindparam("from_rank"), table.c.label == "kept")
        .order_by(table.c.rank)
    )
    values = {"parent": parent, "from_rank": 2}
    try:
        with engine.begin() as connection:
            insert_many(connection, table, rows)
        with engine.connect() as connection:
            expected = [tuple(row) for row in connection.execute(statement, values)]
            inside = read(connection, statement, values)
            with pytest.raises(ValueError, match="select_in"):
                read(connection, select(table.c.id).where(table.c.rank.in_([1, 2])), {})
        alone = read_alone(engine, statement, values)
        none = read_alone(engine, statement, {"parent": uuid.uuid4(), "from_rank": 0})
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert inside == alone == expected
    assert [row[0] for row in expected] == [rows[n]["id"] for n in (5, 7)]
    assert isinstance(expected[0][0], uuid.UUID)
    assert expected[0][3].tzinfo is not None
    assert none == []


def test_bulk_writes_commit_with_their_connection_and_fail_as_core_fails(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    metadata = MetaData()
    table = _table(f"commit_{uuid.uuid4().hex[:8]}", metadata)
    metadata.create_all(engine)
    row = _row("first")
    try:
        with engine.connect() as connection:  # no transaction begun yet
            insert_many(connection, table, [row])
            connection.commit()
        with engine.connect() as connection:
            with pytest.raises(IntegrityError):
                insert_many(connection, table, [row])  # the same primary key
            connection.rollback()
            stored = connection.execute(select(table.c.label)).scalars().all()
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert stored == ["first"]


def test_driver_errors_are_cores_and_never_carry_the_values(database_url: str) -> None:
    """The app's engines hide statement values from error messages: an unhandled one
    reaches the server's log whole, with whatever identifier the statement bound."""
    engine = make_engine(database_url)
    metadata = MetaData()
    table = _table(f"errors_{uuid.uuid4().hex[:8]}", metadata)
    metadata.create_all(engine)
    marker = "never-logged-7f3a"
    row = _row(marker)
    gone = select(table.c.id).where(table.c.label == bindparam("label"))
    try:
        with engine.begin() as connection:
            insert_many(connection, table, [row])
        with engine.connect() as connection, pytest.raises(IntegrityError) as written:
            insert_many(connection, table, [row])
        metadata.drop_all(engine)
        with engine.connect() as connection, pytest.raises(DBAPIError) as read_back:
            read(connection, gone, {"label": marker})
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    for error in (written.value, read_back.value):
        assert marker not in str(error)
        assert "hidden" in str(error)  # SQLAlchemy's own words for withheld parameters


def test_a_prebuilt_write_binds_its_values_as_core_would(database_url: str) -> None:
    """`write`: a module-level UPDATE, values bound by name and typed by their columns
    (a UUID key, a UTC instant), in the connection's transaction."""
    engine = make_engine(database_url)
    metadata = MetaData()
    table = _table(f"write_{uuid.uuid4().hex[:8]}", metadata)
    metadata.create_all(engine)
    first, second = _row("first"), _row("second")
    later = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    relabel = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.rank == 1)
        .values(label=bindparam("label"), at=bindparam("at"))
    )
    try:
        with engine.begin() as connection:
            insert_many(connection, table, [first, second])
        with engine.connect() as connection:
            write(connection, relabel, {"row_id": first["id"], "label": "renamed", "at": later})
            connection.rollback()  # in the connection's transaction: rolled back with it
            unchanged = connection.execute(select(table.c.label).order_by(table.c.label)).all()
            write(connection, relabel, {"row_id": first["id"], "label": "renamed", "at": later})
            connection.commit()
        with engine.connect() as connection:
            stored = connection.execute(
                select(table.c.label, table.c.at).order_by(table.c.label)
            ).all()
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    assert [r[0] for r in unchanged] == ["first", "second"]
    assert [tuple(r) for r in stored] == [("renamed", later), ("second", second["at"])]
