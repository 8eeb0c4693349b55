"""Ticket pages (工单): the agent's intake, the queues and inboxes, the ticket page with its masked contact details,
every user task's page, and the citizens' public pages (submit, track, evaluate).

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
