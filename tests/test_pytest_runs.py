"""A forked run of pytest (pytest_runs.py) is a run of its own: its arguments, folder,
environment, path, exit code, output and time limit, nothing of the test that starts it."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from tests.pytest_runs import run_pytest

CHECKS = textwrap.dedent("""
    import os, sys

    def test_what_the_run_was_given():
        import planted_here  # from PYTHONPATH alone
        assert os.environ["GIVEN"] == "yes" and "NOT_GIVEN" not in os.environ
        assert os.getcwd() == os.environ["FOLDER"] and os.getpid() != int(os.environ["STARTER"])
        assert "torch" not in sys.modules  # no framework imported before the run
        print("stdout of the run")
        print("stderr of the run", file=sys.stderr)

    def test_fails_when_told():
        assert not os.environ.get("FAIL")
""")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "test_run.py").write_text(CHECKS)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "planted_here.py").write_text("")
    monkeypatch.setenv("NOT_GIVEN", "1")  # in the starter's environment, not the run's
    return tmp_path


def environment(folder, **more: str) -> dict[str, str]:
    given = {k: v for k, v in os.environ.items() if k != "NOT_GIVEN"}
    return {**given, "GIVEN": "yes", "FOLDER": str(folder), "STARTER": str(os.getpid()), **more}


def test_a_run_gets_its_own_folder_environment_path_and_output(folder):
    env = environment(folder, PYTHONPATH=str(folder / "lib"))
    run = run_pytest(["-q", "-s", "-p", "no:cacheprovider", "test_run.py"], folder, env, 120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "stdout of the run" in run.stdout and "stderr of the run" in run.stderr
    assert "stderr of the run" not in run.stdout and "2 passed" in run.stdout


def test_a_failing_run_exits_as_pytest_does(folder):
    env = environment(folder, PYTHONPATH=str(folder / "lib"), FAIL="1")
    run = run_pytest(["-q", "-p", "no:cacheprovider", "test_run.py"], folder, env, 120)
    assert run.returncode == 1 and "1 failed, 1 passed" in run.stdout


def test_a_run_past_its_time_is_stopped(folder):
    (folder / "test_run.py").write_text("import time\n\ndef test_hangs():\n    time.sleep(60)\n")
    with pytest.raises(subprocess.TimeoutExpired):
        run_pytest(["-q", "-p", "no:cacheprovider", "test_run.py"], folder, environment(folder), 3)


def test_a_run_imports_from_where_a_new_python_would(folder):
    """Its import path is a new Python's (the working folder, PYTHONPATH's folders, the
    installation's), not that of the test that starts it."""
    (folder / "test_run.py").write_text(
        "import json, os, sys\n\n"
        "def test_path():\n"
        "    open(os.environ['SHOWN'], 'w').write(json.dumps(sys.path))\n"
    )
    paths = []
    for fresh in (False, True):
        shown = folder / f"path-{fresh}.json"
        env = environment(folder, PYTHONPATH=str(folder / "lib"), SHOWN=str(shown))
        run = run_pytest(["-q", "-p", "no:cacheprovider", "test_run.py"], folder, env, 120, fresh=fresh)
        assert run.returncode == 0, run.stdout + run.stderr
        paths.append(json.loads(shown.read_text()))
    assert paths[0] == paths[1] and paths[0][:2] == [str(folder), str(folder / "lib")]
