"""Same-matter pages (issue 21): the live similar-ticket panel's JSON, the units' duty lists (职责清单), 集中反映
alerts with the one-step merge, merging and un-merging on a ticket's page, and the figures of merged matters and
dispatch suggestions.

May import ``forms``, the ``engine`` capability packages and ``web`` helpers; nothing imports it but the blueprint
list and the ticket pages that show its panels (``web.matching.panels``).
"""
