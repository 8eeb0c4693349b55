"""Search in Chinese: a fixed set of citizens' questions and the demo entry that must come first."""
from __future__ import annotations

import pytest

from engine.common.db import transaction
from engine.knowledge import search as kb_search
from engine.models import Ticket
from engine.tickets.lifecycle import register
from tests.support.helpers import CITIZEN, user

QUERIES = [
    ("我的社保卡丢了怎么补办", "KB-SBK-BB"),
    ("外地人在河源怎么办居住证", "KB-JZZ"),
    ("小区突然停水了什么时候来水", "KB-TS-CX"),
    ("家里停电了跳闸找谁报修", "KB-TD-CX"),
    ("想把公积金取出来付房租", "KB-GJJ-TQ"),
    ("刚出生的宝宝怎么办医保", "KB-XSE-CB"),
    ("孩子上小学一年级怎么报名", "KB-XX-RX"),
    ("晚上工地夜间施工太吵", "KB-YSBZ"),
    ("去外地看病异地就医怎么备案", "KB-YDJY-BA"),
    ("家里困难怎么申请低保", "KB-DB-SQ"),
    # the demo set as it grew: each a citizen's question with the entry that answers it
    ("孩子刚出生怎么上户口", "KB-HJ-XSE"),
    ("身份证丢了去哪里补", "KB-SFZ-BL"),
    ("有辆车堵住我家门口了怎么挪车", "KB-TC-WF"),
    ("楼下广场舞太吵了", "KB-ZS-SH"),
    ("物业公司服务差还乱收物业费", "KB-WY-FW"),
    ("我们小区很旧了能不能申请老旧小区改造", "KB-LJXQ-GZ"),
    ("电梯坏了把人困在里面", "KB-DT-KR"),
    ("网购的衣服不合适能退货吗", "KB-XF-WQ"),
    ("老板拖欠工资三个月不发", "KB-QX-TS"),
    ("自己做生意怎么交养老保险", "KB-YL-LHJY"),
    ("退休了养老金资格认证怎么做", "KB-YL-LQ"),
    ("路边有人摆摊占道经营", "KB-ZDJY"),
    ("邻居在楼顶搭违建", "KB-WJ-JB"),
    ("我们这条路的路灯不亮", "KB-LD-BX"),
    ("楼下烧烤店油烟太大", "KB-YY-RM"),
    ("下大雨路上积水很深", "KB-NL-JS"),
    ("住院的费用医保怎么报销", "KB-YB-BX"),
    ("孩子转学需要什么材料", "KB-XW-ZX"),
    ("培训机构跑路了不退费", "KB-XWPX-TF"),
    ("用公积金贷款买房", "KB-GJJ-DK"),
    ("二手房过户怎么办", "KB-BDC-ZY"),
    ("家里老人八十岁了有高龄津贴吗", "KB-GL-JT"),
    ("家里宽带断网了找谁修", "KB-KD-BX"),
    ("我们村手机没信号", "KB-XH-JZ"),
    ("这个月水费突然很高是不是水表坏了", "KB-SF-SB"),
    ("出租车司机绕路多收钱", "KB-CZC-TS"),
    ("开个小店怎么办营业执照", "KB-GTH-DJ"),
    ("新房子怎么报装燃气", "KB-RQ-BZ"),
    ("工厂往河里偷排污水", "KB-WS-PF"),
    ("种地补贴什么时候发", "KB-GD-BT"),
]


@pytest.mark.parametrize(("query", "code"), QUERIES)
def test_the_expected_entry_comes_first(db, kb, query, code):
    hits = kb_search.search(db.session, query)
    assert hits, f"nothing found for {query}"
    assert hits[0].entry_id == kb[code], [h.title for h in hits[:3]]


def test_matches_are_highlighted_in_an_escaped_snippet(db, kb):
    hit = kb_search.search(db.session, "社保卡补办")[0]
    assert "<mark>补办</mark>" in hit.title_html
    assert "<mark>" in hit.snippet_html and "<script" not in hit.snippet_html
    assert kb_search.highlight("<b>社保卡</b>", ["社保卡"]) == "&lt;b&gt;<mark>社保卡</mark>&lt;/b&gt;"


def test_title_matches_weigh_more_than_content(db, kb):
    # 医保 is in the title of one entry and only in the content of another.
    hits = kb_search.search(db.session, "医保")
    assert "医保" in hits[0].title


