"""Chinese full-text search over the knowledge base: jieba words, FTS5 on SQLite, tsvector on PostgreSQL.

Both indexes hold the same thing: jieba search-mode words separated by spaces, for title, keywords and content.
Only published entries are in the index; :func:`index_entry` is called on every change of an entry, so the index
is in step inside the same transaction. Ranking weighs a word in the title most, then keywords, then content.
"""
from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import Session

from engine.common import dictionary
from engine.domain.calendar import local_date
from engine.models import KnowledgeEntry

_jieba_lock = threading.Lock()
_jieba = None

# Words jieba does not know as one word but citizens and units use as one.
DOMAIN_WORDS = ("社保卡", "居住证", "公积金", "异地就医", "低保", "停水", "停电", "医保", "不动产", "新生儿",
                "夜间施工", "随迁子女", "医保电子凭证", "燃气", "报修", "补办", "挂失")
# Words that say nothing about the matter asked; dropped from queries (never from the index).
STOPWORDS = frozenset("的 了 是 我 你 他 她 们 我们 在 和 与 及 或 吗 呢 吧 啊 呀 怎么 怎么办 怎样 如何 什么 哪里 哪儿 "
                      "请问 想 要 能 可以 需要 一下 这个 那个 有 没有 去 到 把 被 给 就 都 也 还 又 时候 为什么 多少 "
                      "谁 请 帮 帮忙 一个 已经 现在 今天 问 问题 咨询 办理 你好 您好 谢谢 麻烦 一下子 知道 告诉 反映 "
                      "情况 这样 那样 然后 因为 所以 但是 还是 就是 不是 不能 不会 应该 一直 一些".split())
# PostgreSQL: a word of the title or keywords is indexed a second time with this prefix, so that the GIN index
# alone finds the entries whose title or keywords hold a word of the question (the parser keeps "kbt社保卡" whole).
TITLE_MARK = "kbt"
# PostgreSQL: at most this many entries per word are ranked among those that hold one word, in the content only.
WEAK_CAP = 1000
# Ranked beyond the limit when a search leaves out entries past their expiry date (see search).
EXPIRY_SLACK = 5
# A query keeps at most this many words (a citizen's story is cut to its most telling words).
MAX_GROUPS = 8
# FTS5 column weights for bm25 (title, content, keywords); PostgreSQL uses weights A (title), B (keywords), D.
BM25_WEIGHTS = (10.0, 1.0, 5.0)
_WORD = re.compile(r"\w", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")


def _segmenter():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                dictionary.start(jieba.dt)
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=200000)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def words(value: str | None) -> list[str]:
    """Return the jieba search-mode words of ``value`` (lower-cased, without punctuation or spaces)."""
    if not value:
        return []
    return [w.lower() for w in (t.strip() for t in _segmenter().cut_for_search(value)) if w and _WORD.search(w)]


def _meaningful(items: list[str]) -> list[str]:
    # Stopwords go; so do single characters, except a lone Chinese character asked about on its own ("水").
    kept = [w for w in items if w not in STOPWORDS and (len(w) > 1 or not w.isascii() and len(items) <= 2)]
    return kept or [w for w in items if w not in STOPWORDS] or items


def _top_words(value: str, wanted: list[str]) -> list[str]:
    """The ``MAX_GROUPS`` words of ``wanted`` that say most about ``value`` (jieba's TF-IDF), in their order."""
    import jieba.analyse

    _segmenter()
    ranked = [w.lower() for w in jieba.analyse.extract_tags(value, topK=len(wanted) + len(STOPWORDS))]
    best = set([w for w in ranked if w in wanted][:MAX_GROUPS])
    best |= set([w for w in wanted if w not in best][:MAX_GROUPS - len(best)])
    return [w for w in wanted if w in best]


def query_groups(value: str | None) -> list[tuple[str, ...]]:
    """Return the meaningful words of a query, each with the shorter words the index holds for it.

    A word is one of jieba's precise-mode words (社保卡); its group adds the search-mode words inside it (社保), so
    it matches however the index split it. Stopwords are dropped unless nothing else is left. A long text (a
    citizen's whole story at intake) is cut down to its ``MAX_GROUPS`` most telling words by TF-IDF.
    """
    if not value:
        return []
    precise = [w.lower() for w in (t.strip() for t in _segmenter().cut(value)) if w and _WORD.search(w)]
    kept = _meaningful(list(dict.fromkeys(precise)))
    if len(kept) > MAX_GROUPS:
        kept = _top_words(value, kept)
    groups, seen = [], set()
    for word in kept:
        parts = [p for p in dict.fromkeys([word, *words(word)])
                 if p not in seen and (p == word or len(p) > 1 and p not in STOPWORDS)]
        seen.update(parts)
        if parts:
            groups.append(tuple(parts))
    return groups


