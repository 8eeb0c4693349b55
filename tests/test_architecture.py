"""Walk every import of the product's packages and fail on an arrow pointing the wrong way (docs/architecture.md).

Two kinds of rules: layers (domain → models/workflow → capabilities → web) say how code may depend; capabilities
(one package each under ``engine/``) say where a person looks, and may use each other only as ``ARROWS`` writes
down — never in a cycle, and only through the other package's ``__init__``.
"""
from __future__ import annotations

import ast
import re
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "web", "forms", "documents")
LAYERS = {"domain", "models", "workflow"}
# Which capability may import which (besides the layers below every capability). Keep docs/architecture.md in step.
ARROWS: dict[str, set[str]] = {
    "common": set(),
    "notices": {"common"},
    "docstore": {"common"},
    "attachments": {"common"},
    "knowledge": {"common", "notices", "docstore"},
    "clocks": {"common", "notices", "knowledge"},
    "oversight": {"common", "notices", "docstore", "clocks", "attachments"},
    "matching": {"common", "notices", "oversight"},
    "tickets": {"common", "notices", "knowledge", "clocks", "oversight", "attachments", "matching"},
    "analytics": {"common", "docstore"},
    "process": {"common", "clocks", "tickets"},
}
CAPABILITIES = set(ARROWS)
# Above every capability: the scheduler's steps (engine/jobs.py) and the demo data (engine/demo/).
TOP = {"jobs": CAPABILITIES, "demo": CAPABILITIES | {"jobs"}}
MAX_LINES = 400


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(ROOT).parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
    return found


def modules(top: str) -> list[Path]:
    return sorted((ROOT / top).rglob("*.py")) if (ROOT / top).exists() else []


def top(name: str) -> str:
    return name.split(".")[0]


def engine_part(name: str) -> str | None:
    """``engine.tickets.lifecycle`` → ``tickets``; ``engine.jobs`` → ``jobs``; anything else → None."""
    parts = name.split(".")
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


def owner(path: Path) -> str | None:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


def violations(files, allowed) -> list[str]:
    bad = []
    for f in files:
        for name in imports_of(f):
            if not allowed(name):
                bad.append(f"{f.relative_to(ROOT)} imports {name}")
    return bad


def test_nothing_imports_web():
    files = [f for p in ("engine", "forms", "documents") for f in modules(p)]
    assert violations(files, lambda n: top(n) != "web") == []


def test_domain_uses_the_standard_library_only():
    assert violations(modules("engine/domain"),
                      lambda n: top(n) in sys.stdlib_module_names or n.startswith("engine.domain")) == []


def test_only_engine_workflow_imports_spiffworkflow():
    files = [f for p in PACKAGES for f in modules(p) if "engine/workflow" not in f.as_posix()]
    assert violations(files, lambda n: top(n) != "SpiffWorkflow") == []


def test_engine_never_imports_flask_or_forms():
    assert violations(modules("engine"), lambda n: top(n) not in {"flask", "flask_sqlalchemy", "flask_wtf",
                                                                   "forms", "wtforms"}) == []


def test_documents_know_nothing_of_the_database_or_engine():
    assert violations(modules("documents"), lambda n: top(n) not in {"engine", "web", "flask", "sqlalchemy",
                                                                      "SpiffWorkflow", "forms"}) == []


def test_layers_never_import_a_capability():
    files = modules("engine/models") + modules("engine/workflow") + modules("engine/domain")
    assert violations(files, lambda n: engine_part(n) in (None, *LAYERS)) == []


def test_every_engine_package_is_a_layer_or_a_known_capability():
    found = {p.name for p in (ROOT / "engine").iterdir() if (p / "__init__.py").exists()}
    found |= {p.stem for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__"}
    assert found == LAYERS | CAPABILITIES | set(TOP)


def test_capability_arrows_have_no_cycle():
    try:
        order = list(TopologicalSorter(ARROWS).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"capability arrows form a cycle: {exc.args[1]}")
    assert set(order) == CAPABILITIES


@pytest.mark.parametrize("capability", sorted(CAPABILITIES | set(TOP)))
def test_capabilities_import_only_what_is_written_down(capability):
    may = ARROWS.get(capability, TOP.get(capability, set())) | LAYERS | {capability}
    files = modules(f"engine/{capability}") + ([ROOT / "engine" / f"{capability}.py"]
                                               if (ROOT / "engine" / f"{capability}.py").exists() else [])
    assert violations(files, lambda n: engine_part(n) is None or engine_part(n) in may) == []


def test_other_capabilities_are_used_through_their_package():
    """``from engine.clocks import monitor`` or ``… import apply_extension``, never ``engine.clocks.monitor``: a
    package's ``__init__`` says what it offers; its modules are its own business."""
    files = [f for p in ("engine", "web") for f in modules(p)]

    def allowed(f: Path, name: str) -> bool:
        part = engine_part(name)
        if part not in CAPABILITIES or owner(f) == part:
            return True
        return name == f"engine.{part}"
    bad = [f"{f.relative_to(ROOT)} imports {n}" for f in files for n in imports_of(f) if not allowed(f, n)]
    assert bad == []


def test_each_package_states_its_rule():
    missing = []
    for top_name in PACKAGES:
        for init in (ROOT / top_name).rglob("__init__.py"):
            if "static" in init.parts:
                continue
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
            if not doc or len(doc) < 40:
                missing.append(str(init.relative_to(ROOT)))
    assert missing == [], "each package's __init__.py needs a docstring stating what it owns and may import"


def test_no_module_is_past_the_size_where_it_should_be_split():
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for top_name in PACKAGES for p in modules(top_name)
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert big == []


def test_each_capability_has_its_folders_under_the_same_name():
    """A newcomer who knows the capability finds its engine package, pages, templates and tests by that name."""
    for cap in CAPABILITIES - {"common"}:
        assert (ROOT / "engine" / cap / "__init__.py").exists(), cap
        assert (ROOT / "tests" / cap).is_dir(), f"tests/{cap}/"
    for cap in CAPABILITIES - {"common", "notices"} | {"accounts"}:
        assert (ROOT / "web" / cap / "__init__.py").exists(), f"web/{cap}/"
        assert (ROOT / "web" / "templates" / cap).is_dir(), f"web/templates/{cap}/"


def test_the_map_in_docs_matches_the_tree():
    """Every path the capability map of docs/architecture.md names exists, and every capability is on the map."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Where each capability lives", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| capability")
            and not line.startswith("|--")]
    assert rows, "docs/architecture.md needs the capability map"
    named = set()
    for row in rows:
        for path in re.findall(r"`([^`]+)`", row):
            if path.startswith("../"):
                continue  # outside the repository (the shared domain rules): a clean clone does not have it
            if "/" in path or path.endswith(".py"):
                named.add(path.rstrip("/"))
                assert (ROOT / path.rstrip("/")).exists(), f"docs/architecture.md names {path}, which does not exist"
    for cap in CAPABILITIES - {"common"}:
        assert f"engine/{cap}" in named, f"engine/{cap}/ is missing from the map in docs/architecture.md"


def test_lint_is_clean():
    import subprocess

    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    out = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_starting_the_app_does_not_import_the_pdf_and_workbook_libraries():
    # WeasyPrint and openpyxl cost about 0.8 s of CPU to import; every command, scheduler and worker would pay it at
    # start-up for the few that print a PDF or write a workbook (docs/architecture.md, Documents).
    import subprocess

    code = ("import sys, web; web.create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SCHEDULER_ENABLED': False}); "
            "print(sorted(m for m in ('weasyprint', 'openpyxl', 'documents.pdf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
