"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) at /open311/v2/, in JSON or XML.

``services.{fmt}``, ``services/{code}.{fmt}``, ``requests.{fmt}`` (GET lists, POST files one with an ``api_key``
made by ``create-api-client NAME --channel open311``) and ``requests/{id}.{fmt}``. POST is synchronous, so there are
no tokens. Errors are the spec's array of ``{code, description}`` with the HTTP status. Nothing here reads XML:
requests are form-encoded; XML is only written.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Blueprint, Response, jsonify, request

from engine.common import transaction
from engine.domain.states import Channel
from engine.tickets import open311

from ..attachments.files import public_url
from ..extensions import db
from ..security import channel_actor, now

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")
# The XML element of each list's items (GeoReport v2's own names).
ITEM = {"services": "service", "service_requests": "request", "errors": "error"}


class NotFormat(open311.Open311Error):
    def __init__(self):
        super().__init__(404, "不支持的格式，请使用 .json 或 .xml")


def _split(path: str) -> tuple[str, str]:
    """'complaint.12.json' → ('complaint.12', 'json')."""
    stem, _, fmt = path.rpartition(".")
    if fmt not in FORMATS or not stem:
        raise NotFormat()
    return stem, fmt


def _xml(root: str, items: list[dict] | dict) -> bytes:
    top = ET.Element(root)
    for item in items if isinstance(items, list) else [items]:
        node = ET.SubElement(top, ITEM.get(root, root)) if isinstance(items, list) else top
        for key, value in item.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):
                child.text = None
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, data, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, data), status=status, mimetype="text/xml")
    resp = jsonify(data)
    resp.status_code = status
    return resp


def error_array(status: int, *descriptions: str) -> Response:
    """The spec's error answer: ``[{code, description}]``, one entry per error (``<errors><error>`` in XML)."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return answer(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)


@bp.errorhandler(open311.Open311Error)
def _error(exc: open311.Open311Error):
    return error_array(exc.status, *exc.descriptions)


@bp.get("/services.<fmt>")
def services(fmt: str):
    """Every service: our categories by ticket type, with Chinese names."""
    if fmt not in FORMATS:
        raise NotFormat()
    return answer(fmt, "services", [s.as_dict() for s in open311.services(db.session)])


@bp.get("/services/<path:rest>")
def service_definition(rest: str):
    code, fmt = _split(rest)
    svc = open311.service(db.session, code)
    return answer(fmt, "service_definition", {"service_code": svc.code, "attributes": []})


def _with_media(item: dict) -> dict:
    media = item.pop("media", None)
    item["media_url"] = public_url(media) if media is not None else None
    return item


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
def requests(fmt: str):
    if fmt not in FORMATS:
        raise NotFormat()
    if request.method == "GET":
        found = open311.find(db.session, request.args.to_dict(), now())
        return answer(fmt, "service_requests", [_with_media(r) for r in found])
    form = request.form.to_dict()
    actor = channel_actor(form.get("api_key"))
    if actor is None or actor.channel != Channel.OPEN311.value:
        raise open311.Open311Error(403, "api_key 无效：请使用热线办为本应用生成的开放接口令牌")
    with transaction(db.session):
        ticket, code, _svc = open311.create(db.session, actor, form, now())
    notice = f"已登记，工单编号{ticket.number}，查询码{code}（请妥善保存，可在12345网站查询办理进度和评价）"
    return answer(fmt, "service_requests", [{"service_request_id": ticket.number, "service_notice": notice,
                                             "account_id": None}], 201)


@bp.get("/requests/<path:rest>")
def one_request(rest: str):
    number, fmt = _split(rest)
    return answer(fmt, "service_requests", [_with_media(open311.one(db.session, number))])
