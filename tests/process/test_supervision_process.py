"""The process owner's area works on the supervision process too: its own versions, drafts, checks and deploy."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select

from engine.common.context import reset_caches
from engine.common.db import transaction
from engine.models import ProcessVersion
from engine.process.deploy import activate

from .conftest import post, text, token

ROOT = Path(__file__).resolve().parents[2]


def active(db, pid):
    db.session.expire_all()
    return db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == pid,
                                                          ProcessVersion.active.is_(True)))


def test_supervision_versions_listed_and_a_draft_deployed_on_its_own(owner, db):
    page = text(owner.get("/process/?process=supervision"))
    assert "督办流程" in page and "process=supervision" in page
    before, last_id = active(db, "supervision"), db.session.scalar(select(func.max(ProcessVersion.id)))
    # Earlier tests may have left later, inactive versions (a rollback): the new one numbers after all of them.
    top = db.session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == "supervision"))
    main_before = active(db, "hotline_ticket")
    xml = (ROOT / "bpmn" / "supervision.bpmn").read_text(encoding="utf-8").replace('name="督办审核"', 'name="督办审核2"')
    r = owner.post("/process/drafts?process=supervision", json={"name": "改名", "files": {"supervision.bpmn": xml}},
                   headers={"X-CSRFToken": token(owner, "/process/?process=supervision")})
    assert r.status_code == 200, text(r)
    draft_id = r.json["id"]
    assert "督办答复合格" in text(owner.get(f"/process/drafts/{draft_id}/dry-run?process=supervision"))
    try:
        r = post(owner, f"/process/drafts/{draft_id}/deploy?process=supervision", {"note": "改名"},
                 get_url=f"/process/drafts/{draft_id}?process=supervision")
        assert r.status_code in (200, 302), text(r)[:500]
        now_active = active(db, "supervision")
        assert now_active.version == top + 1 and now_active.id != before.id and "督办审核2" in now_active.files["supervision.bpmn"]
        assert active(db, "hotline_ticket").id == main_before.id  # the main process is untouched
        assert "督办流程的在办实例" not in text(owner.get("/process/?process=supervision"))
        assert owner.get("/process/migrate?process=supervision").status_code == 400
    finally:
        db.session.rollback()
        with transaction(db.session):
            activate(db.session, before.version, "supervision")
            db.session.execute(delete(ProcessVersion).where(ProcessVersion.id > last_id))
        reset_caches()
