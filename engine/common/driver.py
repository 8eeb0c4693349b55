"""Write statements of the action hot path straight through the database driver (issue 20).

A Core ``conn.execute(stmt, params)`` costs about 110 µs of Python on this machine before the driver sees the
statement: cache-key generation, the execution context, parameter processing, the result object, events. An action
writes a handful of fixed statements (audit row, task rows, ticket row, assignment, reply …) whose SQL never changes,
so :func:`execute` compiles each one once per dialect and parameter set, and afterwards only orders the parameters,
applies the column types' own bind processors (the same functions Core applies: JSON, dates on SQLite, arrays) and
calls the driver on the session's own connection, inside the session's transaction. That takes about a third of
the time.

Only what Core would send unchanged takes this path: an INSERT, UPDATE or DELETE without Python-side column defaults
to compute, without RETURNING and without expanding (``IN``) parameters. Anything else goes to Core as before,
so a statement written with this function is always executed, and always as Core would.
A driver error is raised as Core raises it (``IntegrityError`` and so on, with a lost connection invalidated).
:func:`rows` does the same for a fixed read: its rows come back as plain tuples, each column through its type's
own result processor (aware datetimes from SQLite's text, JSON), as Core would hand them.
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Insert, UpdateBase

_UNSUPPORTED = object()
# (id of the statement, dialect name, parameter names, many) -> _Plan or _UNSUPPORTED. The statements are module
# constants or kept in their modules' own caches; each entry keeps its statement alive so that ids are not reused.
_PLANS: dict[tuple, Any] = {}


class _Plan:
    """One statement compiled for one dialect and parameter set: its SQL and how to build its driver parameters."""

    __slots__ = ("stmt", "sql", "positional", "binds")

    def __init__(self, stmt, sql: str, positional: bool, binds: list[tuple[str, Any, bool, Any]]):
        self.stmt, self.sql, self.positional, self.binds = stmt, sql, positional, binds

    def parameters(self, given: dict):
        """Driver parameters for ``given``: a tuple in statement order (SQLite) or a dict by name (psycopg)."""
        values = []
        for name, process, required, default in self.binds:
            if name in given:
                value = given[name]
            elif required:
                raise KeyError(f"a value is required for bind parameter {name!r}")
            else:
                value = default
            values.append(process(value) if process is not None else value)
        if self.positional:
            return tuple(values)
        return {b[0]: v for b, v in zip(self.binds, values, strict=True)}


def _plan(stmt: UpdateBase, dialect, names: tuple[str, ...], many: bool):
    if not isinstance(stmt, UpdateBase) or stmt._returning:
        return _UNSUPPORTED
    # An INSERT is compiled "inline": without the RETURNING of the new id that Core adds on PostgreSQL to fill in
    # ``inserted_primary_key``, which nothing on this path reads.
    target = stmt.inline() if isinstance(stmt, Insert) else stmt
    compiled = target.compile(dialect=dialect, column_keys=list(names), for_executemany=many)
    if (compiled.insert_prefetch or compiled.update_prefetch or compiled.effective_returning
            or compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names
            or any(b.expanding or b.callable is not None for b in compiled.binds.values())):
        return _UNSUPPORTED
    return _Plan(stmt, compiled.string, compiled.positional, _binds(compiled))


def _binds(compiled) -> list[tuple[str, Any, bool, Any]]:
    """The statement's parameters in driver order: name, bind processor, whether a value must be given, and the
    value written into the statement otherwise."""
    processors = compiled._bind_processors
    return [(name, processors.get(name), compiled.binds[name].required, compiled.binds[name].effective_value)
            for name in (compiled.positiontup if compiled.positional else compiled.binds)]


def execute(target: Session | scoped_session | Connection, stmt: UpdateBase,
            params: dict | Sequence[dict]) -> None:
    """Execute a write statement with ``params`` (one dict, or a list of dicts of the same keys for many rows) on the
    session's connection, through the driver when the statement allows it, else through Core."""
    conn = target if isinstance(target, Connection) else target.connection()  # a session, scoped or not
    many = not isinstance(params, dict)
    if many and not params:
        return
    first = params[0] if many else params
    dialect = conn.dialect
    key = (id(stmt), dialect.name, tuple(first), many)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _plan(stmt, dialect, tuple(first), many)
    if plan is _UNSUPPORTED:
        conn.execute(stmt, list(params) if many else params)
        return
    args = [plan.parameters(p) for p in params] if many else plan.parameters(params)
    if not conn.in_transaction():
        conn.begin()  # as Core's autobegin would: the caller's commit() then commits this write
    fairy = conn.connection  # checks the connection out into the session's transaction, as Core would
    cursor = fairy.cursor()
    try:
        if many:
            cursor.executemany(plan.sql, args)
        else:
            cursor.execute(plan.sql, args)
    except Exception as exc:
        conn._handle_dbapi_exception(exc, plan.sql, args, cursor, None)
    finally:
        cursor.close()


class _Read:
    """One SELECT compiled for one dialect: its SQL, its parameters (in order, with the fixed values of those
    written into the statement, such as a LIMIT) and its columns' result processors."""

    __slots__ = ("stmt", "sql", "positional", "binds", "processors", "for_update")

    def __init__(self, stmt: Select, dialect):
        compiled = stmt.compile(dialect=dialect)
        if (compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names
                or any(b.expanding or b.callable is not None for b in compiled.binds.values())):
            raise ValueError("driver.rows takes a SELECT without expanding or computed parameters")
        self.stmt, self.sql, self.positional = stmt, compiled.string, compiled.positional
        self.binds = _binds(compiled)
        self.processors = [c[3]._cached_result_processor(dialect, None) for c in compiled._result_columns]
        self.for_update = stmt._for_update_arg is not None

    parameters = _Plan.parameters  # the same bind list: (name, processor, required, fixed value)


def rows(target: Session | scoped_session | Connection, stmt: Select, params: dict, *, repeated: int = 0
         ) -> list[tuple]:
    """Run a fixed SELECT (every parameter given in ``params``) through the driver on the session's connection and
    return its rows as tuples of Python values. ``repeated``: the first columns are the same in every row (a parent
    row joined to its children); they are converted on the first row only and shared by the others. A ``FOR UPDATE``
    read on SQLite first takes the write lock, as every locking read does (engine/common/db.py)."""
    conn = target if isinstance(target, Connection) else target.connection()
    dialect = conn.dialect
    key = (id(stmt), dialect.name)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Read(stmt, dialect)
    args = plan.parameters(params)
    if not conn.in_transaction():
        conn.begin()
    fairy = conn.connection
    if plan.for_update and dialect.name == "sqlite" and not fairy.driver_connection.in_transaction:
        fairy.driver_connection.execute("BEGIN IMMEDIATE")
    cursor = fairy.cursor()
    try:
        cursor.execute(plan.sql, args)
        found = cursor.fetchall()
    except Exception as exc:
        conn._handle_dbapi_exception(exc, plan.sql, args, cursor, None)
    finally:
        cursor.close()
    procs = plan.processors
    if not found or not any(procs):
        return found
    head = _convert(procs[:repeated], found[0][:repeated])
    rest = procs[repeated:]
    return [head + _convert(rest, row[repeated:]) for row in found]


def _convert(procs: list, values) -> tuple:
    return tuple(v if p is None or v is None else p(v) for p, v in zip(procs, values, strict=True))
