"""What README.md and docs/ tell a newcomer to type or open exists: every `hotline …` / `flask --app web …` command
(with its options), every `make` target and every page path."""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "bpmn" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A command starts a line of code (or follows .venv/bin/, `(`, `&& `, `; `): `-g hotline` is a group, not a command.
COMMAND = re.compile(r"(?:^\s*|(?<=\.venv/bin/)|(?<=\()|(?<=&& )|(?<=; ))(?:hotline|flask --app web)"
                     r"((?: +[^\s`#|][^\s`#]*| +\|)*)", re.M)
FILESYSTEM = ("/etc/", "/srv/", "/usr/", "/var/", "/tmp/", "/work/", "/opt/", "/root/", "/home/", "/dev/", "/static/")


def texts():
    for path in DOCS:
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def code(text: str) -> list[str]:
    """The lines of fenced code blocks and the inline `code` spans: where a reader copies commands from."""
    parts = re.split(r"^```.*$", text, flags=re.M)
    lines = [line for block in parts[1::2] for line in block.splitlines()]
    return lines + [span for prose in parts[0::2] for span in re.findall(r"`([^`\n]+)`", prose)]


def commands() -> list[tuple[str, str]]:
    found = []
    for name, text in texts():
        for line in code(text):
            for m in COMMAND.finditer(line):
                rest = m.group(1).strip()
                if rest and not rest.startswith(("…", "...")):
                    found.append((name, rest))
    return found


@pytest.fixture(scope="module")
def tree():
    from web import create_app
    from web.cli.main import build_cli

    cli = build_cli()
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULER_ENABLED": False})
    top = {**cli.commands, **app.cli.commands}  # Flask's run/shell/routes, then the app's
    return click.Group("hotline", commands=top), app


def resolve(group: click.Group, words: list[str]) -> tuple[click.Command, list[str]]:
    command = group
    while words and isinstance(command, click.Group) and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    return command, words


def check(group: click.Group, rest: str) -> list[str]:
    """Problems with one documented command line (alternatives after a group are written ``a X | b Y``)."""
    words = [w.strip("[]") for w in rest.replace("|", " | ").split()]
    command, words = resolve(group, [w for w in words if w])
    if command is group:
        return [f"no command {rest.split()[0]!r}"]
    alternatives = [[]]
    for w in words:
        if w == "|":
            alternatives.append([])
        else:
            alternatives[-1].append(w)
    problems = []
    for i, alt in enumerate(alternatives):
        target = command
        if isinstance(command, click.Group):
            if not alt or alt[0] not in command.commands:
                problems.append(f"{command.name} has no sub-command {alt[:1]}")
                continue
            target, alt = resolve(command, alt)
        elif i:
            continue  # `a | b` after a leaf: shell text, not ours
        options = {o for p in target.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
        problems += [f"{target.name} has no option {w}" for w in alt
                     if w.startswith("--") and w.split("=")[0] not in options]
    return problems


def test_the_docs_name_commands_at_all():
    named = {rest.split()[0] for _, rest in commands()}
    assert {"init-db", "seed-demo", "create-user", "scheduler", "run-jobs", "bpmn", "calendar"} <= named


@pytest.mark.parametrize("doc, rest", commands(), ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_every_documented_command_exists(tree, doc, rest):
    group, _ = tree
    assert check(group, rest) == [], f"{doc}: hotline {rest}"


def test_a_wrong_command_or_option_would_be_caught(tree):
    group, _ = tree
    assert check(group, "bpmn versions") == [] and check(group, "create-user N --password-stdin") == []
    assert check(group, "bpmn activat 3") and check(group, "create-user N --pasword x") and check(group, "frobnicate")


def page_paths() -> list[tuple[str, str]]:
    found = []
    for name, text in texts():
        for token in re.findall(r"`(?:(?:GET|POST|PUT|PATCH|DELETE) )?(/(?:<[^>`]*>|[^`\s\u3000-\uffff])*)[^`]*`", text):
            path = token.split("?")[0]
            if not path.startswith(FILESYSTEM) and "." not in path.rsplit("/", 1)[-1][:1]:
                found.append((name, path))
        for token in re.findall(r"\*\*(/[a-z](?:<[^>*]*>|[^*\s\u3000-\uffff])*)[^*]*\*\*", text):  # **/admin/calendar**
            found.append((name, token))
    return sorted(set(found))


@pytest.mark.parametrize("doc, path", page_paths())
def test_every_documented_page_path_exists(tree, doc, path):
    _, app = tree
    concrete = re.sub(r"<[^>]+>|\{[^}]+\}", "1", path)  # Flask's <id> or OpenAPI's {id}
    if any(rule.rule.startswith(path.rstrip("/") + "/") for rule in app.url_map.iter_rules()):
        return  # a prefix every route of an area shares (/api/v1)
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(concrete, method="GET")
    except (MethodNotAllowed, RequestRedirect):
        pass  # a POST-only endpoint (the API), or the same page with a trailing slash: it exists
    except NotFound:
        pytest.fail(f"{doc} names {path}, which no route serves")


def test_the_docs_name_pages_at_all():
    paths = {p for _, p in page_paths()}
    assert {"/tickets", "/process/", "/api/v1/openapi.json", "/public/track"} <= paths


def test_every_make_target_the_docs_name_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = {t for _, text in texts() for t in re.findall(r"(?:^\s*|`)make ([a-z][a-z-]*)", text, re.M)}
    assert {"run", "test", "lock"} <= named
    assert named - {"setup"} <= targets | {"setup"} and named <= targets, named - targets


def test_the_count_of_document_kinds_is_current():
    from documents import KINDS

    for name, text in texts():
        for count in re.findall(r"(\d+) (?:document kinds|种公文|kinds of formal documents)", text):
            assert int(count) == len(KINDS), f"{name} says {count} document kinds; there are {len(KINDS)}"
