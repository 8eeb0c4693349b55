"""Files attached through the pages people use, at every step the issue names, and shown where the next person
decides: images as thumbnails opening full size, PDFs in place, other files as downloads, on the timeline too."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from engine.models import IssuedDocument
from tests.support.helpers import CITIZEN, REPLY
from tests.support.pages import INTAKE, as_user, last_ticket, text, unit_id

from .flow import THUMB, attachments_of, openings, post_page, submit_task, task_url
from .samples import exif_of, office, photo, scan_pdf

REPLY_FILL = {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
              "contact_method": REPLY["contact_method"], "citizen_informed": "y"}


def _thumb_and_full(client, page: str, token: str):
    assert f'<img src="/attachments/{token}?thumb=1"' in page, "no thumbnail on the page"
    assert f'href="/attachments/{token}"' in page, "the thumbnail does not open the full picture"
    thumb = client.get(f"/attachments/{token}?thumb=1")
    full = client.get(f"/attachments/{token}")
    assert thumb.status_code == full.status_code == 200
    assert thumb.mimetype == full.mimetype == "image/jpeg"
    return thumb, full


def test_agent_registers_a_call_with_the_citizens_photo_and_the_gps_is_gone(client, db, tickets):
    as_user(client, db, "agent")
    r = post_page(client, "/intake", {**INTAKE, "attachment_location": "永和路18号东侧工地"},
                  {"attachments": [(photo(gps=True), "IMG_0001.JPG")]})
    assert r.status_code == 302, text(r)[:2000]
    t = last_ticket(db)
    [a] = attachments_of(db, t.id)
    assert (a.action, a.origin, a.kind, a.name, a.public) == ("register", "citizen", "image", "IMG_0001.jpg", False)
    assert a.location == "永和路18号东侧工地"  # only what was typed; the photo's own GPS is not kept anywhere
    # the unit's receiver, whose sign task is open, sees the citizen's material under the office's policy
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    as_user(client, db, "receiver")
    page = text(client.get(f"/tickets/{t.id}"))
    assert "诉求人提供的材料" not in page and "登记诉求" in page
    thumb, full = _thumb_and_full(client, page, a.token)
    assert exif_of(full.get_data()) == {"exif": {}, "gps": {}, "info": {}}
    assert exif_of(thumb.get_data())["gps"] == {}
    assert re.search(r"附件：<a href=\"/attachments/" + a.token, page), "the timeline names the file under its step"
    assert [o.via for o in openings(db, a.id)] == ["page"]  # the full picture's opening is logged, not the thumbnail


def test_citizen_submits_online_with_a_photo_and_sees_it_again_when_tracking(client, db):
    r = post_page(client, "/public/submit", {"citizen_name": "王小明", "citizen_phone": "13900002222",
                                             "ticket_type": "complaint", "address": "源城区建设大道",
                                             "content": "路面塌陷，车辆难以通行。", "attachment_location": "建设大道与长安路口"},
                  {"attachments": [(photo(), "road.jpg")]})
    assert r.status_code == 302, text(r)[:2000]
    with client.session_transaction() as s:
        number, code = s["submitted"]["number"], s["submitted"]["code"]
    t = last_ticket(db)
    [a] = attachments_of(db, t.id)
    assert (t.channel, a.origin, a.location) == ("web", "citizen", "建设大道与长安路口")
    page = text(post_page(client, "/public/track", {"number": number, "code": code}, {}))
    link = re.search(r'href="(/public/attachments/' + a.token + r'\?g=[^"]+)"', page)
    assert link, "the tracking page does not show the citizen's own photo"
    shown = client.get(link.group(1).replace("&amp;", "&"))
    assert shown.status_code == 200 and exif_of(shown.get_data())["gps"] == {}
    assert [o.via for o in openings(db, a.id)] == ["citizen"]
    assert client.get(f"/public/attachments/{a.token}").status_code == 404  # no grant: nothing
    assert client.get(f"/public/attachments/{a.token}?g=forged").status_code == 404
    assert client.get(f"/media/{a.token}").status_code == 404  # a citizen's upload is not public by itself


def test_a_reply_photo_marked_public_is_seen_by_the_reviewer_and_by_the_citizen(client, db, tickets):
    t, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments_camera": [(photo(), "image.jpg")]},
                    extra={"attachments_public": "y"})
    assert r.status_code == 302, text(r)[:3000]
    [a] = attachments_of(db, t.id)
    assert (a.action, a.origin, a.public, a.name) == ("reply", "unit", True, "附件1.jpg")
    url, _ = task_url(db, t, "review")
    as_user(client, db, "reviewer")
    page = text(client.get(url))
    assert "工单附件" in page and "办理答复" in page
    _thumb_and_full(client, page, a.token)
    track = text(post_page(client, "/public/track", {"number": t.number, "code": code}, {}))
    assert f"/public/attachments/{a.token}?g=" in track
    with client.session_transaction() as s:
        s.clear()  # anyone: signed out
    assert client.get(f"/media/{a.token}").status_code == 200  # published: the Open311 media_url serves it


def test_a_return_brings_its_basis_document_and_the_dispatcher_sees_the_pdf(client, db, tickets):
    t = tickets.dispatched()
    r = submit_task(client, db, t, "sign", {"decision": "return", "return_reason": "不属于本局职责",
                                            "return_basis": "《河源市城市管理综合执法条例》第十二条"},
                    {"attachments": [(scan_pdf(), "三定方案.pdf")]})
    assert r.status_code == 302, text(r)[:3000]
    [a] = attachments_of(db, t.id)
    assert (a.action, a.kind, a.mime) == ("return", "pdf", "application/pdf")
    url, _ = task_url(db, t, "dispatch")
    as_user(client, db, "dispatcher")
    page = text(client.get(url))
    assert f'<iframe src="/attachments/{a.token}"' in page and "三定方案.pdf" in page and "退回" in page
    pdf = client.get(f"/attachments/{a.token}")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"  # the preview frame on our own page may show it


def test_signing_for_a_ticket_takes_no_files(client, db, tickets):
    t = tickets.dispatched()
    r = submit_task(client, db, t, "sign", {"decision": "sign"}, {"attachments": [(scan_pdf(), "签收.pdf")]})
    assert r.status_code == 400 and "签收不需要附件" in text(r)
    assert attachments_of(db, t.id) == []


def test_an_extension_request_brings_a_document_the_approver_downloads(client, db, tickets):
    t = tickets.handling()
    plan = office("docx")
    r = submit_task(client, db, t, "reply", {"action": "extension", "days": "3", "reason": "需多部门联合现场核查"},
                    {"attachments": [(plan, "联合核查方案.docx")]})
    assert r.status_code == 302, text(r)[:3000]
    [a] = attachments_of(db, t.id)
    assert a.action == "extension_request"
    url, _ = task_url(db, t, "extension_review")
    as_user(client, db, "reviewer")
    page = text(client.get(url))
    assert f'href="/attachments/{a.token}?dl=1"' in page and "申请延期" in page
    got = client.get(f"/attachments/{a.token}?dl=1")
    assert got.headers["Content-Disposition"].startswith("attachment") and got.get_data() == plan  # kept unchanged


def test_supervision_answer_with_its_signed_scan_is_printed_into_the_written_explanation(client, db, tickets):
    from tests.tickets.test_every_task_page import _supervised

    t = _supervised(tickets, db)
    r = submit_task(client, db, t, "sup_reply", {"reply_text": "已约谈施工单位", "written_explanation": "夜间施工已停止。"},
                    {"explanation_scan": [(photo(900, 1270, color=(250, 250, 250)), "书面说明盖章.jpg")],
                     "attachments": [(scan_pdf(), "约谈记录.pdf")]})
    assert r.status_code == 302, text(r)[:3000]
    files = attachments_of(db, t.id)
    assert {(a.slot, a.action) for a in files} == {("scan", "supervision_reply"), ("file", "supervision_reply")}
    assert all(a.supervision_id is not None for a in files)
    doc = db.session.scalar(select(IssuedDocument).where(IssuedDocument.ticket_id == t.id,
                                                         IssuedDocument.kind == "written_explanation"))
    reader = PdfReader(io.BytesIO(doc.pdf))
    words = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "附件：" in words and "书面说明扫描件：书面说明盖章.jpg" in words and "约谈记录.pdf" in words
    assert "原件存于工单附件" in words  # the PDF is listed; the scan's picture is printed on a page of its own
    last = reader.pages[-1]
    assert "附件1　书面说明扫描件：书面说明盖章.jpg" in last.extract_text().replace("\n", "")
    assert last.images, "the scan is not printed on the document's last page"
    assert [a["name"] for a in doc.facts["annexes"]] == ["书面说明盖章.jpg", "约谈记录.pdf"]
    url, _ = task_url(db, t, "sup_check")
    as_user(client, db, "supervisor")
    page = text(client.get(url))
    assert "书面说明扫描件" in page and "约谈记录.pdf" in page


def test_joint_review_minutes_carry_the_meeting_record(client, db, tickets):
    from tests.tickets.test_every_task_page import _joint

    t = _joint(tickets, db)
    r = submit_task(client, db, t, "jr_meeting", {"meeting_date": "2026-11-26", "participants": "住建局、城管局",
                                                  "minutes": "双方各执一词"},
                    {"attachments": [(scan_pdf(2), "会商签到表.pdf")]})
    assert r.status_code == 302, text(r)[:3000]
    [a] = attachments_of(db, t.id)
    assert a.action == "jr_meeting"
    url, _ = task_url(db, t, "jr_decide")
    as_user(client, db, "reviewer")
    assert "会商签到表.pdf" in text(client.get(url))


def test_citizen_evaluates_online_with_a_photo_and_the_office_sees_it_when_deciding_redo(client, db, tickets):
    t, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", **REPLY)
    tickets.act("reviewer", t, "review", decision="accept")
    r = post_page(client, "/public/evaluate", {"number": t.number, "code": code, "intake_rating": "satisfied",
                                               "handling_rating": "dissatisfied", "comment": "夜间施工仍未停止"},
                  {"attachments": [(photo(), "晚上十一点.jpg")]}, get_url="/public/track")
    assert r.status_code == 200 and "感谢您的评价" in text(r), text(r)[:2000]
    [a] = attachments_of(db, t.id)
    assert (a.action, a.origin, a.public) == ("evaluate", "citizen", False)
    url, _ = task_url(db, t, "redo_decision")
    as_user(client, db, "reviewer")
    page = text(client.get(url))
    assert "晚上十一点.jpg" in page and "回访评价" in page
    _thumb_and_full(client, page, a.token)


def test_the_unit_inbox_offers_the_camera_on_a_phone(client, db, tickets):
    t = tickets.handling()
    as_user(client, db, "handler")
    inbox = text(client.get("/inbox"))
    url, _ = task_url(db, t, "reply")
    assert f'href="{url}#upload">拍照上传' in inbox
    page = text(client.get(url))
    assert 'name="attachments_camera" accept="image/*" capture="environment"' in page
    assert 'name="attachments" multiple' in page and 'enctype="multipart/form-data"' in page


def test_a_wrong_type_on_the_reply_page_is_refused_and_what_was_typed_stays(client, db, tickets):
    t = tickets.handling()
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(b"MZ\x90\x00" + b"\x00" * 100, "现场.jpg")]})
    assert r.status_code == 400
    page = text(r)
    assert "「现场.jpg」不是允许上传的文件类型" in page and "请重新选择附件后提交" in page
    assert REPLY["result"] in page  # what was typed is still there
    assert attachments_of(db, t.id) == []
    db.session.rollback()
    assert db.session.get(type(t), t.id).status == "handling"


def test_the_ticket_page_lists_every_attachment_under_its_step(client, db, tickets):
    t = tickets.handling()
    submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "整改前.jpg"), (photo(), "整改后.jpg"),
                                                                    (office("xlsx"), "台账.xlsx")]})
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}"))
    section = page.split('id="files"', 1)[1].split("</section>", 1)[0]
    assert "办理答复" in section and section.count('class="thumb"') == 2 and "台账.xlsx" in section
    assert CITIZEN["citizen_name"] not in section
    assert len(THUMB.findall(page)) == 2


def test_a_co_handler_attaches_its_part_and_the_lead_unit_sees_it_when_replying(client, db, tickets):
    from tests.tickets.test_every_task_page import _with_co

    t = _with_co(tickets, db)
    r = submit_task(client, db, t, "co_handle", {"co_part": "已配合核查劳务用工情况"},
                    {"attachments": [(office("xlsx"), "用工核查表.xlsx")]})
    assert r.status_code == 302, text(r)[:3000]
    [a] = attachments_of(db, t.id)
    assert (a.action, a.origin) == ("co_part", "unit") and a.unit_id == unit_id(db, "HY-RSJ")
    url, _ = task_url(db, t, "reply")
    as_user(client, db, "handler")
    page = text(client.get(url))
    assert "协办意见" in page and f'href="/attachments/{a.token}?dl=1"' in page
    # The list of files and the upload inputs on one page: each label still points at its own input.
    assert page.count('id="attachments"') == 1 and '<label for="attachments" class="pick">' in page
