"""Settings for the test suite: the environment's settings with fast, deterministic parts."""

import os

os.environ.setdefault("NASKAH_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from naskah.settings import *
from naskah.settings import BASE_DIR, DATABASES

DEBUG = False
ALLOWED_HOSTS = [".localhost", "localhost", "testserver", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "ocr"],
    }
}
if os.environ.get("NASKAH_TEST_TASKS") == "db":  # multi-process tests run real workers
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "ocr"]}
    }
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory
# No key file is made by tests: those that push set a key of their own.
NASKAH_VAPID_KEY_FILE = ""
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Each test process has its own cache; parallel workers (pytest-xdist) have separate test
# databases, so sharing a Redis cache or channel-layer namespace between them would mix rows.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ACCESS_CACHE_SECONDS = 600  # one process per test run: its memory cache is the shared one
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if "hosts" in CHANNEL_LAYERS["default"].get("CONFIG", {}):
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"naskah-test-{_worker}"

# A process the fault tests start (tests/faults) runs with the production cache (Redis when
# REDIS_URL is set) and file storage (under NASKAH_MEDIA_ROOT), whose faults it exercises.
if os.environ.get("NASKAH_TEST_PRODUCTION_PARTS") == "1":
    from naskah import settings as _production

    CACHES = _production.CACHES
    ACCESS_CACHE_SECONDS = _production.ACCESS_CACHE_SECONDS
    STORAGES = {**STORAGES, "default": _production.STORAGES["default"]}
    MEDIA_ROOT = _production.MEDIA_ROOT