def query_words(value: str | None) -> list[str]:
    """Return the distinct meaningful words of a query in order (stopwords dropped unless nothing else is left)."""
    return [w for group in query_groups(value) for w in group]


def plain_text(rich: str | None) -> str:
    """Return the text of sanitized HTML (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", rich or "")).strip()


def _documents(entry: KnowledgeEntry) -> tuple[str, str, str]:
    keywords = " ".join(entry.keywords or [])
    return (" ".join(words(entry.title)), " ".join(words(plain_text(entry.content))),
            " ".join([*(k.lower() for k in (entry.keywords or [])), *words(keywords)]))


def title_marks(title: str, keywords: str) -> str:
    """The words of the title and keywords again with ``TITLE_MARK`` in front (PostgreSQL only, see _pg_ranked)."""
    return " ".join(TITLE_MARK + w for w in dict.fromkeys(f"{title} {keywords}".split()))


# PostgreSQL's document: title weight A, keywords B, content D, and the marked title and keyword words (no weight;
# no query for ranking contains them, so they change no score). Parameters: id, t, k, c (segmented) and m.
PG_INDEX_SQL = ("UPDATE kb_entry SET tsv = setweight(to_tsvector('simple', :t), 'A') || "
                "setweight(to_tsvector('simple', :k), 'B') || setweight(to_tsvector('simple', :c), 'D') || "
                "to_tsvector('simple', :m) WHERE id = :id")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_entry(session: Session, entry: KnowledgeEntry) -> None:
    """Put a published entry into the index with its current text, or take any other entry out of it."""
    session.flush()
    dialect = _dialect(session)
    live = entry.status == "published"
    if dialect == "sqlite":
        session.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": entry.id})
        if live:
            title, content, keywords = _documents(entry)
            session.execute(text("INSERT INTO kb_fts (rowid, title, content, keywords) VALUES (:id, :t, :c, :k)"),
                            {"id": entry.id, "t": title, "c": content, "k": keywords})
    elif dialect == "postgresql":
        if live:
            title, content, keywords = _documents(entry)
            session.execute(text(PG_INDEX_SQL), {"id": entry.id, "t": title, "c": content, "k": keywords,
                                                 "m": title_marks(title, keywords)})
        else:
            session.execute(text("UPDATE kb_entry SET tsv = NULL WHERE id = :id"), {"id": entry.id})


def unindex(session: Session, entry_ids: Iterable[int]) -> None:
    """Take entries out of the index (before they are deleted)."""
    ids = list(entry_ids)
    if ids and _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM kb_fts WHERE rowid IN :ids").bindparams(bindparam("ids", expanding=True)),
                        {"ids": ids})


INDEX_DDL = {  # the same objects migration 0006 creates, for schemas built with metadata.create_all
    "sqlite": ["CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5(title, content, keywords)"],
    "postgresql": ["ALTER TABLE kb_entry ADD COLUMN IF NOT EXISTS tsv tsvector",
                   "CREATE INDEX IF NOT EXISTS ix_kb_entry_tsv ON kb_entry USING gin (tsv)"],
}


def ensure_index(session: Session) -> None:
    """Create the dialect's full-text objects when missing (a schema made by create_all, as benches do)."""
    for ddl in INDEX_DDL.get(_dialect(session), []):
        session.execute(text(ddl))


def reindex_all(session: Session) -> int:
    """Rebuild the whole index from the entries; return how many published entries it holds."""
    ensure_index(session)
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM kb_fts"))
    count = 0
    for entry in session.scalars(select(KnowledgeEntry).order_by(KnowledgeEntry.id)):
        index_entry(session, entry)
        count += entry.status == "published"
    return count


