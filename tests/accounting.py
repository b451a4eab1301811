"""Every collected test runs and reports: a run where tests vanish fails.

pytest-xdist identifies a test by its node id alone. When two tests share one, the workers
run one of them and the rest disappear from the run without a word (the API fuzz test once
ran 1 of its 69 cases). This plugin makes both visible:

- a node id shared by several collected tests is named;
- at the end of a run, the number of tests that reported must equal the number collected
  (after deselection); if not, the run fails and says how many vanished.
"""

from __future__ import annotations

from collections import Counter

import pytest


class Accounting:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.collected: int | None = None
        self.shared: list[str] = []
        self.reported: set[str] = set()

    def _count(self, ids: list[str]) -> None:
        self.collected = max(self.collected or 0, len(ids))
        self.shared = sorted(n for n, c in Counter(ids).items() if c > 1)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:  # a plain run (an xdist controller collects nothing itself)
            self._count([i.nodeid for i in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        self._count(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.reported.add(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(self.config, "workerinput") or not self.collected:
            return  # a worker (its controller counts), or nothing collected
        option = self.config.option
        if exitstatus == pytest.ExitCode.INTERRUPTED or option.maxfail or option.collectonly:
            return  # a run stopped on purpose (or one that only collects) reports fewer
        problems = []
        if self.shared:
            problems.append(
                f"{len(self.shared)} node ids are shared by several tests, so test workers "
                f"run only one of each; give each test its own id: {', '.join(self.shared[:5])}"
            )
        if len(self.reported) != self.collected:
            problems.append(
                f"{self.collected} tests were collected but {len(self.reported)} reported: "
                f"{self.collected - len(self.reported)} vanished from the run"
            )
        if not problems:
            return
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in problems:
            if reporter is not None:
                reporter.write_line(line, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("naskah-accounting"):
        config.pluginmanager.register(Accounting(config), "naskah-accounting")
