"""The statements that store one action (engine/tickets/lifecycle.py ``save_instance``): its task rows, its ticket
row and its audit row, as plain statements on the session's connection.

The ticket is an ORM object, since the handlers read and set its attributes, but its row is written here with one
UPDATE of the changed columns, and the session's copy is then marked clean: the unit of work at commit would cost
more than the statement, and on PostgreSQL a round trip of its own. On PostgreSQL the task rows' DELETE and
INSERT and the ticket's UPDATE ride as data-modifying CTEs on the audit INSERT: one statement for four.
"""
from __future__ import annotations

from sqlalchemy import Insert, Integer, String, Update, any_, bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from engine.common import AUDIT_INSERT, driver
from engine.models import TaskProjection, Ticket

_TP = TaskProjection.__table__
_INSERT_TASKS = insert(_TP)
_DELETE_TASKS = delete(_TP).where(_TP.c.ticket_id == bindparam("b_ticket_id"),
                                  _TP.c.task_uuid.in_(bindparam("uuids", expanding=True)))
_DELETE_TASK = delete(_TP).where(_TP.c.ticket_id == bindparam("b_ticket_id"), _TP.c.task_uuid == bindparam("uuid"))


def delete_tasks(session: Session, ticket_id: int, gone: list[str]) -> None:
    """Drop the projection rows of the tasks that are no longer ready."""
    if not gone:
        return
    if len(gone) == 1:  # the usual case: a statement without a list to expand
        driver.execute(session, _DELETE_TASK, {"b_ticket_id": ticket_id, "uuid": gone[0]})
    else:
        session.connection().execute(_DELETE_TASKS, {"b_ticket_id": ticket_id, "uuids": gone})


def insert_tasks(session: Session, rows: list[dict]) -> None:
    """Project the tasks that just became ready."""
    if rows:
        driver.execute(session, _INSERT_TASKS, rows)


def store(session: Session, ticket: Ticket, audit: dict, tasks: tuple[list[str], list[dict]] | None) -> None:
    """Write the ticket's changed columns and the action's audit row; with ``tasks`` (PostgreSQL: the task uuids
    gone and the new task rows) the task rows too, all in one statement."""
    conn = session.connection()
    changed = _ticket_changes(ticket)
    if tasks is not None:
        driver.execute(conn, *_together(ticket.id, *tasks, audit, changed))
    else:
        if changed:
            driver.execute(conn, _ticket_update(changed[0]), changed[1])
        driver.execute(conn, AUDIT_INSERT, audit)
    if changed:  # the session's copy is now what the database holds: nothing is left to flush
        state = inspect(ticket)
        state._commit_all(state.dict, session.identity_map)


def _together(ticket_id: int, gone: list[str], rows: list[dict], audit: dict, changed: tuple | None) -> tuple:
    """The audit INSERT with the task rows' DELETE and INSERT and the ticket's UPDATE as data-modifying CTEs
    (PostgreSQL): one statement, of one shape per set of changed ticket columns, each compiled once (the task rows
    travel as arrays). The deleted and inserted task ids never overlap (gone = projected and no longer ready,
    rows = newly ready)."""
    params = dict(audit, p_ticket_id=ticket_id, p_gone=gone)
    for col in _ROW_COLUMNS:
        params[f"p_{col}"] = [r[col] for r in rows]
    if not changed:
        return _TOGETHER, params
    stmt = _TOGETHER_WITH_TICKET.get(changed[0])
    if stmt is None:
        stmt = _TOGETHER_WITH_TICKET[changed[0]] = _TOGETHER.add_cte(_ticket_update(changed[0]).cte("ticket_row"))
    return stmt, {**params, **changed[1]}


_TICKET = Ticket.__table__
_TICKET_UPDATES: dict[tuple[str, ...], Update] = {}
_TOGETHER_WITH_TICKET: dict[tuple[str, ...], Insert] = {}


def _ticket_changes(ticket: Ticket) -> tuple[tuple[str, ...], dict] | None:
    """The ticket's changed columns and their parameters for :func:`_ticket_update`, or None when there is nothing
    to write or a change the plain UPDATE cannot carry (a relationship; a ticket not yet inserted), which the
    session's flush then writes as usual."""
    state = inspect(ticket)
    keys = tuple(sorted(state.committed_state))
    if not keys or not state.persistent or any(k not in _TICKET.c for k in keys):
        return None
    values = state.dict
    return keys, {"t_id": ticket.id, **{f"t_{k}": values[k] for k in keys}}


def _ticket_update(keys: tuple[str, ...]) -> Update:
    """``UPDATE ticket SET <keys> WHERE id = :t_id``, built once per set of columns."""
    stmt = _TICKET_UPDATES.get(keys)
    if stmt is None:
        stmt = _TICKET_UPDATES[keys] = (update(_TICKET).where(_TICKET.c.id == bindparam("t_id"))
                                        .values({k: bindparam(f"t_{k}", type_=_TICKET.c[k].type) for k in keys}))
    return stmt


_ROW_COLUMNS = ("task_uuid", "bpmn_id", "title", "role", "unit_id", "form_key", "ready_at", "due_at")
_NEW_ROWS = func.unnest(*(bindparam(f"p_{c}", type_=ARRAY(_TP.c[c].type)) for c in _ROW_COLUMNS)
                        ).table_valued(*_ROW_COLUMNS).render_derived(name="r")
_TOGETHER = (AUDIT_INSERT
             .add_cte(delete(_TP).where(_TP.c.ticket_id == bindparam("p_ticket_id"),
                                        _TP.c.task_uuid == any_(bindparam("p_gone", type_=ARRAY(String))))
                      .cte("gone"))
             .add_cte(insert(_TP).from_select(
                 ["ticket_id", *_ROW_COLUMNS],
                 select(bindparam("p_ticket_id", type_=Integer), *(_NEW_ROWS.c[c] for c in _ROW_COLUMNS)))
                 .cte("new")))
