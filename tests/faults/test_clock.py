"""A worker whose clock jumped two hours ahead works beside one on time: neither takes the
other for dead, so no task runs twice, and the leases say both are alive."""

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ops.worker import workers_alive

from .helpers import env, process, wait_for, worker_args
from .tasks import slow_mark

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

LEASE = "2"
TASK_SECONDS = 4.0  # each task runs twice as long as a lease


def test_a_worker_with_a_clock_jumped_ahead_steals_no_task(db_tasks, tmp_path):
    marks = tmp_path / "marks"
    environment = env(NASKAH_WORKER_LEASE_SECONDS=LEASE, NASKAH_DB_POOL="false")
    ids = [slow_mark.enqueue(str(marks), TASK_SECONDS).id for _ in range(4)]
    with (
        process(worker_args(), environment),
        process(["faketime", "+2 hours", *worker_args()], environment),
    ):
        wait_for(lambda: workers_alive() == 2, timeout=30, what="both workers leasing")
        wait_for(
            lambda: (
                DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.SUCCESSFUL).count()
                == len(ids)
            ),
            timeout=60,
            what="every task done",
        )
        assert workers_alive() == 2
    rows = DBTaskResult.objects.filter(pk__in=ids)
    assert [len(r.worker_ids) for r in rows] == [1] * len(ids)  # none taken up again
    assert len(marks.read_text().split()) == len(ids)  # each ran once
    assert len({r.return_value for r in rows}) == 2  # both workers took tasks