def index_is_stale(session: Session) -> bool:
    """Whether published entries were indexed before the title marks existed (PostgreSQL; an upgraded database).

    SQLite's index has no marks and is never stale in this sense.
    """
    if _dialect(session) != "postgresql":
        return False
    # No ensure_index here: its ALTER TABLE would wait for every open transaction that read kb_entry.
    return bool(session.scalar(text(
        "SELECT EXISTS (SELECT 1 FROM kb_entry e WHERE e.status = 'published' AND e.tsv IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM unnest(tsvector_to_array(e.tsv)) AS l(w) WHERE l.w LIKE :mark))"),
        {"mark": TITLE_MARK + "%"}))


def reindex_if_stale(session: Session) -> int | None:
    """Rebuild the index when :func:`index_is_stale`; return how many published entries it holds, or None."""
    return reindex_all(session) if index_is_stale(session) else None


@dataclass(frozen=True)
class Hit:
    """One search result: the entry, its score (higher is better) and escaped HTML with matches in <mark>."""

    entry_id: int
    title: str
    category: str | None
    unit_id: int | None
    score: float
    title_html: str
    snippet_html: str
    matched: tuple[str, ...]


# PostgreSQL planner settings for the ranking queries (see _pg_planner_settings).
PG_PLANNER = {"enable_seqscan": "off", "plan_cache_mode": "force_custom_plan"}


def _pg_planner_settings(session: Session, previous: dict[str, str] | None = None) -> dict[str, str]:
    """Set :data:`PG_PLANNER` for this transaction and return the values it replaced; given them, put them back.

    Two measured misjudgements on 50,000 entries: PostgreSQL costs ``tsvector @@ tsquery`` like a cheap operator,
    so when a question matches a fifth of the base it reads the whole table and tests every row (90 ms) instead of
    using the GIN index and a bitmap of the matches (20 ms); and once the driver has prepared a repeated statement
    the generic plan, made without the question's words, is about twice as slow as a plan for them. The settings
    are transaction-local (``set_config(…, true)``) and are restored right after the queries, so the rest of the
    request plans as before.
    """
    wanted = previous or PG_PLANNER
    names = list(wanted)
    cols = ", ".join(f"current_setting(:n{i}), set_config(:n{i}, :v{i}, true)" for i in range(len(names)))
    params = {f"n{i}": n for i, n in enumerate(names)} | {f"v{i}": wanted[n] for i, n in enumerate(names)}
    row = session.execute(text(f"SELECT {cols}"), params).one()
    return {n: row[2 * i] for i, n in enumerate(names)}


def _pg_ranked(session: Session, groups: list[tuple[str, ...]], limit: int) -> list[tuple[int, float]]:
    """Rank on PostgreSQL by ``ts_rank``, computing it only for the entries that can come first.

    ``ts_rank`` costs a few microseconds per entry and the GIN index cannot order by it, so ranking every entry
    that holds any word of the question (a quarter of the base for common words) made searches slow. The index
    alone finds the strong candidates: entries with a word of the question in their title or keywords (the marked
    words, see :func:`title_marks`) or with two or more of its words anywhere (an OR of pairwise ANDs). Only
    these are ranked; as title words weigh 10 times and keywords 4 times a content word, the best entries are
    among them. Only when fewer than ``limit`` are found are the weak ones ranked too: entries holding one word in
    their content, at most ``WEAK_CAP`` per word, so a rare word's entries are never crowded out by a common one's.
    """
    params: dict[str, object] = {"limit": limit, "cap": WEAK_CAP}
    exprs, marks = [], []
    for g, group in enumerate(groups):
        names = []
        for i, word in enumerate(group):
            params[f"w{g}_{i}"], params[f"m{g}_{i}"] = word, TITLE_MARK + word
            names.append(f"plainto_tsquery('simple', :w{g}_{i})")
            marks.append(f"plainto_tsquery('simple', :m{g}_{i})")
        exprs.append("(" + " || ".join(names) + ")")
    strong = " || ".join([*marks, *(f"({a} && {b})" for n, a in enumerate(exprs) for b in exprs[n + 1:])])
    head = f"WITH q AS (SELECT {' || '.join(exprs)} AS q_any, {strong} AS q_strong) "
    order = " ORDER BY rank DESC, e.id LIMIT :limit"
    sql = (f"{head}SELECT e.id, ts_rank(e.tsv, q.q_any) AS rank FROM kb_entry e, q "
           f"WHERE e.tsv @@ q.q_strong AND e.status = 'published'{order}")
    # No try/finally: when a query fails the transaction is aborted, a restore would fail too and hide the error,
    # and the caller's rollback undoes the transaction-local settings anyway.
    previous = _pg_planner_settings(session)
    found = [(int(i), float(r)) for i, r in session.execute(text(sql), params)]
    if len(found) < limit:
        params["limit"] = limit - len(found)
        weak = " UNION ".join(f"(SELECT id FROM kb_entry, q WHERE tsv @@ {expr} AND NOT (tsv @@ q.q_strong) "
                              "AND status = 'published' LIMIT :cap)" for expr in exprs)
        sql = (f"{head}, c AS ({weak}) SELECT e.id, ts_rank(e.tsv, q.q_any) AS rank "
               f"FROM kb_entry e JOIN c ON c.id = e.id, q{order}")
        found += [(int(i), float(r)) for i, r in session.execute(text(sql), params)]
    _pg_planner_settings(session, previous)
    return found


