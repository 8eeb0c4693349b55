"""What an attachment costs a step: the same 办理答复 submitted without a file (the baseline), with one 12-megapixel
phone photo (type check, decode, re-encode without metadata, thumbnail, store in the action's transaction), and with
a 5 MB PDF (type check, store); plus the photo's preparation alone and reading a stored photo back.

Usage: .venv/bin/python bench/attachments.py [--quick] [--pg postgresql+psycopg://root@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.attachments import Upload, content, prepare  # noqa: E402
from engine.common.db import transaction  # noqa: E402
from engine.models import Attachment, Unit, User  # noqa: E402
from engine.tickets.lifecycle import complete_task, register  # noqa: E402

QUICK = "--quick" in sys.argv
RUNS = 4 if QUICK else 12
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
CITIZEN = {"channel": "phone", "citizen_name": "张三丰", "citizen_phone": "13800001234", "address": "永和路18号",
           "content": "小区东侧工地每晚22点后仍在施工，噪音扰民。", "ticket_type": "complaint",
           "category": "城乡建设/噪音扰民", "scope": "accept"}
REPLY = {"department": "建筑管理科", "handler_name": "李工", "result": "已责令停止夜间施工。",
         "basis": "噪声污染防治法", "contact_method": "电话告知", "citizen_informed": True}


def phone_photo() -> bytes:
    """A 4032×3024 JPEG at quality 90 with camera EXIF: about what a phone sends."""
    base = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
    noise = Image.effect_noise((4032, 3024), 24).convert("RGB")
    im = Image.blend(base, noise, 0.35)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    exif[0x8825] = {1: "N", 2: (23.0, 44.0, 1.5), 3: "E", 4: (114.0, 41.0, 2.0)}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def big_pdf(size: int = 5 * 1024 * 1024) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (620, 877), "white").save(out, "PDF")
    data = out.getvalue()
    return data.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + b"x" * (size - len(data)) + b"\n", 1)


def actor(session, username):
    from engine.common import Actor

    return Actor.of_user(session.scalar(select(User).where(User.username == username)))


def bench(url: str, label: str) -> list[str]:
    from engine.demo.seed import seed_reference, seed_units, seed_users
    from web import create_app
    from web.cli import init_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "SECRET_KEY": "bench"})
    photo, pdf = phone_photo(), big_pdf()
    with app.app_context():
        init_database()
        s = db.session
        with transaction(s):
            units = seed_units(s)
            seed_users(s, units, T0)
            seed_reference(s, units, T0)
        lead = s.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
        agent, dispatcher, receiver, handler = (actor(s, u) for u in ("agent", "dispatcher", "receiver", "handler"))
        now = T0

        def handling():
            nonlocal now
            now += timedelta(seconds=10)
            with transaction(s):
                t, _code, _ = register(s, agent, CITIZEN, now)
                complete_task(s, dispatcher, t.id, "dispatch", {"lead_unit": lead}, now)
                complete_task(s, receiver, t.id, "sign", {"decision": "sign"}, now)
            return t.id

        def reply(uploads) -> float:
            tid = handling()
            started = time.perf_counter()
            with transaction(s):
                complete_task(s, handler, tid, "reply", REPLY, now, uploads=uploads)
            return time.perf_counter() - started

        for _ in range(2):  # warm caches (diagram bundle, calendar, Pillow's codecs)
            reply([])
            reply([Upload("IMG.jpg", photo)])
        cases = {"reply, no file (baseline)": lambda: reply([]),
                 "reply + one 12-MP phone photo": lambda: reply([Upload("IMG_0001.JPG", photo)]),
                 "reply + one 5 MB PDF": lambda: reply([Upload("整改通知书.pdf", pdf)])}
        results = {name: statistics.median([fn() for _ in range(RUNS)]) for name, fn in cases.items()}

        def prepare_only() -> float:
            started = time.perf_counter()
            prepare(s, [Upload("IMG_0001.JPG", photo)])
            return time.perf_counter() - started
        results["prepare the photo alone (no database write)"] = statistics.median(
            [prepare_only() for _ in range(RUNS)])
        stored = s.scalar(select(Attachment).where(Attachment.kind == "image").limit(1))

        def read_back() -> float:
            started = time.perf_counter()
            content(s, stored)
            return time.perf_counter() - started
        results["read a stored photo back (full size)"] = statistics.median([read_back() for _ in range(RUNS)])
        kept = stored.size
        s.rollback()
    base = results["reply, no file (baseline)"]
    lines = [f"### {label}", f"Photo sent {len(photo) / 1e6:.1f} MB, stored {kept / 1e6:.1f} MB "
             f"(re-encoded, at most 4096 px); PDF {len(pdf) / 1e6:.1f} MB. Median of {RUNS}.", "",
             "| measure | median | vs reply without a file |", "|---|---|---|"]
    lines += [f"| {name} | {sec * 1000:.0f} ms | {sec / base:.1f}× |" for name, sec in results.items()]
    return lines


def main() -> None:
    out = heading("Attachments (issue 19)")
    with tempfile.TemporaryDirectory() as tmp:
        out += ["", *bench(f"sqlite:///{tmp}/bench.db", "SQLite")]
    if "--pg" in sys.argv:
        url, drop = create_scratch_database(sys.argv[sys.argv.index("--pg") + 1])
        try:
            out += ["", *bench(url, "PostgreSQL")]
        finally:
            drop()
    print("\n".join(out))


if __name__ == "__main__":
    main()
