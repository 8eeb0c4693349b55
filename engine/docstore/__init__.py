"""The document store (公文档案, DOMAIN §11): the facts a formal document rests on, issuing with gapless numbers
per kind and year, keeping each PDF unchanged, voiding with a reason, the archive search and batch printing.

May import ``engine.common``, the layers below it and ``documents`` (the renderer); every capability that issues a
document imports it.
"""
from . import archive, batches, facts, joint
from .archive import (
    DEFAULT_OFFICE_SHORT,
    ISSUE_ROLES,
    configure_heading,
    document_view,
    documents_for_ticket,
    heading,
    issue_document,
    issue_for_ticket,
    next_number,
    next_seq,
)

__all__ = ["DEFAULT_OFFICE_SHORT", "ISSUE_ROLES", "archive", "batches", "configure_heading", "document_view",
           "documents_for_ticket", "facts", "heading", "issue_document", "issue_for_ticket", "joint", "next_number",
           "next_seq"]
