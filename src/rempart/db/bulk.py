"""Driver-level executemany for the few hot paths that write thousands of rows a second
(rights-file import, key rotation), the keyed read that precedes their writes, and
prebuilt reads for the requests every pharmacy makes (the caller's session).

SQLAlchemy's Core executemany spends more time building parameters per row than the
driver spends writing them. Here a statement is compiled once per dialect and column set,
bind processors (UUID to text on SQLite, dates, ...) are applied in one tight loop, and
the rows go straight to the driver. Values are still typed by the table's columns, so
both backends store exactly what the ORM would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    LargeBinary,
    Select,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None
AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns

# Drivers that bind `bytes` as a BLOB / bytea themselves: SQLAlchemy's LargeBinary
# processor only wraps each value in the driver's `Binary` (a memoryview on sqlite3),
# which stores the same bytes and costs a call per ciphertext.
_NATIVE_BYTES_DRIVERS = frozenset({"pysqlite", "psycopg"})


def _processor(type_: Any, dialect: Dialect) -> Processor:
    impl = type_.dialect_impl(dialect)
    if isinstance(impl, LargeBinary) and dialect.driver in _NATIVE_BYTES_DRIVERS:
        return None
    processor: Processor = impl.bind_processor(dialect)
    return processor


@dataclass(frozen=True)
class _Write:
    """A write statement compiled for one table, column set and dialect, with what turns
    a row into its parameters: built once, where per call it cost a single-row write as
    much as the driver's insert."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    pull: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # a row's values, in `names` order
    typed: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)


@lru_cache(maxsize=256)
def _compiled(
    table: Table, kind: str, keys: tuple[str, ...], where_key: str | None, dialect: Dialect
) -> _Write:
    if kind == "insert":
        statement: Any = insert(table).values({k: bindparam(k) for k in keys})
    else:
        assert where_key is not None
        statement = (
            update(table)
            .where(table.c.id == bindparam(where_key, type_=table.c.id.type))
            .values({k: bindparam(f"v_{k}") for k in keys})
        )
    compiled = statement.compile(dialect=dialect)
    positional = compiled.positiontup is not None
    names = tuple(compiled.positiontup) if positional else tuple(compiled.binds)
    processors = tuple(_processor(compiled.binds[name].type, dialect) for name in names)
    sources = [_source_key(n, where_key) for n in names]
    # itemgetter pulls a row's values in one C call; only the few typed columns (UUIDs on
    # SQLite, dates) go through a processor.
    pull: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
        itemgetter(*sources) if len(sources) > 1 else (lambda row: (row[sources[0]],))
    )
    typed = tuple((i, p) for i, p in enumerate(processors) if p is not None)
    return _Write(str(compiled), names, positional, pull, typed)


def _source_key(name: str, where_key: str | None) -> str:
    if where_key is not None and name == where_key:
        return name
    return name[2:] if name.startswith("v_") else name


def _execute(
    connection: Connection,
    table: Table,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    where_key: str | None,
) -> None:
    if not rows:
        return
    keys = tuple(k for k in rows[0] if k != where_key)
    write = _compiled(table, kind, keys, where_key, connection.dialect)
    names, positional, pull, typed = write.names, write.positional, write.pull, write.typed
    parameters: list[Any] = []
    if typed:
        # A value repeated from the row before (the same contract, run or date object, as
        # batches often carry) reuses its bound form.
        last: list[Any] = [None] * len(typed)
        bound: list[Any] = [None] * len(typed)
        for row in rows:
            values = list(pull(row))
            for slot, (position, process) in enumerate(typed):
                value = values[position]
                if value is None:
                    continue
                if value is last[slot]:
                    values[position] = bound[slot]
                else:
                    last[slot] = value
                    values[position] = bound[slot] = process(value)
            parameters.append(
                tuple(values) if positional else dict(zip(names, values, strict=True))
            )
    else:
        for row in rows:
            plain = pull(row)
            parameters.append(plain if positional else dict(zip(names, plain, strict=True)))
    _on_driver(connection, write.sql, parameters)


def _on_driver(connection: Connection, sql: str, parameters: list[Any]) -> None:
    """The statement on the connection's driver cursor, in its transaction. For the one
    row an audited action writes, `exec_driver_sql`'s execution context and events cost
    as much as the insert."""
    if not connection.in_transaction():
        connection.begin()  # as Core's own execution would: the caller's commit commits it
    cursor = connection.connection.cursor()
    try:
        with _as_core_raises(connection.engine, connection.connection, sql, parameters):
            if len(parameters) == 1:
                cursor.execute(sql, parameters[0])
            else:
                cursor.executemany(sql, parameters)
    finally:
        cursor.close()


@contextmanager
def _as_core_raises(
    engine: Engine, dbapi_connection: Any, sql: str, parameters: Any
) -> Iterator[None]:
    """The driver's errors wrapped as SQLAlchemy wraps them (an IntegrityError stays an
    IntegrityError, and callers' handling of Core's errors holds), with the engine's
    choice to keep parameters out of the message, and marked `connection_invalidated`
    when the dialect reads a lost connection in them, as Core marks its own."""
    dialect = engine.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            sql,
            parameters,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=engine.hide_parameters,
            connection_invalidated=dialect.is_disconnect(error, dbapi_connection, None),
            dialect=dialect,
            ismulti=isinstance(parameters, list) and len(parameters) > 1,
        ) from error


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row; all rows carry the same keys."""
    _execute(connection, table, "insert", rows, None)


def update_many(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, id_key: str
) -> None:
    """UPDATE each row by primary key `id`, read from `rows[i][id_key]`; other keys are
    the columns to set. All rows carry the same keys."""
    _execute(connection, table, "update", rows, id_key)


# SQLite accepts 32,766 bound parameters; IN lists stay well below.
IN_CHUNK = 900
_IN_STEP = 100


@lru_cache(maxsize=64)
def _compiled_select(
    columns: tuple[Column[Any], ...], key: Column[Any], size: int, dialect: Dialect
) -> tuple[str, tuple[str, ...], Processor, tuple[Processor, ...], bool]:
    names = tuple(f"k{i}" for i in range(size))
    statement = select(*columns).where(key.in_([bindparam(n, type_=key.type) for n in names]))
    compiled = statement.compile(dialect=dialect)
    positional = compiled.positiontup is not None
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return str(compiled), names, _processor(key.type, dialect), results, positional


def select_in(
    connection: Connection,
    columns: Sequence[Column[Any]],
    key: Column[Any],
    values: Sequence[Any],
) -> Iterator[tuple[Any, ...]]:
    """Rows of `columns` whose `key` is one of `values`, each once, typed as Core reads them.

    The statement is compiled once per IN-list length, where Core would compile and
    bind-process every value of every chunk again. A short chunk is padded by repeating
    its last value (IN is a set test: the rows are the same) to a multiple of
    `_IN_STEP`, so that a few lengths serve every batch.
    """
    chosen = tuple(columns)
    values = list(dict.fromkeys(values))  # a value in two chunks would return its rows twice
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        size = min(IN_CHUNK, -(-len(chunk) // _IN_STEP) * _IN_STEP)
        chunk.extend(chunk[-1:] * (size - len(chunk)))
        sql, names, key_processor, results, positional = _compiled_select(
            chosen, key, size, connection.dialect
        )
        bound = chunk if key_processor is None else [key_processor(v) for v in chunk]
        parameters: Any = tuple(bound) if positional else dict(zip(names, bound, strict=True))
        yield from _fetch(connection.engine, connection.connection, sql, parameters, results)


@dataclass(frozen=True)
class _Prebuilt:
    """A statement compiled for one dialect, and how its parameters are bound."""

    sql: str
    names: tuple[str, ...]  # its parameters, in the driver's order
    processors: tuple[Processor, ...]
    fixed: dict[str, Any]  # literals the statement carries, by their compiled names
    positional: bool
    results: tuple[Processor, ...]  # a SELECT's columns; empty for a write

    def bound(self, values: Mapping[str, Any]) -> Any:
        bound = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.fixed[name]
            bound.append(value if process is None or value is None else process(value))
        return tuple(bound) if self.positional else dict(zip(self.names, bound, strict=True))


@lru_cache(maxsize=128)
def _prebuilt(statement: Any, dialect: Dialect) -> _Prebuilt:
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params:
        raise ValueError("expanding (IN) parameters need Core's execution: use select_in")
    # A literal the statement carries (`column == "value"`) is an anonymous parameter:
    # its name in the SQL is the compiled one, its value the compiled default.
    by_name = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
    names = tuple(compiled.positiontup or by_name)
    selected = getattr(statement, "selected_columns", None) if statement.is_select else None
    return _Prebuilt(
        sql=str(compiled),
        names=names,
        processors=tuple(_processor(by_name[name].type, dialect) for name in names),
        fixed=dict(compiled.params),
        positional=compiled.positiontup is not None,
        results=tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected or ()
        ),
    )


def _read(engine: Engine, dbapi_connection: Any, statement: AnySelect, values: Any) -> Any:
    prebuilt = _prebuilt(statement, engine.dialect)
    parameters = prebuilt.bound(values)
    return _fetch(engine, dbapi_connection, prebuilt.sql, parameters, prebuilt.results)


def write(connection: Connection, statement: Any, values: Mapping[str, Any]) -> None:
    """A prebuilt INSERT, UPDATE or DELETE (module-level, built once, its values bound by
    name) on `connection`'s driver, in its transaction: `read` for the writes of a
    request's hot path, where Core's execution context costs more than the write."""
    prebuilt = _prebuilt(statement, connection.dialect)
    _on_driver(connection, prebuilt.sql, [prebuilt.bound(values)])


def _fetch(
    engine: Engine,
    dbapi_connection: Any,
    sql: str,
    parameters: Any,
    results: tuple[Processor, ...],
) -> list[tuple[Any, ...]]:
    """Every row of `sql` on the driver, each column typed by its result processor."""
    cursor = dbapi_connection.cursor()
    try:
        with _as_core_raises(engine, dbapi_connection, sql, parameters):
            cursor.execute(sql, parameters)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    typed = [(i, p) for i, p in enumerate(results) if p is not None]
    if not typed:
        return rows
    out = []
    for row in rows:
        typed_row = list(row)
        for position, process in typed:
            if typed_row[position] is not None:
                typed_row[position] = process(typed_row[position])
        out.append(tuple(typed_row))
    return out


def read(
    connection: Connection, statement: AnySelect, values: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a prebuilt SELECT (module-level, built once) on `connection`, in its
    transaction, typed as Core reads them. Compiled once per statement and dialect: Core
    looks its compiled form up, builds an execution context and a result object on every
    call, which costs a request more than the database's own work."""
    rows: list[tuple[Any, ...]] = _read(connection.engine, connection.connection, statement, values)
    return rows


def read_alone(
    engine: Engine, statement: AnySelect, values: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """`read` on a pooled connection of its own, outside any unit of work: for a single
    statement that needs no transaction around it (its own snapshot is enough) and no
    session, such as resolving the caller of every request. On PostgreSQL it runs in
    autocommit: a driver that opens a transaction for it (psycopg) would spend a round
    trip on BEGIN and another on the ROLLBACK the pool resets it with."""
    dbapi_connection = engine.raw_connection()
    driver: Any = dbapi_connection.driver_connection
    autocommit = engine.dialect.name == "postgresql" and not driver.autocommit
    try:
        if autocommit:
            driver.autocommit = True
        rows: list[tuple[Any, ...]] = _read(engine, dbapi_connection, statement, values)
        return rows
    finally:
        try:
            if autocommit and not driver.closed:
                driver.autocommit = False
        except Exception:
            # Never back in the pool in autocommit: its next user's transaction would not
            # be one.
            dbapi_connection.invalidate()
            raise
        finally:
            dbapi_connection.close()
