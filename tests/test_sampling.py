"""The sample of compiled programs (conformance/plugin/sampling.py, compiled.py, rotation.py):
every kind every run, the sticky ones every run, the rest in turn; and a real run's records."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import replace

import pytest

from conformance.plugin import rotation
from conformance.plugin.sampling import Program, choose, runs_to_cover
from tests.conftest import ROOT
from tests.planting import wrong_jit

# the rotation is the default profile's; CI's machine sets CI, which would choose the ci
# profile's fixed sample
DEFAULT_PROFILE = ("--hypothesis-profile", "default")


def programs(kinds: int = 3, per_kind: int = 10, cost: float = 1.0) -> list[Program]:
    return [
        Program(f"loss[case{i}-k{k}]", ((f"k{k}",),), cost=cost)
        for k in range(kinds)
        for i in range(per_kind)
    ]


def play(ps: list[Program], budget: float, runs: int) -> list[dict[str, str]]:
    """Each run's choice, the rotation remembering what each judged."""
    chosen = []
    for run in range(1, runs + 1):
        built = choose(ps, budget)
        chosen.append(built)
        ps = [replace(p, last=run) if p.key in built else p for p in ps]
    return chosen


def test_every_kind_is_built_every_run_and_the_sticky_ones_too():
    ps = programs()
    ps[5] = replace(ps[5], sticky="a known divergence ties it to jit")
    for built in play(ps, budget=0, runs=4):
        assert {p.kinds for p in ps if p.key in built} == {(("k0",),), (("k1",),), (("k2",),)}
        assert built[ps[5].key] == "sticky: a known divergence ties it to jit"
        assert sum(why == "its kind's turn" for why in built.values()) == 2  # k0 has its sticky one


def test_a_kind_is_built_from_a_program_judged_before_whose_build_is_cached():
    """With a budget, a kind's program each run is one judged before (its build in the compile
    caches: its warm time), the least recently judged of those, and the budget brings the
    programs never built round. Judging a kind by one never built, every run, cost a warm run
    a cold build per kind (35 torch.compile programs, 86 s). Without a budget the kinds' turns
    are the rotation: the least recently judged, never built first."""
    ps = [replace(p, last=None if i % 3 else 7 - i) for i, p in enumerate(programs(kinds=1, per_kind=6))]
    never = {p.key for p in ps if p.last is None}
    built = choose(ps, budget_s=0.5)
    assert built["loss[case3-k0]"] == "its kind's turn"  # judged in run 4, before case0 in run 7
    assert [why for key, why in built.items() if key in never] == ["the budget's turn"]
    assert choose(ps, budget_s=0).keys() <= never


def test_the_budget_takes_the_least_recently_judged_first_and_every_program_comes_round():
    ps = programs(cost=1.0)
    stated = runs_to_cover(ps, budget_s=5)
    chosen = play(ps, budget=5, runs=stated)
    assert all(sum(why == "the budget's turn" for why in b.values()) == 5 for b in chosen)
    assert set().union(*chosen) == {p.key for p in ps}  # within the stated number of runs
    assert set().union(*chosen[:-1]) != {p.key for p in ps}  # and not fewer: the statement is tight
    # a program planted wrong in one compiled program only: judged within the stated runs
    for planted in ps:
        assert any(planted.key in built for built in chosen)


def test_a_program_dearer_than_the_budget_still_gets_its_turn():
    ps = [Program("loss[cheap]", (("k",),), cost=0.1), Program("loss[dear]", (("k",),), cost=100.0)]
    ps += [Program(f"loss[other{i}]", (("j",),), cost=0.1) for i in range(3)]
    assert set().union(*play(ps, budget=1, runs=runs_to_cover(ps, 1))) >= {"loss[dear]"}


def test_a_program_of_two_kinds_covers_both_and_each_kind_is_covered():
    """A large vocabulary's programs are a kind of their own (per framework and mode) beside
    their strata: one such program covers its stratum and the vocabulary."""
    vocabulary = ("vocabulary", "torch", "compile", "vocab-65536")
    ps = [Program(f"loss[v{i}]", (("s",), vocabulary)) for i in range(3)]
    ps += [Program(f"loss[s{i}]", (("s",),)) for i in range(3)]
    for run in play(ps, budget=0, runs=3):
        assert sum(k.startswith("loss[v") for k in run) == 1 and len(run) <= 2  # the vocabulary once
    assert {kind for p in ps if p.key in choose(ps, 0) for kind in p.kinds} == {("s",), vocabulary}


def test_a_fixed_sample_is_the_same_every_time():
    """Without memory (the ci profile), the choice depends on the programs alone."""
    assert choose(programs(), 3) == choose(list(reversed(programs())), 3)


