"""Refuse unsafe XML before any parser trusts it: DTDs, entities, external references, oversized files."""
from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BYTES = 2 * 1024 * 1024


class UnsafeXml(ValueError):
    """The file is not XML we are willing to parse."""

    def __init__(self, message: str, line: int | None = None, reason: str = "malformed"):
        super().__init__(message)
        self.line = line
        self.reason = reason  # size, unsafe or malformed


def check_safe_xml(data: bytes, name: str = "diagram") -> None:
    """Refuse oversized files, DOCTYPEs, entity declarations and malformed XML.

    :raises UnsafeXml: with an English message naming the file and the problem.
    """
    if len(data) > MAX_BYTES:
        raise UnsafeXml(f"{name}: file is {len(data)} bytes, more than the {MAX_BYTES} allowed",
                        reason="size")
    try:
        fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXml(f"{name}: unsafe XML refused ({type(exc).__name__})", reason="unsafe") from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise UnsafeXml(f"{name}: malformed XML at line {line}: {exc}", line) from exc
