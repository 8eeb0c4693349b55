"""``hotline …``: the command line installed into the virtual environment (``pip install -e .``).

The same commands as ``flask --app web …``, but always this app, whatever ``flask`` comes first on PATH and
whatever FLASK_APP says.
"""
from __future__ import annotations

from flask.cli import FlaskGroup

from .errors import guard_commands


def _create_app():
    from web import create_app

    return create_app()


def build_cli() -> FlaskGroup:
    """The ``hotline`` command group: Flask's own commands (run, shell, routes) and every command of the app."""
    cli = FlaskGroup(name="hotline", create_app=_create_app, add_version_option=False,
                     help="12345 热线工单平台的命令行（与 flask --app web … 相同）。")
    guard_commands(cli)
    return cli


def main() -> None:
    build_cli().main(prog_name="hotline")


if __name__ == "__main__":
    main()