def test_the_rotation_is_kept_atomically_and_a_bad_file_starts_it_afresh(tmp_path):
    where = tmp_path / "programs.json"
    after = rotation.judge(rotation.judge(rotation.Rotation(), {"a": (1.5, False)}), {"b": (0.2, True)})
    rotation.save(where, after)
    again = rotation.load(where)
    assert again.runs == 2 and again.judged["a"] == rotation.Judged(1, 1.5, False)
    assert again.judged["b"] == rotation.Judged(2, 0.2, True)
    where.write_text("{not json")
    with pytest.warns(UserWarning, match="programs.json: not a rotation file"):
        assert rotation.load(where) == rotation.Rotation()


def test_a_sampled_run_defers_with_a_command_and_the_next_run_takes_its_turn(run_suite, tmp_path):
    """jax.jit's golden checks in float32 with no budget: each kind once, the rest deferred,
    each deferred one a record with the command that builds it; the next run judges others;
    --compiled all judges every one; a node id given is never sampled out."""
    args = ("--framework", "jax", "--dtype", "float32", "--mode", "jit", "--compile-budget", "0")
    args += DEFAULT_PROFILE
    env = {"CONFORMANCE_ROTATION": str(tmp_path / "rotation")}
    runs = []
    for _ in range(2):
        code, out, results = run_suite(
            *args, "--compiled", "sample", target="conformance/test_golden.py", env=env
        )
        assert code == 0, out[-3000:]
        runs.append(results)
    judged = [{r["id"] for r in run["results"] if r.get("mode") == "jit" and "built" in r} for run in runs]
    deferred = [r for r in runs[0]["results"] if r["outcome"] == "deferred"]
    assert judged[0] and deferred and judged[0] != judged[1]
    kinds = {(r["implementation"], r["test"], r["labels"]) for r in deferred}
    assert kinds <= {
        (r["implementation"], r["test"], r["labels"]) for r in runs[0]["results"] if "built" in r
    }
    assert deferred[0]["reproduce"] == shlex.join(["pytest", deferred[0]["id"]])
    figures = runs[1]["environment"]["compiled_programs"]
    jit = [r for r in runs[1]["results"] if r.get("mode") == "jit" and r["outcome"] != "unsupported"]
    jit = [r for r in jit if r["test"] != "convention"]  # few, built every run
    assert (figures["judged"], figures["programs"]) == (len(judged[1]), len(jit))
    assert json.loads((tmp_path / "rotation" / "programs.json").read_text())["runs"] == 2
    code, out, results = run_suite(*args, target=deferred[0]["id"], env=env)
    assert code == 0 and [r["outcome"] for r in results["results"]] != ["deferred"], out[-3000:]
    code, out, every = run_suite(*args, "--compiled", "all", target="conformance/test_golden.py", env=env)
    assert code == 0 and not [r for r in every["results"] if r["outcome"] == "deferred"], out[-3000:]
    assert "compiled programs judged: " in out and "(--compiled all)" in out


PLANTED_ONE_PROGRAM = wrong_jit("args[0].shape[0] == 3")  # only the programs of the case of three rows


def test_a_compiled_only_defect_in_one_program_is_caught_within_the_stated_runs(run_suite, tmp_path):
    """A jax.jit planted wrong (float32 inside) in the programs of one case of three: a sample
    that builds no more than each kind's one per run judges it within the number of runs the
    first run states, and --compiled all at once."""
    pytest.importorskip("jax")
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(ROOT / "cases" / "stability.toml", cases)  # two cases of 2 rows, one of 3
    (tmp_path / "planted_one_program.py").write_text(PLANTED_ONE_PROGRAM)
    args = ("--framework", "jax", "--mode", "jit", "--dtype", "float64", "--cases-dir", str(cases))
    args += ("-p", "planted_one_program", *DEFAULT_PROFILE)
    env = {"PYTHONPATH": str(tmp_path), "CONFORMANCE_ROTATION": str(tmp_path / "rotation")}
    stated, caught_in = None, None
    for run in range(1, 10):
        code, out, results = run_suite(*args, "--compiled", "sample", "--compile-budget", "0", env=env)
        said = re.search(r"the rotation judges every one within (\d+) runs", out)
        assert said, out[-3000:]
        stated = stated or int(said.group(1))
        wrong = [r for r in results["results"] if r["outcome"] == "diverged"]
        assert all(r["case"] == "article2-shifted-1e4" for r in wrong)
        if wrong:
            caught_in = run
            break
    assert caught_in is not None and stated is not None and caught_in <= stated <= 3, (caught_in, stated)
    code, out, results = run_suite(*args, "--compiled", "all", env=env)
    judged = [r for r in results["results"] if r["test"] in ("loss", "gradient") and r.get("mode") == "jit"]
    wrong = {(r["test"], r["labels"], r["implementation"]) for r in judged if r["outcome"] == "diverged"}
    passed = {(r["test"], r["labels"], r["implementation"]) for r in judged if r["outcome"] == "passed"}
    assert code == 1 and wrong and wrong <= passed, out[-3000:]  # that case's programs, at once
    assert {r["case"] for r in judged if r["outcome"] == "diverged"} == {"article2-shifted-1e4"}
