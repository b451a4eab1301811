"""The periodic scheduler: declared jobs are enqueued once per interval slot."""

from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.tasks import task

from core.periodic import PeriodicJob, periodic_enqueue_due, periodic_jobs

RUNS: list[str] = []


@task
def record_run():
    RUNS.append("ran")


def not_a_task():
    """A plain function: the scheduler refuses it."""


JOB = PeriodicJob(name="test-job", task_path="tests.test_periodic.record_run", every=60)


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    RUNS.clear()


def test_a_job_runs_once_per_slot_and_again_in_the_next():
    start = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
    assert periodic_enqueue_due(now=start, jobs=[JOB]) == ["test-job"]
    assert periodic_enqueue_due(now=start + timedelta(seconds=30), jobs=[JOB]) == []
    assert RUNS == ["ran"]
    assert periodic_enqueue_due(now=start + timedelta(seconds=60), jobs=[JOB]) == ["test-job"]
    assert RUNS == ["ran", "ran"]


def test_two_schedulers_sharing_a_cache_enqueue_once():
    now = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
    first = periodic_enqueue_due(now=now, jobs=[JOB])
    second = periodic_enqueue_due(now=now, jobs=[JOB])
    assert (first, second) == (["test-job"], [])
    assert RUNS == ["ran"]


def test_a_path_that_is_not_a_task_is_refused():
    job = PeriodicJob(name="bad", task_path="tests.test_periodic.not_a_task", every=60)
    with pytest.raises(TypeError, match="not a task"):
        job.task()


def test_declared_jobs_have_importable_tasks():
    for job in periodic_jobs():
        job.task()


def test_run_periodic_enqueues_what_an_app_declares(monkeypatch, capsys):
    config = apps.get_app_config("workflows")
    monkeypatch.setattr(config, "periodic", {"test-job": (JOB.task_path, 60)}, raising=False)
    call_command("run_periodic", "--list")
    assert "test-job\tevery 60 s" in capsys.readouterr().out
    call_command("run_periodic", "--once")
    assert "enqueued test-job" in capsys.readouterr().out
    assert RUNS == ["ran"]


def test_a_job_declared_twice_is_refused(monkeypatch):
    for label in ("workflows", "notifications"):
        config = apps.get_app_config(label)
        monkeypatch.setattr(config, "periodic", {"dup": (JOB.task_path, 60)}, raising=False)
    with pytest.raises(ValueError, match="declared twice"):
        periodic_jobs()
