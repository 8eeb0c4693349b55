"""What a file is comes from its bytes: pictures, PDFs and office documents pass; everything else, and every file
whose name lies about its content, is refused with a Chinese message; pictures lose their metadata."""
from __future__ import annotations

import pytest

from engine.attachments import Upload, imaging, prepare, sniff
from engine.common import Invalid

from .samples import (
    EXE,
    HTML,
    OLE_DOC,
    exif_of,
    huge_png_header,
    office,
    photo,
    plain_zip,
    png_with_text,
    scan_pdf,
)


@pytest.mark.parametrize("name, data, kind, mime", [
    ("现场.jpg", photo(), "image", "image/jpeg"),
    ("IMG_0001.JPEG", photo(), "image", "image/jpeg"),
    ("截图.png", png_with_text(), "image", "image/png"),
    ("整改通知书.pdf", scan_pdf(), "pdf", "application/pdf"),
    ("处理意见.docx", office("docx"), "office", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xlsx", office("xlsx"), "office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("汇报.pptx", office("pptx"), "office",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("旧版.doc", OLE_DOC, "office", "application/msword"),
    ("无扩展名", photo(), "image", "image/jpeg"),
])
def test_accepted_types_are_known_by_their_bytes(name, data, kind, mime):
    found = sniff.detect(data, name)
    assert (found.kind, found.mime) == (kind, mime)


@pytest.mark.parametrize("name, data, said", [
    ("setup.exe", EXE, "不是允许上传的文件类型"),
    ("说明.txt", b"plain words", "不是允许上传的文件类型"),
    ("资料.zip", plain_zip(), "是压缩包或不支持的文档"),
    ("宏.docm", office("docx", macro=True), "含有宏"),
    ("空.jpg", b"", "是空文件"),
    ("旧版文档", OLE_DOC, "请保留其原扩展名"),
    ("IMG_2001.HEIC", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, "HEIC格式照片"),
    ("表单.pdf", scan_pdf().replace(b"%%EOF", b"/JavaScript (app.alert(1))\n%%EOF"), "含有脚本"),
])
def test_other_files_are_refused_in_chinese(name, data, said):
    with pytest.raises(Invalid) as exc:
        sniff.detect(data, name)
    assert said in exc.value.message_zh and name in exc.value.message_zh
    assert exc.value.fields == {"attachments": exc.value.message_zh}


@pytest.mark.parametrize("name, data, really", [
    ("照片.jpg", HTML, None),  # a web page dressed as a photo: not a type at all
    ("照片.jpg", EXE, None),
    ("照片.jpg", scan_pdf(), "PDF文档"),  # a real PDF under a photo's name: the name lies
    ("扫描件.pdf", photo(), "图片"),
    ("报告.docx", office("xlsx"), "Excel表格"),
])
def test_a_file_lying_about_its_type_is_refused(name, data, really):
    with pytest.raises(Invalid) as exc:
        sniff.detect(data, name)
    message = exc.value.message_zh
    if really:
        assert f"文件内容与扩展名不符（实际是{really}）" in message
    else:
        assert "不是允许上传的文件类型" in message


def test_a_photo_keeps_its_pixels_and_loses_gps_device_owner_and_comment():
    original = photo(gps=True, comment=b"owner: zhang san, 13800001234")
    assert exif_of(original)["gps"] and exif_of(original)["exif"][0x0110] == "iPhone 15 Pro"
    pic = imaging.reencode(original, "image/jpeg", "现场.jpg")
    assert exif_of(pic.data) == {"exif": {}, "gps": {}, "info": {}}
    assert (pic.width, pic.height) == (640, 480)
    assert exif_of(pic.thumb) == {"exif": {}, "gps": {}, "info": {}}


def test_a_photo_taken_sideways_stands_upright_after_its_orientation_tag_is_dropped():
    pic = imaging.reencode(photo(640, 480, orientation=6), "image/jpeg", "竖拍.jpg")
    assert (pic.width, pic.height) == (480, 640)
    assert exif_of(pic.data)["exif"] == {}


def test_a_png_loses_its_text_chunks_and_keeps_transparency():
    assert "Author" in exif_of(png_with_text())["info"]
    pic = imaging.reencode(png_with_text(), "image/png", "截图.png")
    assert pic.mime == "image/png" and exif_of(pic.data)["info"] == {}


def test_a_picture_claiming_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(Invalid) as exc:
        imaging.reencode(huge_png_header(), "image/png", "大图.png")
    assert "图片尺寸过大" in exc.value.message_zh


def test_a_broken_picture_is_refused():
    with pytest.raises(Invalid) as exc:
        imaging.reencode(photo()[:300], "image/jpeg", "半张.jpg")
    assert "图片已损坏" in exc.value.message_zh


def test_prepare_checks_every_file_and_names_each_refusal(db):
    with pytest.raises(Invalid) as exc:
        prepare(db.session, [Upload("现场.jpg", photo()), Upload("病毒.exe", EXE),
                             Upload("说明.jpg", HTML, slot="scan")])
    assert set(exc.value.fields) == {"attachments", "explanation_scan"}
    assert "病毒.exe" in exc.value.fields["attachments"] and "现场.jpg" not in exc.value.fields["attachments"]
    assert "说明.jpg" in exc.value.fields["explanation_scan"]


def test_prepared_names_carry_the_real_extension_and_no_path(db):
    files = prepare(db.session, [Upload("C:\\Users\\张三\\Desktop\\现场 照片.JPEG", photo()),
                                 Upload("image.jpg", png_with_text()), Upload("../../etc/整改.pdf", scan_pdf())])
    assert [f.name for f in files] == ["现场 照片.jpg", "附件2.png", "整改.pdf"]
    assert all(f.sha256 and f.size for f in files)
