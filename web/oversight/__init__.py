"""Oversight pages (督办, 责任追究): supervisions opened and followed by the office, accountability cases; and the
preparation of the side processes' task pages (``taskprep``: the facts each decision rests on).

May import ``forms``, the ``engine`` packages and ``web`` helpers; the blueprint list imports its views, the generic
task page (``web/tickets/tasks.py``) its task preparations.
"""
