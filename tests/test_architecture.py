"""Walk every import of the product's packages and fail on an arrow pointing the wrong way (docs/architecture.md)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "web", "forms", "documents")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
    return found


def modules(top: str) -> list[Path]:
    return sorted((ROOT / top).rglob("*.py")) if (ROOT / top).exists() else []


def top(name: str) -> str:
    return name.split(".")[0]


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


def test_models_and_workflow_do_not_import_services():
    files = modules("engine/models") + modules("engine/workflow") + modules("engine/domain")
    assert violations(files, lambda n: not n.startswith("engine.services")) == []


@pytest.mark.parametrize("package", ["engine", "engine/domain", "engine/workflow", "engine/services", "web",
                                     "documents"])
def test_each_package_states_its_rule(package):
    init = ROOT / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 20, f"{package}/__init__.py needs a docstring stating its import rule"


def test_lint_is_clean():
    import subprocess

    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    out = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
