"""Two runs under the ci profile draw the same examples and write the same results, whatever
else is imported before a check and however xdist schedules it."""

from __future__ import annotations

# A local module full of numbers. Hypothesis (6.131+) draws about 5% of its values from the
# constants in the source of local modules imported so far; the suite must not let what was
# imported before a check change what that check draws.
CONSTANTS = "\n".join(
    f"C{i} = {v!r}" for i, v in enumerate([123.456, -7777.0, 0.3, 1e-7, 65504.0, 3, 17, 99])
)


def comparable(results: dict) -> list[dict]:
    """The results apart from what is meant to differ between runs (none so far but the
    file's creation time, which sits outside "results")."""
    return results["results"]


def test_ci_profile_runs_draw_and_record_the_same(run_suite, tmp_path):
    (tmp_path / "planted_constants.py").write_text(CONSTANTS + "\n")
    args = ("--framework", "numpy", "--hypothesis-profile", "ci", "-k", "float32 and not empty")
    target = "conformance/test_properties.py"
    code, out, first = run_suite(*args, target=target)
    assert code == 0, out[-2000:]
    code, out, second = run_suite(
        *args, "-n", "2", "-p", "planted_constants", target=target, env={"PYTHONPATH": str(tmp_path)}
    )
    assert code == 0, out[-2000:]
    digests = [{r["id"]: r["drawn_digest"] for r in run["results"]} for run in (first, second)]
    assert len(digests[0]) > 10 and digests[0] == digests[1]
    assert comparable(first) == comparable(second)


def test_a_default_run_records_its_fresh_seed_and_that_seed_draws_it_again(run_suite):
    """A green default-profile run keeps no reproduce command: its results record the seed its
    property checks drew from, and --hypothesis-seed with it draws the same examples (the ci
    profile, derandomised, records none)."""
    args = ("--framework", "numpy", "--dtype", "float64", "-k", "agreement and not gradient")
    target = "conformance/test_properties.py"
    code, out, fresh = run_suite(*args, "--hypothesis-profile", "default", target=target)
    seed = fresh["environment"]["hypothesis_seed"]
    assert code == 0 and isinstance(seed, int), out[-2000:]
    code, out, again = run_suite(
        *args, "--hypothesis-profile", "default", "--hypothesis-seed", str(seed), target=target, fresh=True
    )  # a Python of its own hash seed, where the first was forked (pytest_runs.py)
    digests = [{r["id"]: r["drawn_digest"] for r in run["results"]} for run in (fresh, again)]
    assert code == 0 and digests[0] and digests[0] == digests[1], out[-2000:]
    _, _, derandomised = run_suite(*args, "--hypothesis-profile", "ci", target=target)
    assert derandomised["environment"]["hypothesis_seed"] is None
