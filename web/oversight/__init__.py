"""Oversight pages (督办, 责任追究): supervisions opened and followed by the office, accountability cases.

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
