"""Files as phones, scanners and office programs make them, built here (no binary fixtures in the repository)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

GPS = {1: "N", 2: (23.0, 44.0, 1.5), 3: "E", 4: (114.0, 41.0, 2.0)}


def photo(width: int = 640, height: int = 480, *, gps: bool = True, orientation: int | None = None,
          comment: bytes | None = None, color=(200, 60, 40)) -> bytes:
    """A JPEG as a phone camera writes it: maker, model, owner, GPS position in its EXIF."""
    im = Image.new("RGB", (width, height), color)
    for x in range(0, width, 40):  # some structure, so it is not one flat colour
        im.paste((30, 30, 30), (x, 0, x + 4, height))
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15 Pro"
    exif[0x013B] = "张三丰"
    if gps:
        exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    extra = {"comment": comment} if comment else {}
    im.save(out, "JPEG", exif=exif, quality=90, **extra)
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三丰 13800001234")
    im = Image.new("RGBA", (200, 120), (0, 128, 255, 128))
    out = io.BytesIO()
    im.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def scan_pdf(pages: int = 1, pad: int = 0) -> bytes:
    """A scanned letter as a PDF (Pillow writes one image per page); ``pad`` bytes of comment make it bigger."""
    ims = [Image.new("RGB", (620, 877), "white") for _ in range(pages)]
    out = io.BytesIO()
    ims[0].save(out, "PDF", save_all=True, append_images=ims[1:], resolution=75)
    data = out.getvalue()
    if pad:
        data = data.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + b"x" * pad + b"\n", 1)
    return data


def office(kind: str = "docx", *, macro: bool = False) -> bytes:
    """A minimal Office Open XML document (what Word, Excel, WPS save)."""
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr(part, '<?xml version="1.0"?><document/>')
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def huge_png_header(width: int = 10_000, height: int = 8_000) -> bytes:
    """A small PNG whose header claims ``width``×``height`` pixels (a decompression bomb's first bytes)."""
    data = bytearray(png_with_text())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def exif_of(data: bytes) -> dict:
    """Everything a picture still says about itself: EXIF tags, GPS, and its other metadata."""
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        return {"exif": dict(exif), "gps": dict(exif.get_ifd(0x8825)), "info": {k: v for k, v in im.info.items()
                                                                               if k not in ("jfif", "jfif_version",
                                                                                            "jfif_unit", "jfif_density",
                                                                                            "progressive",
                                                                                            "progression", "dpi")}}
