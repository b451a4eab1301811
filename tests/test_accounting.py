"""A run where collected tests vanish fails (tests/accounting.py), checked on a throwaway suite
run by a real pytest with two xdist workers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Three tests sharing one node id, as schemathesis 4's `parametrize` made them.
TWINS = """
import pytest

class Twin(pytest.Item):
    def runtest(self):
        pass

class Twins(pytest.File):
    def collect(self):
        for i in range(3):
            yield Twin.from_parent(self, name=f"case{i}", nodeid=f"{self.nodeid}::same")

def pytest_collect_file(parent, file_path):
    if file_path.name == "twins.txt":
        return Twins.from_parent(parent, path=file_path)
"""


def _pytest(directory: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            *args,
            str(directory),
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def twins(tmp_path):
    (tmp_path / "conftest.py").write_text(TWINS)
    (tmp_path / "twins.txt").write_text("")
    return tmp_path


def test_without_the_check_tests_sharing_an_id_vanish_silently(twins):
    run = _pytest(twins)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout  # three were collected


def test_tests_sharing_an_id_fail_the_run(twins):
    run = _pytest(twins, "-p", "tests.accounting")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "node ids are shared by several tests" in run.stdout
    assert "3 tests were collected but 1 reported: 2 vanished" in run.stdout


def test_a_suite_whose_every_test_reports_passes(tmp_path):
    (tmp_path / "test_plain.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(5))\ndef test_n(n):\n    pass\n"
    )
    run = _pytest(tmp_path, "-p", "tests.accounting")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout
