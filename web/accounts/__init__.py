"""Accounts pages: sign in and out, each role's home and personal worklist, users and the unit tree (admin).

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
