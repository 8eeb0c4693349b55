"""Files in and out of requests: uploads read from a form, attachment responses, the signed grants that carry a
check already made (a reason stated, a query code verified) to the image and PDF requests of the same page, and the
URLs pages and the API show — ``public_url`` is the Open311 ``media_url`` hook.
"""
from __future__ import annotations

import io

from flask import Response, current_app, request, send_file, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine.attachments import SLOT_FIELDS, Upload

#: How long a grant handed out with a page stays good (seconds): the page's pictures and a few clicks.
REVEAL_GRANT_AGE = 600
CITIZEN_GRANT_AGE = 1800
#: A picture of a ticket may be framed by our own pages only; it runs no script and loads nothing.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
# Chromium shows no PDF under a CSP sandbox: a PDF gets everything else.
PDF_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def uploads_from_request(slots, *, public_choice: bool = True, location: bool = False) -> list[Upload]:
    """The files a form sent for these slots (the camera's input of a slot counts as the slot itself).

    ``public_choice``: the uploader may tick 向诉求人公开; ``location``: the uploader may type where it was taken.
    """
    public = public_choice and request.form.get("attachments_public") in ("y", "on", "1", "true")
    place = (request.form.get("attachment_location") or "").strip() if location else None
    found = []
    for slot in slots:
        name = SLOT_FIELDS[slot]
        for storage in [*request.files.getlist(name), *request.files.getlist(f"{name}_camera")]:
            if storage is None or not storage.filename:
                continue  # an input left empty
            found.append(Upload(storage.filename, storage.read(), slot, public=public, location=place or None))
    return found


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def reveal_grant(user_id: int, token: str) -> str:
    """Proof that this user stated a reason to see the citizen's material of the ticket (the reveal page)."""
    return _serializer("attachment-reveal").dumps({"u": user_id, "a": token})


def reveal_granted(grant: str | None, user_id: int, token: str) -> bool:
    if not grant:
        return False
    try:
        data = _serializer("attachment-reveal").loads(grant, max_age=REVEAL_GRANT_AGE)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == user_id and data.get("a") == token


def citizen_grant(ticket_id: int, token: str) -> str:
    """Proof that the ticket's number and query code were just checked (the tracking page)."""
    return _serializer("attachment-citizen").dumps({"t": ticket_id, "a": token})


def citizen_ticket(grant: str | None, token: str) -> int | None:
    """The ticket a citizen's grant was given for, if it is valid for this attachment."""
    if not grant:
        return None
    try:
        data = _serializer("attachment-citizen").loads(grant, max_age=CITIZEN_GRANT_AGE)
    except BadSignature:
        return None
    return data.get("t") if isinstance(data, dict) and data.get("a") == token else None


def with_grants(items: list[dict], *, user_id: int | None = None, ticket_id: int | None = None) -> list[dict]:
    """Attach the grant each listed attachment's links carry (a revealed staff page, or the citizen's page)."""
    for a in items:
        if a.get("token"):
            if ticket_id is not None:
                a["citizen_grant"] = citizen_grant(ticket_id, a["token"])
            elif user_id is not None:
                a["grant"] = reveal_grant(user_id, a["token"])
    return items


def href(a: dict, *, thumb: bool = False, download: bool = False) -> str:
    """The link of a listed attachment as the page's reader may open it."""
    args = {"thumb": 1} if thumb else {"dl": 1} if download else {}
    if a.get("citizen_grant"):
        return url_for("attachments.citizen_open", token=a["token"], g=a["citizen_grant"], **args)
    if a.get("grant"):
        args["g"] = a["grant"]
    return url_for("attachments.open", token=a["token"], **args)


def api_url(token: str) -> str:
    return url_for("api_files.download", token=token, _external=True)


def public_url(attachment) -> str | None:
    """The public address of a published attachment (the Open311 ``media_url``), or None while it is not public.

    Takes an ``engine.models.Attachment`` or a listed attachment (dict); the address serves it only as long as it
    stays published.
    """
    public = attachment.get("public") if isinstance(attachment, dict) else attachment.public
    token = attachment.get("token") if isinstance(attachment, dict) else attachment.token
    return url_for("attachments.media", token=token, _external=True) if public and token else None


def send(a, data: bytes, *, thumb: bool = False, download: bool = False, cache: str = "private, no-store") -> Response:
    """The attachment's bytes: pictures and PDFs shown in the browser, office files (and ``download``) saved."""
    inline = not download and (thumb or a.kind in ("image", "pdf"))
    mime = "image/jpeg" if thumb and a.kind == "image" else a.mime
    # Flask's send_file writes the name as RFC 6266 says: an ASCII fallback plus ``filename*=UTF-8''…``; a header
    # holding the raw Chinese name cannot be sent (WSGI headers are latin-1) and the download never arrives.
    resp = send_file(io.BytesIO(data), mimetype=mime, as_attachment=not inline, download_name=a.name, etag=False)
    resp.headers["Cache-Control"] = cache
    resp.headers["Content-Security-Policy"] = (IMAGE_CSP if a.kind == "image" else PDF_CSP) if inline else DOWNLOAD_CSP
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp
