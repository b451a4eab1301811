"""Fixtures of the fault tests: tasks on the database backend (as production runs them), and
a media folder of the test's own for the processes it starts."""

import pytest
from asgiref.local import Local
from django.tasks import task_backends

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "ocr"]}}


def _reset_task_backends() -> None:
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def db_tasks(settings):
    """Tasks enqueued by this test become rows that real worker processes run."""
    settings.TASKS = DB_TASKS
    _reset_task_backends()
    yield
    _reset_task_backends()


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    return folder
