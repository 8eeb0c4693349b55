"""The archive: search by kind, number, date and unit; unit scoping; the pages to list, download, void, issue."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from documents import specimen_context
from engine.common.db import transaction
from engine.common.errors import NotFound
from engine.docstore import archive as docs
from engine.docstore import facts
from engine.domain.roles import Role
from engine.models import Ticket
from tests.support.helpers import unit, unit_actor, user

from .conftest import pdf_text, post, sign_in


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def issue(db, kind, now, values=None, **where):
    with transaction(db.session):
        return docs.issue_document(db.session, kind, values or specimen_context(kind), user(db.session, "supervisor"),
                                   at(now), **where)


@pytest.fixture
def archive(db, flow):
    """Documents across kinds, days and units: two supervision notices (ZJJ, RSJ), a proposal, a refusal."""
    zjj, rsj = unit(db.session, "HY-ZJJ"), unit(db.session, "HY-RSJ")
    t_zjj = flow.dispatched("HY-ZJJ")
    t_rsj = flow.dispatched("HY-RSJ")
    refused = flow.refused()
    made = {
        "sup_zjj": issue(db, "supervision_notice", "2026-11-23T09:00:00+08:00", ticket_id=t_zjj.id,
                         unit_id=zjj.id),
        "sup_rsj": issue(db, "supervision_notice", "2026-11-27T23:30:00+08:00", ticket_id=t_rsj.id,
                         unit_id=rsj.id),
        # A proposal about RSJ, bound to the ticket ZJJ handles: private to the office and RSJ.
        "prop_rsj": issue(db, "accountability_proposal", "2026-11-28T10:00:00+08:00", ticket_id=t_zjj.id,
                          unit_id=rsj.id),
        "record_zjj": issue(db, "ticket_record", "2026-11-28T11:00:00+08:00",
                            facts.ticket_record(db.session, t_zjj.id).context, ticket_id=t_zjj.id),
        "refusal": issue(db, "refusal_notice", "2026-12-01T08:00:00+08:00",
                         facts.refusal_notice(db.session, refused.id).context, ticket_id=refused.id),
    }
    return {k: v.id for k, v in made.items()} | {"t_zjj": t_zjj.id, "t_rsj": t_rsj.id, "zjj": zjj.id,
                                                 "rsj": rsj.id, "refused": refused.id}


def ids(rows) -> set[int]:
    return {r["id"] for r in rows}


def test_search_by_kind_number_dates_unit_ticket_and_status(db, archive):
    office = user(db.session, "reviewer")

    def find(**filters):
        rows, total = docs.search_documents(db.session, office, **filters)
        assert total == len(rows)
        return ids(rows)

    assert len(find()) == 5
    assert find(kind="supervision_notice") == {archive["sup_zjj"], archive["sup_rsj"]}
    assert find(number="督〔2026〕2") == {archive["sup_rsj"]}
    # Dates are Beijing days, both ends included: 23:30 on the 27th belongs to the 27th.
    assert find(date_from=date(2026, 11, 27), date_to=date(2026, 11, 27)) == {archive["sup_rsj"]}
    assert find(date_from=date(2026, 11, 28)) == {archive["prop_rsj"], archive["record_zjj"], archive["refusal"]}
    assert find(date_to=date(2026, 11, 23)) == {archive["sup_zjj"]}
    assert find(unit_id=archive["rsj"]) == {archive["sup_rsj"], archive["prop_rsj"]}
    ticket_no = db.session.get(Ticket, archive["refused"]).number
    assert find(ticket_no=ticket_no) == {archive["refusal"]}
    with transaction(db.session):
        docs.void_document(db.session, office, archive["sup_zjj"], "主送单位有误", at("2026-12-01T09:00:00+08:00"))
    assert find(status="void") == {archive["sup_zjj"]}
    assert archive["sup_zjj"] not in find(status="issued")
    rows, _ = docs.search_documents(db.session, office, kind="supervision_notice")
    assert [r["number"] for r in rows] == ["河热线督〔2026〕2号", "河热线督〔2026〕1号"]  # newest first


def test_a_unit_sees_its_own_documents_and_those_of_its_tickets(db, archive):
    zjj_receiver = user(db.session, "receiver")
    rsj_receiver = user(db.session, "receiver2")
    zjj_rows, _ = docs.search_documents(db.session, zjj_receiver)
    rsj_rows, _ = docs.search_documents(db.session, rsj_receiver)
    assert ids(zjj_rows) == {archive["sup_zjj"], archive["record_zjj"]}
    # RSJ reads the proposal about itself even though the ticket is ZJJ's.
    assert ids(rsj_rows) == {archive["sup_rsj"], archive["prop_rsj"]}
    with pytest.raises(NotFound):
        docs.get_document(db.session, zjj_receiver, archive["sup_rsj"])
    with pytest.raises(NotFound):
        docs.document_pdf(db.session, zjj_receiver, archive["prop_rsj"])
    with pytest.raises(NotFound):  # refused tickets are the office's
        docs.get_document(db.session, rsj_receiver, archive["refusal"])
    county = unit_actor(db.session, Role.COUNTY_DISPATCHER, "YC-OFFICE")
    assert docs.search_documents(db.session, county)[1] == 0
    assert [u for u, _ in docs.archive_units(db.session, zjj_receiver)] == [archive["zjj"]]


def test_documents_listed_on_their_ticket(db, archive):
    listed = docs.documents_for_ticket(db.session, archive["t_zjj"])
    assert ids(listed) == {archive["sup_zjj"], archive["prop_rsj"], archive["record_zjj"]}
    assert {r["kind_title"] for r in listed} == {"督办通知单", "责任追究建议书", "工单办理单"}
    scoped = docs.documents_for_ticket(db.session, archive["t_zjj"], user(db.session, "handler"))
    assert ids(scoped) == {archive["sup_zjj"], archive["record_zjj"]}


# --- Pages -------------------------------------------------------------------------------------------------------

def test_archive_page_lists_and_filters(client, db, archive):
    sign_in(client, db, "reviewer")
    page = client.get("/documents?kind=supervision_notice").get_data(as_text=True)
    assert "公文档案" in page and "河热线督〔2026〕1号" in page and "河热线督〔2026〕2号" in page
    assert "河热线责〔2026〕1号" not in page
    assert "批量打印当前结果" in page and "按工单出具公文" in page
    page = client.get("/documents?date_from=2026-11-27&date_to=2026-11-27").get_data(as_text=True)
    assert "河热线督〔2026〕2号" in page and "河热线督〔2026〕1号" not in page


def test_a_unit_page_shows_only_its_documents(client, db, archive):
    sign_in(client, db, "receiver2")
    page = client.get("/documents").get_data(as_text=True)
    assert "河热线督〔2026〕2号" in page and "河热线责〔2026〕1号" in page
    assert "河热线督〔2026〕1号" not in page and "河热线单〔2026〕1号" not in page
    assert "按工单出具公文" not in page
    assert client.get(f"/documents/{archive['sup_zjj']}/pdf").status_code == 404
    assert client.get(f"/documents/{archive['sup_zjj']}").status_code == 404


def test_download_is_the_stored_pdf_inline(client, db, archive):
    sign_in(client, db, "receiver")
    r = client.get(f"/documents/{archive['sup_zjj']}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline;")
    stored = docs.document_pdf(db.session, user(db.session, "reviewer"), archive["sup_zjj"])[1]
    assert r.data == stored and "河热线督〔2026〕1号" in pdf_text(r.data)
    assert r.headers["ETag"].strip('"') == docs.get_document(db.session, user(db.session, "reviewer"),
                                                             archive["sup_zjj"]).sha256


def test_void_on_the_page_needs_an_office_role_and_a_reason(client, db, archive):
    doc_id = archive["sup_rsj"]
    sign_in(client, db, "agent")
    assert "作废该公文" not in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert post(client, f"/documents/{doc_id}/void", {"reason": "错误"}).status_code == 403
    sign_in(client, db, "supervisor")
    r = post(client, f"/documents/{doc_id}/void", {"reason": ""}, get_url=f"/documents/{doc_id}")
    assert r.status_code == 302
    assert "请填写作废理由" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = post(client, f"/documents/{doc_id}/void", {"reason": "督办事由填写有误"}, get_url=f"/documents/{doc_id}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已作废" in page and "督办事由填写有误" in page and "作废该公文" not in page
    assert client.get(f"/documents/{doc_id}/pdf").status_code == 200  # still in the archive


def test_issue_from_the_archive_page_by_ticket_number(client, db, flow):
    t = flow.refused()
    archived = flow.archived()
    sign_in(client, db, "agent")
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "refusal_notice"})
    assert r.status_code == 302 and "/documents/" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "河热线不〔2026〕1号" in page and "已出具不予受理告知" in page and t.number in page
    r = post(client, "/documents/issue", {"ticket_no": archived.number, "kind": "ticket_record"})
    assert "河热线单〔2026〕1号" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = post(client, "/documents/issue", {"ticket_no": archived.number, "kind": "refusal_notice"})
    assert "未作不予受理" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = post(client, "/documents/issue", {"ticket_no": "HL00000000000000", "kind": "ticket_record"})
    assert "工单不存在" in client.get(r.headers["Location"]).get_data(as_text=True)
    sign_in(client, db, "receiver")
    r = post(client, "/documents/issue", {"ticket_no": archived.number, "kind": "ticket_record"})
    assert "您无权出具该公文" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert docs.search_documents(db.session, user(db.session, "reviewer"))[1] == 2
