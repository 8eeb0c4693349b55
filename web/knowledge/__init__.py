"""Knowledge-base pages (知识库): search, entries and their versions, a unit's own entries, edit requests, the
office's correction list and flags.

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
