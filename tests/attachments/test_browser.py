"""In headless chromium on a phone-sized screen: the handler goes from the unit inbox to 拍照上传, takes a photo with
the camera input, replies, and the reviewer sees the thumbnail open full size, without the photo's GPS."""
from __future__ import annotations

import io
from urllib.parse import unquote

from PIL import Image

from tests.support.helpers import REPLY

from .flow import attachments_of
from .samples import exif_of, office, photo


def test_a_handler_attaches_a_camera_photo_to_a_reply_on_a_phone(people, db, tickets, shot):
    t = tickets.handling()
    number, ticket_id = t.number, t.id
    handler = people.signed_in("handler", phone=True)
    item = handler.locator("li.item", has_text=number)
    item.get_by_role("link", name="拍照上传").click()
    handler.wait_for_load_state()
    assert handler.url.endswith("#upload")
    assert handler.get_by_label("用手机拍照").get_attribute("name") == "attachments_camera"
    assert handler.get_by_label("选择文件").get_attribute("name") == "attachments"
    camera = handler.locator("input[name=attachments_camera]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    camera.set_input_files(files=[{"name": "camera.jpg", "mimeType": "image/jpeg", "buffer": photo(gps=True)}])
    for key in ("result", "basis", "contact_method"):
        handler.fill(f"#{key}", REPLY[key])
    handler.check("#citizen_informed")
    handler.check("input[name=attachments_public]")
    shot(handler, "attachments-reply-camera-phone")
    handler.click("button:has-text('提交')")
    handler.wait_for_load_state()
    assert "已完成" in handler.locator(".flash").inner_text()
    [a] = attachments_of(db, ticket_id)
    assert (a.action, a.public, a.kind) == ("reply", True, "image")

    reviewer = people.signed_in("reviewer")
    reviewer.goto(f"/tickets/{ticket_id}")
    thumb = reviewer.locator(f"#files img.thumb[alt='{a.name}']")
    thumb.wait_for()
    reviewer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") <= 360  # a thumbnail, not the photo
    with reviewer.expect_popup() as opened:
        reviewer.locator(f"#files a.thumb-link[href='/attachments/{a.token}']").click()
    full = opened.value
    full.wait_for_load_state()
    served = full.request.get(full.url).body()
    assert Image.open(io.BytesIO(served)).size == (640, 480)
    assert exif_of(served) == {"exif": {}, "gps": {}, "info": {}}
    shot(reviewer, "attachments-ticket-page")


def test_files_with_chinese_names_open_and_download_over_http(people, db, tickets):
    """A photo named 现场照片.jpg and a 整改通知书.docx, attached from the reply page: over a real HTTP server the
    thumbnail shows, the photo opens, the document downloads under its own name, and the public address serves the
    photo too (a header holding the raw Chinese name cannot be sent at all: the download never arrived)."""
    t = tickets.handling()
    notice = office("docx")
    handler = people.signed_in("handler")
    handler.locator("li.item", has_text=t.number).get_by_role("link", name="拍照上传").click()
    handler.wait_for_load_state()
    handler.locator("input[name=attachments]").set_input_files(files=[
        {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo(gps=False)},
        {"name": "整改通知书.docx", "mimeType": "application/octet-stream", "buffer": notice}])
    for key in ("result", "basis", "contact_method"):
        handler.fill(f"#{key}", REPLY[key])
    handler.check("#citizen_informed")
    handler.check("input[name=attachments_public]")
    handler.click("button:has-text('提交')")
    handler.wait_for_load_state()
    assert "已完成" in handler.locator(".flash").inner_text()
    files = {a.name: a for a in attachments_of(db, t.id)}
    assert set(files) == {"现场照片.jpg", "整改通知书.docx"}

    reviewer = people.signed_in("reviewer")
    reviewer.goto(f"/tickets/{t.id}")
    thumb = reviewer.locator("#files img.thumb[alt='现场照片.jpg']")
    thumb.wait_for()
    reviewer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    shown = reviewer.request.get(f"/attachments/{files['现场照片.jpg'].token}")
    assert shown.status == 200 and Image.open(io.BytesIO(shown.body())).size == (640, 480)
    assert shown.headers["content-disposition"].startswith("inline")
    saved = reviewer.request.get(f"/attachments/{files['整改通知书.docx'].token}?dl=1")
    assert saved.status == 200 and saved.body() == notice
    disposition = saved.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert unquote(disposition.split("filename*=UTF-8''")[1].split(";")[0]) == "整改通知书.docx"
    assert files["现场照片.jpg"].public
    published = reviewer.request.get(f"/media/{files['现场照片.jpg'].token}")
    assert published.status == 200 and published.body()[:3] == b"\xff\xd8\xff"
