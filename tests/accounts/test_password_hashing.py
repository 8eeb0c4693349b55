"""How passwords are hashed: Werkzeug's scrypt by default, the deployment's method (HOTLINE_PASSWORD_HASH_METHOD) when
set, for new passwords and for the stand-in hash an unknown name is checked against; a method the app cannot use
stops it with one Chinese line. (The suite itself runs with a cheaper scrypt: tests/conftest.py.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.models import User
from tests.conftest import TEST_HASH_METHOD
from tests.support.pages import Client, login, post

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = Path(sys.executable).with_name("hotline")


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in changes}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def test_without_the_setting_new_passwords_are_hashed_by_werkzeugs_scrypt():
    code = ("from web import create_app; from web.security import hash_password, _dummy_hash; "
            "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SCHEDULER_ENABLED': False, "
            "'SECRET_KEY': 'x' * 32}); ctx = app.app_context(); ctx.push(); "
            "print(hash_password('demo12345').split('$')[0], _dummy_hash().split('$')[0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=_env(HOTLINE_PASSWORD_HASH_METHOD=None))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["scrypt:32768:8:1", "scrypt:32768:8:1"]


def test_a_password_changed_on_its_page_is_hashed_by_the_deployments_method(app, client, db, clock):
    from web.security import hash_password

    assert app.config["PASSWORD_HASH_METHOD"] == TEST_HASH_METHOD
    user = User(username="hashtest", password_hash=hash_password("demo12345"), display_name="散列测试", role="agent",
                unit_id=None, created_at=clock())
    db.session.add(user)
    db.session.commit()
    try:
        login(client, "hashtest")
        r = post(client, "/account/password", {"old": "demo12345", "password": "new-password-2",
                                               "confirm": "new-password-2"})
        assert r.status_code == 302
        db.session.expire_all()
        stored = db.session.get(User, user.id).password_hash
        assert stored.startswith(TEST_HASH_METHOD + "$")
        other = Client(app, app.response_class)  # another browser signs in with the new password
        assert post(other, "/login", {"username": "hashtest", "password": "new-password-2"}).status_code == 302
        assert other.get("/tasks").status_code == 200
    finally:
        db.session.rollback()
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()


def test_a_method_the_app_cannot_use_stops_the_command_line_with_one_chinese_line(tmp_path):
    out = subprocess.run([str(HOTLINE), "routes"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=_env(HOTLINE_PASSWORD_HASH_METHOD="md5",
                                  HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
                                  HOTLINE_CLI_ERROR_LOG=str(tmp_path / "errors.log")))
    assert out.returncode == 1
    assert out.stderr.strip() == ("错误：密码散列方式 HOTLINE_PASSWORD_HASH_METHOD 无法识别（md5），"
                                  "应为 scrypt、scrypt:N:r:p 或 pbkdf2:sha256:迭代次数，不设置即为 scrypt")
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize("method", ["md5", "scrypt:1:8:1", "scrypt:1000:8:1", "scrypt:1024:8", "pbkdf2:md5",
                                    "pbkdf2:sha256:0", "", None, 32768])
def test_every_method_the_app_cannot_use_stops_it_at_start(database_url, method):
    from web import create_app
    from web.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="HOTLINE_PASSWORD_HASH_METHOD") as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SCHEDULER_ENABLED": False, "SECRET_KEY": "x" * 32,
                    "PASSWORD_HASH_METHOD": method})
    assert refused.value.message_zh.startswith(f"密码散列方式 HOTLINE_PASSWORD_HASH_METHOD 无法识别（{method}）")


@pytest.mark.parametrize("method", ["scrypt", "scrypt:65536:8:1", "pbkdf2", "pbkdf2:sha256", "pbkdf2:sha512:600000"])
def test_the_methods_werkzeug_knows_are_accepted(database_url, method):
    from web import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SCHEDULER_ENABLED": False, "SECRET_KEY": "x" * 32,
                      "PASSWORD_HASH_METHOD": method})
    assert app.config["PASSWORD_HASH_METHOD"] == method


def test_a_stored_hash_keeps_its_method_when_the_setting_changes(app, client, db):
    # The seeded accounts were hashed before any change of the setting; they still sign in.
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    try:
        login(client, "agent")
        assert client.get("/tasks").status_code == 200
    finally:
        app.config["PASSWORD_HASH_METHOD"] = TEST_HASH_METHOD
