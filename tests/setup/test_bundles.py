"""The front-end bundles are built and complete: without them the modeller, the ticket diagram and the charts are
blank, so a checkout without them fails here instead of quietly in a browser."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "web" / "static" / "vendor"
ENTRIES = {"modeler.js", "modeler.css", "viewer.js", "viewer.css", "process.css", "charts.js"}


def test_the_manifest_and_every_file_it_lists_are_there():
    manifest = VENDOR / "manifest.json"
    assert manifest.is_file(), "web/static/vendor/manifest.json is missing: run scripts/build-frontend.sh"
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert ENTRIES <= set(files), f"the manifest lacks {sorted(ENTRIES - set(files))}"
    for name, size in files.items():
        path = VENDOR / name
        assert path.is_file(), f"{name} is listed in the manifest but missing: run scripts/build-frontend.sh"
        assert path.stat().st_size == size, f"{name} differs from the build that wrote the manifest"
    assert (VENDOR / "THIRD_PARTY_LICENSES.txt").read_text(encoding="utf-8").count("bpmn-js@") == 1


def test_the_pages_are_served_the_bundles(app, client, db):
    from tests.support.pages import as_user

    as_user(client, db, "process_owner")
    for name in ("modeler.js", "viewer.js", "charts.js"):
        r = client.get(f"/static/vendor/{name}")
        assert r.status_code == 200 and len(r.get_data()) == (VENDOR / name).stat().st_size, name
        r.close()


def test_the_build_fails_loudly_without_node(tmp_path):
    """No Node in .venv and none on PATH: the script stops with exit 1 and says why (it used to warn and exit 0)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "dirname", "env", "find", "cat"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    copy = tmp_path / "checkout"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "build-frontend.sh", copy / "scripts")
    out = subprocess.run([str(tools / "bash"), str(copy / "scripts" / "build-frontend.sh")], capture_output=True,
                         text=True, timeout=60, env={"PATH": str(tools), "HOME": str(tmp_path)})
    assert out.returncode == 1
    assert "ERROR: cannot build the front-end bundles: node/npm not found" in out.stderr


def test_the_build_refuses_a_node_older_than_package_json_asks_for(tmp_path):
    copy = tmp_path / "checkout"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "build-frontend.sh", copy / "scripts")
    old = copy / ".venv" / "bin"
    old.mkdir(parents=True)
    for name, body in (("node", 'case "$1" in -p) echo 18;; *) echo v18.19.0;; esac'), ("npm", "echo 9.2.0")):
        (old / name).write_text(f"#!/bin/sh\n{body}\n")
        (old / name).chmod(0o755)
    out = subprocess.run(["bash", str(copy / "scripts" / "build-frontend.sh")], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "VENV": ".venv"})
    assert out.returncode == 1 and "Node v18.19.0 is too old" in out.stderr
