"""The hotline engine: domain rules, tables, the workflow runtime and the service verbs.

Arrows point down: services → workflow, models → domain. Nothing here imports Flask or ``web``.
"""
