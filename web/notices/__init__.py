"""The 发送记录 page: every SMS and voice notice in the outbox, its attempts, failures and resending.

May import the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
