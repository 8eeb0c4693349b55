"""An existing deployment upgraded to the same-matter search: the migrated ticket table accepts the state 已并单 and
nothing unknown, and `flask --app web similar-index` indexes the tickets registered before the index existed."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from engine.common import Actor
from engine.matching import Query, search
from engine.models import SimilarIndex, TermStat, Ticket, TicketTerm


def test_the_migrated_state_check_knows_merged_and_nothing_else(db, tickets):
    t = tickets.new()
    db.session.execute(update(Ticket).where(Ticket.id == t.id).values(status="merged"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE ticket SET status = 'lost' WHERE id = :id"), {"id": t.id})
        db.session.flush()
    db.session.rollback()


def test_similar_index_command_indexes_older_tickets(app, db, clock, tickets):
    old = tickets.new(content="幸福里小区停水一整天了，没有任何通知。", address="源城区新江街道红星路幸福里小区",
                      category="公用事业/停水")
    for table in (TicketTerm, SimilarIndex, TermStat):  # as before the upgrade
        db.session.execute(delete(table))
    db.session.commit()
    query = Query("幸福里又停水了", "源城区新江街道红星路幸福里小区")
    assert search(db.session, Actor.system(), query, clock()) == []
    out = app.test_cli_runner().invoke(args=["similar-index", "--days", "30"])
    assert out.exit_code == 0 and "新建索引 1 件，统计词频 1 件" in out.output
    db.session.expire_all()
    assert [h.ticket_id for h in search(db.session, Actor.system(), query, clock())] == [old.id]
    assert db.session.scalar(select(TermStat.df).where(TermStat.term == "#docs")) == 1
    bad = app.test_cli_runner().invoke(args=["similar-index", "--days", "0"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
