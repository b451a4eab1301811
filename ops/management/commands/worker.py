"""Run a task worker that holds a lease, so its tasks are taken up again if it dies."""

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from ops.worker import LeasedWorker


class Command(db_worker.Command):
    help = (
        "Run a database task worker (django-tasks-db's db_worker) holding a lease: the tasks of "
        "a worker that died are run once more, then given up and reported. No autoreloader: "
        "stopping this process stops the worker."
    )

    def handle(self, *args, **options) -> None:
        self.configure_logging(options["verbosity"])
        queues = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queues:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            queue_names=queues,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
