"""Clocks in the web app: the working-day calendar page, and the scheduler process that runs the clock jobs
with exactly one leader per deployment.

May import the ``engine`` packages and ``web`` helpers; the app factory and the CLI start the scheduler.
"""
