"""Enqueue the apps' periodic jobs when they fall due (the `scheduler` process)."""

import time

from django.core.management.base import BaseCommand

from core.periodic import periodic_enqueue_due, periodic_jobs


class Command(BaseCommand):
    help = "Enqueue declared periodic jobs on the task backend when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--tick", type=float, default=15.0, help="seconds between passes")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args, **options):
        jobs = periodic_jobs()
        if options["list"]:
            for job in jobs:
                self.stdout.write(f"{job.name}\tevery {job.every} s\t{job.task_path}")
            return
        for job in jobs:
            job.task()  # fail at start-up, not at 3 a.m., when a path is wrong
        while True:
            for name in periodic_enqueue_due(jobs=jobs):
                self.stdout.write(f"enqueued {name}")
            if options["once"]:
                return
            time.sleep(options["tick"])
