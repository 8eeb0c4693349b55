"""The process owner's area (流程管理): versions, drafts, the modeller, checks, deployment, migration, rule sets
and the downloads of diagram files.

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
