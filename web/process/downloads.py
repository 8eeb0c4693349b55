"""Files the process owner downloads: one diagram as an XML attachment, or a version's or draft's files as a zip."""
from __future__ import annotations

import io
import zipfile

from flask import send_file

from engine.common import NotFound


def send_xml(files: dict[str, str], name: str):
    """One of ``files`` (name → XML text) as an attachment.

    :raises NotFound: for a name not among them.
    """
    if name not in files:
        raise NotFound(f"文件 {name} 不存在", f"no file {name!r}")
    # An attachment with an XML type: the browser saves it and never renders it as a page.
    return send_file(io.BytesIO(files[name].encode("utf-8")), mimetype="application/xml", as_attachment=True,
                     download_name=name)


def send_zip(files: dict[str, str], download_name: str):
    """All of ``files`` (name → text) in one zip attachment, in name order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            zf.writestr(name, text.encode("utf-8"))
    buf.seek(0)
    return send_file(buf, mimetype="application/zip", as_attachment=True, download_name=download_name)
