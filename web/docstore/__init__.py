"""The document archive pages (公文档案): search, download as issued, void, issue a ticket's documents, batches.

May import the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
