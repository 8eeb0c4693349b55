"""Attachment pages (附件): opening a ticket's files as staff, as the citizen and as the public, publishing them,
the office's upload limits and the log of openings; the helpers that read uploads from forms (``files``), which
the ticket, task and citizen pages use.

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list and the
pages that take uploads.
"""
