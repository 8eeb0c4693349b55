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

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from engine.models import KnowledgeEntry

_jieba_lock = threading.Lock()
_jieba = None

# Words jieba does not know as one word but citizens and units use as one.
DOMAIN_WORDS = ("社保卡", "居住证", "公积金", "异地就医", "低保", "停水", "停电", "医保", "不动产", "新生儿",
                "夜间施工", "随迁子女", "医保电子凭证", "燃气", "报修", "补办", "挂失")
# Words that say nothing about the matter asked; dropped from queries (never from the index).
STOPWORDS = frozenset("的 了 是 我 你 他 她 们 我们 在 和 与 及 或 吗 呢 吧 啊 呀 怎么 怎么办 怎样 如何 什么 哪里 哪儿 "
                      "请问 想 要 能 可以 需要 一下 这个 那个 有 没有 去 到 把 被 给 就 都 也 还 又 时候 为什么 多少 "
                      "谁 请 帮 帮忙 一个 已经 现在 今天 问 问题 咨询 办理".split())
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


def query_words(value: str | None) -> list[str]:
    """Return the distinct meaningful words of a query in order (stopwords dropped unless nothing else is left)."""
    all_words = list(dict.fromkeys(words(value)))
    kept = [w for w in all_words if w not in STOPWORDS and (len(w) > 1 or not w.isascii() and len(all_words) <= 2)]
    return kept or [w for w in all_words if w not in STOPWORDS] or all_words


def plain_text(rich: str | None) -> str:
    """Return the text of sanitized HTML (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", rich or "")).strip()


def _documents(entry: KnowledgeEntry) -> tuple[str, str, str]:
    keywords = " ".join(entry.keywords or [])
    return (" ".join(words(entry.title)), " ".join(words(plain_text(entry.content))),
            " ".join([*(k.lower() for k in (entry.keywords or [])), *words(keywords)]))


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
            session.execute(text(
                "UPDATE kb_entry SET tsv = setweight(to_tsvector('simple', :t), 'A') || "
                "setweight(to_tsvector('simple', :k), 'B') || setweight(to_tsvector('simple', :c), 'D') "
                "WHERE id = :id"), {"id": entry.id, "t": title, "c": content, "k": keywords})
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


def _ranked_ids(session: Session, terms: list[str], limit: int) -> list[tuple[int, float]]:
    if _dialect(session) == "postgresql":
        query = " || ".join(f"plainto_tsquery('simple', :w{i})" for i in range(len(terms)))
        sql = (f"SELECT id, ts_rank(tsv, q) AS rank FROM kb_entry, ({'SELECT ' + query} AS q) AS query "
               "WHERE tsv @@ q AND status = 'published' ORDER BY rank DESC, id LIMIT :limit")
        params = {f"w{i}": w for i, w in enumerate(terms)} | {"limit": limit}
        return [(int(i), float(r)) for i, r in session.execute(text(sql), params)]
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in terms)
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


def search(session: Session, query: str, *, limit: int = 10, snippet_width: int = 80) -> list[Hit]:
    """Return the published entries best matching ``query``, best first, with matched words highlighted."""
    terms = query_words(query)
    if not terms:
        return []
    ranked = _ranked_ids(session, terms, limit)
    if not ranked:
        return []
    entries = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(
        KnowledgeEntry.id.in_([i for i, _ in ranked]), KnowledgeEntry.status == "published"))}
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
    return hits


def suggest(session: Session, citizen_words: str, *, limit: int = 5) -> list[Hit]:
    """Return entries for the intake screen from what the citizen said, in their own words."""
    return search(session, citizen_words, limit=limit, snippet_width=60)
