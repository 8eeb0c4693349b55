"""What a file is, read from its bytes (magic numbers and container structure), never from its name.

The name's extension only has to agree with what the bytes are: a file called ``照片.jpg`` that holds a program, a
web page or a PDF is refused as lying about its type. Everything that is not a picture, a PDF or a common office
document is refused with a Chinese message naming what may be uploaded.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from engine.common import Invalid

ALLOWED_TEXT = "图片（JPG、PNG、GIF、WebP、BMP）、PDF 和常用办公文档（Word、Excel、PowerPoint、WPS、OFD、OpenDocument）"
MAX_ZIP_ENTRIES = 5000


@dataclass(frozen=True)
class FileType:
    """A type the product accepts: its family, MIME type, canonical extension, the extensions a name may carry."""

    kind: str  # image | pdf | office
    mime: str
    ext: str
    label: str
    names: frozenset[str]


def _t(kind, mime, ext, label, *names) -> FileType:
    return FileType(kind, mime, ext, label, frozenset({ext, *names}))


IMAGE_NAMES = ("jpg", "jpeg", "jfif", "jpe", "png", "gif", "webp", "bmp")
JPEG = _t("image", "image/jpeg", "jpg", "图片", *IMAGE_NAMES)
PNG = _t("image", "image/png", "png", "图片", *IMAGE_NAMES)
GIF = _t("image", "image/gif", "gif", "图片", *IMAGE_NAMES)
WEBP = _t("image", "image/webp", "webp", "图片", *IMAGE_NAMES)
BMP = _t("image", "image/bmp", "bmp", "图片", *IMAGE_NAMES)
PDF = _t("pdf", "application/pdf", "pdf", "PDF文档")
DOCX = _t("office", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word文档",
          "wps")
XLSX = _t("office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel表格", "et")
PPTX = _t("office", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
          "PowerPoint演示文稿", "dps")
ODT = _t("office", "application/vnd.oasis.opendocument.text", "odt", "OpenDocument文档")
ODS = _t("office", "application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument表格")
ODP = _t("office", "application/vnd.oasis.opendocument.presentation", "odp", "OpenDocument演示文稿")
OFD = _t("office", "application/ofd", "ofd", "OFD版式文档")
# Office 97-2003 and older WPS files share one container (OLE2): which program wrote it is told by the name.
OLE_BY_NAME = {
    "doc": _t("office", "application/msword", "doc", "Word文档"),
    "xls": _t("office", "application/vnd.ms-excel", "xls", "Excel表格"),
    "ppt": _t("office", "application/vnd.ms-powerpoint", "ppt", "PowerPoint演示文稿"),
    "wps": _t("office", "application/octet-stream", "wps", "WPS文字文档"),
    "et": _t("office", "application/octet-stream", "et", "WPS表格"),
    "dps": _t("office", "application/octet-stream", "dps", "WPS演示文稿"),
}
ODF_BY_MIMETYPE = {ODT.mime.encode(): ODT, ODS.mime.encode(): ODS, ODP.mime.encode(): ODP}
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
# Scripts, launch actions and embedded files have no place in a scanned letter or a rectification notice.
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z])")


def extension(name: str) -> str:
    """The lower-case extension of a file name ('' when it has none)."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def refuse(name: str, message: str, log: str, field: str) -> Invalid:
    return Invalid(message, f"attachment {name!r} refused: {log}", fields={field: message})


def detect(data: bytes, name: str, field: str = "attachments") -> FileType:
    """The type of ``data`` as its bytes say; the name's extension must agree.

    :raises Invalid: for an empty file, a type not accepted, a name that lies about the content, a macro-enabled
        document or a PDF with scripts or embedded files (Chinese message under ``field``).
    """
    if not data:
        raise refuse(name, f"「{name}」是空文件，请重新选择", "empty", field)
    found = _by_content(data, name, field)
    ext = extension(name)
    if ext and ext not in found.names:
        raise refuse(name, f"「{name}」的文件内容与扩展名不符（实际是{found.label}），请核对后重新选择",
                     f"extension {ext!r} on {found.mime} content", field)
    return found


def _by_content(data: bytes, name: str, field: str) -> FileType:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:2] == b"BM" and len(data) > 26:
        return BMP
    if head.startswith(b"%PDF-"):
        return _pdf(data, name, field)
    if head.startswith(b"PK\x03\x04"):
        return _zip(data, name, field)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        found = OLE_BY_NAME.get(extension(name))
        if found is None:
            raise refuse(name, f"「{name}」是旧版Office或WPS文档，请保留其原扩展名（.doc、.xls、.ppt、.wps、.et、.dps）"
                               "后重新上传", "OLE2 container without a known extension", field)
        return found
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        raise refuse(name, f"「{name}」是HEIC格式照片，暂不支持：请在手机相机设置中选择「兼容性最佳」（JPG）"
                           "后重新拍摄，或截图后上传", "HEIC image", field)
    raise refuse(name, f"「{name}」不是允许上传的文件类型：只能上传{ALLOWED_TEXT}", "unknown content", field)


def _pdf(data: bytes, name: str, field: str) -> FileType:
    if b"%%EOF" not in data[-2048:]:
        raise refuse(name, f"「{name}」不是完整的PDF文件，请重新导出后上传", "PDF without %%EOF", field)
    if PDF_ACTIVE.search(data):
        raise refuse(name, f"「{name}」含有脚本、表单程序或嵌入文件，不能上传：请打印为普通PDF或扫描件后上传",
                     "PDF with active content", field)
    return PDF


def _zip(data: bytes, name: str, field: str) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise refuse(name, f"「{name}」结构异常，不能上传", "zip with too many entries", field)
            names = {i.filename for i in infos}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise refuse(name, f"「{name}」含有宏，不能上传：请另存为不含宏的文档（.docx、.xlsx、.pptx）后上传",
                             "macro-enabled office document", field)
            if "[Content_Types].xml" in names:
                for part, found in OOXML_PARTS:
                    if part in names:
                        return found
            if "mimetype" in names and z.getinfo("mimetype").file_size < 100:
                found = ODF_BY_MIMETYPE.get(z.read("mimetype").strip())
                if found is not None:
                    return found
            if "OFD.xml" in names:
                return OFD
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        raise refuse(name, f"「{name}」已损坏或加密，无法识别，不能上传", "unreadable zip", field) from None
    raise refuse(name, f"「{name}」是压缩包或不支持的文档，不能上传：只能上传{ALLOWED_TEXT}", "plain zip archive",
                 field)
