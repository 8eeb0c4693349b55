"""Similar tickets at intake and in the dispatcher's queue, dispatch suggestions on the dispatch page, the duty
lists the office keeps, and the figures page — through the pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.common.db import transaction
from engine.matching import refresh_stats
from engine.models import DispatchSuggestion, Ticket, UnitDuty
from tests.support.pages import INTAKE, as_user, fresh, post, text, unit_id

EARLIER = {"address": "源城区东埔街道华兴路城东花园", "category": "城乡建设/噪音扰民",
           "content": "城东花园三期工地每天晚上十一点以后还在打桩，噪音很大，整个小区都睡不着。"}


def test_intake_shows_similar_tickets_and_links_one_for_reason_8(client, db, clock, tickets):
    earlier = tickets.dispatched(**EARLIER, citizen_phone="13900000401")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    as_user(client, db, "agent")
    said = {**INTAKE, "address": "源城区东埔街道华兴路城东花园", "citizen_phone": "13900000401",
            "content": "城东花园那个工地半夜施工，好嘈，又来了，已经投诉过一次。", "category": ""}
    # The live panel's JSON for what is typed (the page's script asks it while the agent types).
    r = client.get("/matching/similar", query_string={"content": said["content"], "address": said["address"],
                                                      "citizen_phone": said["citizen_phone"]})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    hit = r.json["similar"][0]
    assert hit["number"] == earlier.number and hit["status_label"] == "待签收"
    assert {"同一来电人", "同一地址"} <= set(hit["reasons"]) and any(x.startswith("内容相近") for x in hit["reasons"])
    assert client.get("/matching/similar").json == {"similar": []}

    # Without scripts: the panel is drawn when the form is posted (按电话和地址查询).
    page = text(post(client, "/intake", {**said, "op": "history"}, get_url="/intake"))
    panel = page.split('id="similar-panel"')[1].split("</section>")[0]
    assert earlier.number in panel and "同一来电人" in panel and "第六条第（八）项" in panel
    # The agent refuses it under Art. 6(8) with the earlier ticket picked in the panel.
    r = post(client, "/intake", {**said, "op": "submit", "scope": "refuse", "refusal_code": "8",
                                 "refusal_explanation": "您反映的工地夜间施工问题已在办理中，请耐心等待答复。",
                                 "related_ticket_id": str(earlier.id)}, get_url="/intake")
    assert r.status_code == 302, text(r)[:2000]
    refused = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    assert (refused.status, refused.refusal_code, refused.related_ticket_id) == ("refused", 8, earlier.id)


def test_the_scope_task_page_and_a_unit_see_only_what_they_may(client, db, clock, tickets):
    earlier = tickets.dispatched("HY-ZJJ", **EARLIER)
    other = tickets.dispatched("YC-ZJJ", **{**EARLIER, "citizen_phone": "13900000499"})
    scoping = tickets.new(scope=None, **EARLIER, citizen_phone="13900000402")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    as_user(client, db, "agent")
    panel = text(client.get(f"/tickets/{scoping.id}/tasks/decide_scope")).split('id="similar-panel"')[1]
    assert earlier.number in panel.split("</section>")[0] and other.number in panel.split("</section>")[0]
    as_user(client, db, "receiver")  # 市住建局: sees its own ticket among the hits, never 源城区住建局's
    hits = client.get("/matching/similar", query_string={"content": EARLIER["content"]}).json["similar"]
    assert [h["ticket_id"] for h in hits] == [earlier.id]


def test_the_dispatch_page_suggests_three_selects_none_and_records_the_choice(client, db, clock, tickets):
    history = tickets.dispatched("YC-ZJJ", **EARLIER, citizen_phone="13900000410")
    tickets.act("receiver3", history, "sign", decision="sign")
    t = tickets.new(**{**EARLIER, "content": "华兴路城东花园的工地晚上施工声音太大，老人小孩都睡不好。"},
                    citizen_phone="13900000411")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}/tasks/dispatch"))
    box = page.split('id="dispatch-suggestions"')[1].split("</section>")[0]
    names = [line.split("<strong>")[1].split("</strong>")[0] for line in box.split("<li")[1:]]
    assert names[0] == "源城区住房和城乡建设局" and len(names) <= 3
    assert "属地：东埔街道" in box and "职责清单：县域建筑施工监管" in box and "相似工单1件由该单位签收办理" in box
    lead = page.split('id="lead_unit"')[1].split("</select>")[0]
    assert re.search(r'<option selected value="\d+"|<option value="\d+" selected', lead) is None  # a person decides
    shown = db.session.scalar(select(DispatchSuggestion).where(DispatchSuggestion.ticket_id == t.id))
    assert shown.units[0]["unit_name"] == "源城区住房和城乡建设局" and shown.dispatched_at is None
    zjj = unit_id(db, "HY-ZJJ")  # the dispatcher takes the city's bureau, suggested below the district's
    rank = [u["unit_id"] for u in shown.units].index(zjj) + 1
    assert rank > 1
    r = post(client, f"/tickets/{t.id}/tasks/dispatch", {"op": "submit", "mode": "direct", "lead_unit": zjj})
    assert r.status_code == 302
    db.session.expire_all()  # the dispatch fills in the suggestions shown last (the page was opened again to post)
    row = db.session.scalar(select(DispatchSuggestion).where(DispatchSuggestion.ticket_id == t.id)
                            .order_by(DispatchSuggestion.id.desc()).limit(1))
    assert (row.chosen_unit_id, row.taken_rank, row.dispatch_round) == (zjj, rank, 1)
    # The unit returns it; the figures say a suggestion was taken, not the first, and a return followed.
    tickets.act("receiver", fresh(db, t.id), "sign", decision="return", return_reason="属源城区住建局职责",
                return_basis="属地管理原则")
    as_user(client, db, "supervisor")
    box = text(client.get("/matching/stats")).split('id="suggestion-adoption"')[1]
    assert "有建议的派单</dt><dd>1 次" in box and "采纳前三建议之一</dt><dd>1 次（100.0%）" in box
    assert "采纳第一建议</dt><dd>0 次（0.0%）" in box and "采纳建议后被退回</dt><dd>1 次（100.0%）" in box


def test_the_queue_marks_tickets_with_similar_open_ones(client, db, clock, tickets):
    a = tickets.new(**EARLIER, citizen_phone="13900000420")
    b = tickets.new(**{**EARLIER, "content": "城东花园工地半夜打桩，吵得睡不着觉。"}, citizen_phone="13900000421")
    alone = tickets.new(address="紫金县古竹镇", content="想咨询新生儿医保参保怎么办理。", category="医疗卫生/医保参保",
                        citizen_phone="13900000422")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    as_user(client, db, "dispatcher")
    queue = text(client.get("/dispatch"))
    row_a = queue.split(a.number)[1].split("</tr>")[0]
    row_alone = queue.split(alone.number)[1].split("</tr>")[0]
    assert "有1件相似在办" in row_a and b.number in row_a
    assert "件相似在办" not in row_alone


def test_the_office_keeps_the_duty_lists(client, db, clock, tickets):
    gas = unit_id(db, "HY-GAS")
    as_user(client, db, "dispatcher")
    listing = text(client.get("/matching/duties"))
    assert "河源市燃气有限公司" in listing and "维护" in listing
    page = text(client.get(f"/matching/duties/{gas}"))
    assert "燃气供应和安全" in page and "三定方案" in page
    r = post(client, f"/matching/duties/{gas}", {"title": "瓶装液化气站监管", "keywords": "", "areas": ""})
    assert r.status_code == 400 and "请至少填写一个关键词或选择一个诉求分类" in text(r)
    r = post(client, f"/matching/duties/{gas}", {"title": "瓶装液化气站监管", "keywords": "气瓶、充装站 钢瓶过期",
                                                 "categories": ["公用事业/燃气服务"], "areas": "",
                                                 "basis": "权责清单第12项"})
    assert r.status_code == 302
    duty = db.session.scalar(select(UnitDuty).where(UnitDuty.title == "瓶装液化气站监管"))
    assert duty.keywords == ["气瓶", "充装站", "钢瓶过期"] and duty.categories == ["公用事业/燃气服务"]
    t = tickets.new(address="龙川县佗城镇", content="村口那家充装站卖的钢瓶过期好多年了，还在给人充气。", category="",
                    citizen_phone="13900000430")
    as_user(client, db, "dispatcher")
    box = text(client.get(f"/tickets/{t.id}/tasks/dispatch")).split('id="dispatch-suggestions"')[1]
    assert "河源市燃气有限公司" in box.split("</li>")[0] and "职责清单：瓶装液化气站监管" in box
    r = post(client, f"/matching/duties/{gas}/{duty.id}/active", {"active": "0"}, get_url=f"/matching/duties/{gas}")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(UnitDuty, duty.id).active is False
    db.session.delete(db.session.get(UnitDuty, duty.id))
    db.session.commit()
    as_user(client, db, "agent")  # the office reads the lists; only the dispatcher and the administrator edit
    assert "燃气供应和安全" in text(client.get(f"/matching/duties/{gas}"))
    r = post(client, f"/matching/duties/{gas}", {"title": "想改", "keywords": "x"})
    assert r.status_code == 302 and db.session.scalar(select(UnitDuty).where(UnitDuty.title == "想改")) is None
    as_user(client, db, "receiver")
    assert client.get("/matching/duties").status_code == 403


def _suggested(page: str) -> list[str]:
    box = page.split('id="dispatch-suggestions"')[1].split("</section>")[0]
    return [line.split("<strong>")[1].split("</strong>")[0] for line in box.split("<li")[1:]]


def test_a_unit_that_returned_the_ticket_is_not_suggested_for_it_again(client, db, tickets):
    t = tickets.new(address="龙川县老隆镇东江路怡景花园14栋2单元", category="城乡建设/老旧小区改造",
                    content="我住在龙川县老隆镇东江路怡景花园，小区是九十年代建的，没有电梯，楼里老人很多，上下楼很困难。"
                            "建议把我们小区纳入老旧小区改造，支持加装电梯。", citizen_phone="13900000440")
    as_user(client, db, "dispatcher")
    first = _suggested(text(client.get(f"/tickets/{t.id}/tasks/dispatch")))
    assert first[0] == "河源市住房和城乡建设局", first
    r = post(client, f"/tickets/{t.id}/tasks/dispatch",
             {"op": "submit", "mode": "direct", "lead_unit": unit_id(db, "HY-ZJJ")})
    assert r.status_code == 302
    as_user(client, db, "receiver")  # 市住建局 argues it is not responsible (Art. 10(1))
    r = post(client, f"/tickets/{t.id}/tasks/sign", {"op": "submit", "decision": "return",
                                                     "return_reason": "该事项不属于本单位法定职责，建议按属地管理原则转办",
                                                     "return_basis": "《河源市12345政府服务热线管理办法》第十条"})
    assert r.status_code == 302, text(r)[:2000]
    assert fresh(db, t.id).status == "dispatching"
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}/tasks/dispatch"))
    again = _suggested(page)
    rest = [n for n in first if n != "河源市住房和城乡建设局"]
    assert "河源市住房和城乡建设局" not in again and again[:len(rest)] == rest, again
    assert "已退回本工单的单位不再列入建议" in page
