"""Forms of a ticket's main tasks and pages: intake and scope, dispatch, sign/return, co-handling, reply, review,
evaluation, and the citizens' public forms. Shape only; imports ``forms.base`` and ``engine.domain`` labels.
"""
