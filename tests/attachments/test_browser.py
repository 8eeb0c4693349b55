"""In headless chromium on a phone-sized screen: the handler goes from the unit inbox to 拍照上传, takes a photo with
the camera input, replies, and the reviewer sees the thumbnail open full size, without the photo's GPS."""
from __future__ import annotations

import io

from PIL import Image

from tests.support.helpers import REPLY

from .flow import attachments_of
from .samples import exif_of, photo


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