def _ranked_ids(session: Session, groups: list[tuple[str, ...]], limit: int) -> list[tuple[int, float]]:
    if _dialect(session) == "postgresql":
        return _pg_ranked(session, groups, limit)
    match = " OR ".join('"' + w.replace('"', '""') + '"' for group in groups for w in group)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT rowid, bm25(kb_fts, {weights}) AS rank FROM kb_fts WHERE kb_fts MATCH :q "
           "ORDER BY rank, rowid LIMIT :limit")
    return [(int(i), -float(r)) for i, r in session.execute(text(sql), {"q": match, "limit": limit})]


def highlight(value: str, terms: Iterable[str], *, width: int | None = None) -> str:
    """Return ``value`` escaped, with each occurrence of a term wrapped in <mark>; cut to ``width`` around the first."""
    found = sorted({t for t in terms if t}, key=len, reverse=True)
    if width is not None and len(value) > width:
        lower = value.lower()
        firsts = [p for p in (lower.find(t) for t in found) if p >= 0]
        start = max(0, min(firsts) - width // 4) if firsts else 0
        end = min(len(value), start + width)
        value = ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")
    if not found:
        return html.escape(value)
    pattern = re.compile("|".join(re.escape(t) for t in found), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(value):
        out.append(html.escape(value[last:m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        last = m.end()
    out.append(html.escape(value[last:]))
    return "".join(out)


def search(session: Session, query: str, *, limit: int = 10, snippet_width: int = 80,
           now: datetime | None = None) -> list[Hit]:
    """Return the published entries best matching ``query``, best first, with matched words highlighted.

    Given ``now``, an entry whose expiry date has come (Asia/Shanghai) is left out even before the scheduler's
    pass marks it expired and takes it out of the index.
    """
    groups = query_groups(query)
    if not groups:
        return []
    terms = [w for group in groups for w in group]
    # A few more than asked for when entries past their expiry (not yet expired by the scheduler) are left out.
    ranked = _ranked_ids(session, groups, limit + EXPIRY_SLACK if now is not None else limit)
    if not ranked:
        return []
    live = [KnowledgeEntry.id.in_([i for i, _ in ranked]), KnowledgeEntry.status == "published"]
    if now is not None:
        live.append(or_(KnowledgeEntry.expiry_date.is_(None), KnowledgeEntry.expiry_date > local_date(now)))
    entries = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(*live))}
    hits = []
    for entry_id, score in ranked:
        entry = entries.get(entry_id)
        if entry is None:
            continue
        body = plain_text(entry.content)
        haystack = f"{entry.title} {' '.join(entry.keywords or [])} {body}".lower()
        matched = tuple(t for t in terms if t in haystack)
        hits.append(Hit(entry.id, entry.title, entry.category, entry.unit_id, score,
                        highlight(entry.title, matched), highlight(body, matched, width=snippet_width), matched))
    return hits[:limit]


def past_expiry(entry: KnowledgeEntry, now: datetime) -> bool:
    """Whether the entry's expiry date has come (Asia/Shanghai), whatever its status says."""
    return entry.expiry_date is not None and entry.expiry_date <= local_date(now)


def is_live(entry: KnowledgeEntry, now: datetime) -> bool:
    """Whether an entry may answer a citizen: published and its expiry date not yet come (Asia/Shanghai)."""
    return entry.status == "published" and not past_expiry(entry, now)


def suggest(session: Session, citizen_words: str, *, limit: int = 5, now: datetime | None = None) -> list[Hit]:
    """Return entries for the intake screen from what the citizen said, in their own words."""
    return search(session, citizen_words, limit=limit, snippet_width=60, now=now)
