"""Settings come from the environment and fail fast on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NASKAH_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    clean.update(env)
    code = f"import naskah.settings as s; print({expr})"
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = load_settings({"NASKAH_DEBUG": "false"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "NASKAH_SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_names_the_variable(value):
    result = load_settings({"NASKAH_DEBUG": value}, "s.DEBUG")
    assert result.returncode != 0
    assert f"NASKAH_DEBUG={value!r} is not a boolean" in result.stderr


def test_embedded_default_is_sqlite_under_var_and_in_memory_channels():
    result = load_settings(
        {"NASKAH_DEBUG": "true"},
        "s.DATABASES['default']['ENGINE'], str(s.DATABASES['default']['NAME']), s.CHANNEL_LAYERS['default']['BACKEND']",
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert str(ROOT / "var" / "naskah.sqlite3") in result.stdout
    assert "InMemoryChannelLayer" in result.stdout


def test_database_and_redis_urls_switch_to_postgres_and_redis():
    result = load_settings(
        {
            "NASKAH_SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://naskah@db.example:5432/naskah",
            "REDIS_URL": "redis://cache.example:6379/1",
        },
        "s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['default']['BACKEND'], s.DEBUG",
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    assert "RedisChannelLayer" in result.stdout
    assert "RedisCache" in result.stdout
    assert "False" in result.stdout


def test_production_defaults_are_secure():
    result = load_settings(
        {"NASKAH_SECRET_KEY": "x" * 60},
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True 31536000 True UTC True id"


def test_daphne_is_the_first_app():
    result = load_settings({"NASKAH_DEBUG": "true"}, "s.INSTALLED_APPS[0]")
    assert result.stdout.strip() == "daphne"


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NASKAH_")
        and k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(env)
    return subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW_DEBUG = "from django.conf import settings; print('DEBUG', settings.DEBUG)"


def test_manage_py_in_an_unconfigured_checkout_runs_in_development_mode():
    result = _manage({}, "shell", "-c", SHOW_DEBUG)
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


def test_manage_py_leaves_a_configured_environment_alone():
    keyed = _manage({"NASKAH_SECRET_KEY": "x" * 60}, "shell", "-c", SHOW_DEBUG)
    assert keyed.returncode == 0, keyed.stderr
    assert "DEBUG False" in keyed.stdout
    unkeyed = _manage({"NASKAH_DEBUG": "false"}, "shell", "-c", SHOW_DEBUG)
    assert unkeyed.returncode != 0
    assert "NASKAH_SECRET_KEY is required" in unkeyed.stderr