def test_nothing_meaningful_finds_nothing(db, kb):
    assert kb_search.search(db.session, "？？？") == []
    assert kb_search.search(db.session, "火星移民签证") == []


def test_immediate_answer_records_the_searched_entry(db, kb):
    s = db.session
    words = "你好，我的社保卡丢了，想问一下去哪里补办"
    hit = kb_search.suggest(s, words)[0]
    with transaction(s):
        t, _, _ = register(s, user(s, "agent"), {**CITIZEN, "content": words, "ticket_type": "consult",
                                                 "scope": "answer", "kb_entry_id": hit.entry_id},
                           kb_search_now())
    t = s.get(Ticket, t.id)
    assert t.kb_entry_id == kb["KB-SBK-BB"] and t.status == "evaluating"


def kb_search_now():
    from datetime import datetime

    return datetime.fromisoformat("2026-11-25T10:00:00+08:00")


STORIES = [
    ("您好，我的社保卡上周在源城区附近丢失了。想问一下补办需要带什么材料，去哪里办，多久能拿到新卡？", "KB-SBK-BB"),
    ("我老婆上个月在市人民医院生了宝宝，出生证明已经拿到了，现在想给孩子上户口，要带哪些东西去派出所？", "KB-HJ-XSE"),
    ("我们小区晚上十一点多了旁边工地还在施工，机器声音特别大，吵得老人小孩都睡不着，已经好几天了。", "KB-YSBZ"),
]


@pytest.mark.parametrize(("story", "code"), STORIES)
def test_a_citizens_whole_story_suggests_the_entry(db, kb, story, code):
    groups = kb_search.query_groups(story)
    assert 0 < len(groups) <= kb_search.MAX_GROUPS  # a long story is cut to its most telling words
    hits = kb_search.suggest(db.session, story)
    assert hits and hits[0].entry_id == kb[code], [h.title for h in hits[:3]]


def test_an_index_built_the_older_way_is_rebuilt_once_by_init_db(app, db, kb):
    """An upgraded PostgreSQL database holds entries indexed without the title marks: init-db finds that and
    indexes again, and the title-first ranking works afterwards. SQLite's index is never stale."""
    from sqlalchemy import text

    from web.cli import init_database

    s = db.session
    if s.get_bind().dialect.name != "postgresql":
        assert kb_search.index_is_stale(s) is False
        return
    assert kb_search.index_is_stale(s) is False
    with transaction(s):  # what 0006 wrote: title, keywords and content, no marks
        s.execute(text("UPDATE kb_entry SET tsv = setweight(to_tsvector('simple', title), 'A') "
                       "WHERE status = 'published'"))
    assert kb_search.index_is_stale(s) is True
    s.rollback()  # init-db runs on its own connection, as at a deployment
    with app.app_context():
        init_database()
    assert kb_search.index_is_stale(s) is False
    assert kb_search.search(s, "我的社保卡丢了怎么补办")[0].entry_id == kb["KB-SBK-BB"]


def test_the_kb_reindex_command_rebuilds_the_index(app, db, kb):
    from sqlalchemy import text

    s = db.session
    with transaction(s):
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("UPDATE kb_entry SET tsv = NULL"))
        else:
            s.execute(text("DELETE FROM kb_fts"))
    assert kb_search.search(s, "社保卡补办") == []
    result = app.test_cli_runner().invoke(args=["kb-reindex"])
    assert result.exit_code == 0, result.output
    assert "知识库检索索引已重建" in result.output
    assert kb_search.search(s, "社保卡补办")[0].entry_id == kb["KB-SBK-BB"]


def test_a_search_leaves_the_planner_as_it_found_it(db, kb):
    """PostgreSQL: the search changes planner settings for its own queries only; the request's later queries
    (the ticket pages around the intake widget) plan as before, whatever the settings were."""
    from sqlalchemy import text

    s = db.session
    if s.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL planner settings")
    settings = list(kb_search.PG_PLANNER)

    def current():
        return {name: s.scalar(text("SELECT current_setting(:n)"), {"n": name}) for name in settings}

    before = current()
    assert before == {"enable_seqscan": "on", "plan_cache_mode": "auto"}
    assert kb_search.search(s, "公积金提取付房租")
    assert current() == before
    s.execute(text("SET LOCAL enable_seqscan = off"))  # a caller that chose otherwise keeps its choice
    s.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    assert kb_search.search(s, "公积金提取付房租")
    assert current() == {"enable_seqscan": "off", "plan_cache_mode": "force_generic_plan"}
    s.rollback()
