"""The results file on disk (schema version 3, compact.py): what it leaves out comes back
as it was, on real records and on each rule's own case; what it cannot read is named."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import jsonschema
import pytest

from conformance.results import results_file, schema
from conformance.results.compact import compact
from conformance.results.expand import expand
from conformance.results.results_file import ResultsFileError, read

OPTIONS = " --hypothesis-profile ci"
CONVENTION = {"weighted_mean": "weight-sum", "empty_mean": "nan"}


def record(impl: str = "numpy.f", test: str = "loss", case: str = "c", **extra) -> dict:
    """A check's flat record as the plugin makes it (its id and reproduce command too)."""
    at = {"implementation": impl, "device": "cpu:0", "dtype": "float32", "mode": "eager"}
    id_ = f"conformance/test_golden.py::test_{test}[{case}-indices-{'-'.join(at.values())}]"
    fields = {
        "id": id_,
        "test": test,
        "case": case,
        "framework": "numpy",
        "framework_version": "2.0",
        **at,
        "labels": "indices",
        "operation": "softmax_cross_entropy",
        "convention": CONVENTION,
        "outcome": "passed",
        "returned_dtype": "float32",
        "returned_device": "cpu:0",
        "expected": [1.5, "nan"],
        "got": [1.5000001, "nan"],
        "error_eps": 0.5,
        "bound_eps": 8.0,
        "reproduce": shlex.join(["pytest", id_]) + OPTIONS,
    }
    return {**fields, **extra}


def written(tmp_path: Path, records: list[dict]) -> tuple[dict, list[dict]]:
    """Write ``records`` as a results file: the file as it is on disk, and as read back."""
    path = tmp_path / "results.json"
    results_file.write(
        path, records, results_file.environment({}, ["pytest", "conformance"]), {"c": {"path": "c.toml"}}
    )
    return json.loads(path.read_text()), read(path)["results"]


def checks(on_disk: dict) -> list[dict]:
    return [check for group in on_disk["results"] for check in group["checks"]]


def by_case(on_disk: dict) -> dict[str, dict]:
    """Each case's check on disk (a check written once for several cases under each)."""
    found = {}
    for check in checks(on_disk):
        cases = check.get("cases", [check.get("case")])
        for case in on_disk["values"][cases["at"]] if isinstance(cases, dict) else cases:
            found[case] = check
    return found


def test_every_record_comes_back_as_it_was_and_the_rules_apply(tmp_path):
    records = [record(case=f"c{i}", error_eps=i / 4) for i in range(5)]
    on_disk, back = written(tmp_path, records)
    assert back == records
    (group,) = on_disk["results"]
    assert {k: v for k, v in group.items() if k != "checks"} == {
        "framework": "numpy",
        "implementation": "numpy.f",
        "device": "cpu:0",
        "dtype": "float32",
        "mode": "eager",
        "labels": "indices",
    }
    kept = {"test", "case", "outcome", "expected", "got", "error_eps", "bound_eps"}
    assert all(set(check) == kept for check in group["checks"])
    assert on_disk["values"] == [[1.5, "nan"], [1.5000001, "nan"]]  # each array once
    assert all(c["expected"] == {"at": 0} and c["got"] == {"at": 1} for c in group["checks"])
    assert on_disk["implementations"] == {
        "numpy.f": {
            "framework": "numpy",
            "framework_version": "2.0",
            "operation": "softmax_cross_entropy",
            "convention": CONVENTION,
        }
    }
    assert on_disk["environment"]["reproduce_options"] == OPTIONS
    assert on_disk["id_starts"] == {"loss": "conformance/test_golden.py::test_loss["}
    assert "\n" not in (tmp_path / "results.json").read_text()  # no indentation


def test_a_record_that_does_not_follow_the_rules_keeps_its_fields(tmp_path):
    odd = [
        record(case="a", reproduce="pytest x --hypothesis-seed 3"),  # not the run's command
        record(case="b", returned_dtype="float64"),  # returned another dtype than asked
        record(case="c", id="conformance/test_mine.py::test_loss[mine]"),  # another id
        record(case="d", framework_version="2.1", operation="other"),  # not its implementation's
    ]
    plain = [record(case=f"p{i}") for i in range(4)]
    on_disk, back = written(tmp_path, odd + plain)
    assert back == sorted(odd + plain, key=lambda r: r["id"])
    stored = by_case(on_disk)
    assert stored["a"]["reproduce"] == "pytest x --hypothesis-seed 3" and "reproduce" not in stored["p0"]
    assert stored["b"]["returned_dtype"] == "float64" and "returned_device" not in stored["b"]  # as asked
    assert "returned_dtype" not in stored["p0"] and "returned_device" not in stored["p0"]
    assert stored["c"]["id"] == "conformance/test_mine.py::test_loss[mine]" and "id" not in stored["p0"]
    assert (stored["d"]["framework_version"], stored["d"]["operation"]) == ("2.1", "other")


def test_a_user_implementation_without_conventions_and_a_record_without_reproduce(tmp_path):
    user = [{k: v for k, v in record("mine.f", case=f"u{i}").items() if k != "convention"} for i in range(3)]
    suite = [record(case=f"s{i}") for i in range(3)]
    bare = {k: v for k, v in record(case="s9").items() if k not in ("reproduce", "operation")}
    on_disk, back = written(tmp_path, [*user, *suite, bare])
    assert back == sorted([*user, *suite, bare], key=lambda r: r["id"])
    assert "convention" not in on_disk["implementations"]["mine.f"]
    stored = by_case(on_disk)
    assert stored["s9"]["reproduce"] is None and stored["s9"]["operation"] is None  # null: it has none
    assert "convention" not in stored["u0"] and "convention" not in stored["s0"]


def test_shared_messages_and_known_divergences_are_written_once(tmp_path):
    entry = {"id": "tf-xla-nan", "match": {"test": "loss"}, "kind": "convention", "reason": "why " * 50}
    unsupported = "unsupported: numpy.f does not support labels as probabilities"
    records = [
        *(record(case=f"u{i}", outcome="unsupported", message=unsupported) for i in range(3)),
        *(record(case=f"k{i}", outcome="known divergence", known_divergence=entry) for i in range(3)),
        record(case="once", outcome="diverged", message="its own words"),
    ]
    on_disk, back = written(tmp_path, records)
    assert back == sorted(records, key=lambda r: r["id"])
    assert on_disk["messages"] == [unsupported] and on_disk["known_divergences"] == {"tf-xla-nan": entry}
    stored = by_case(on_disk)
    assert stored["u1"]["message"] == 0 and stored["once"]["message"] == "its own words"
    assert stored["k2"]["known_divergence"] == "tf-xla-nan"


def test_only_the_worst_drawn_input_of_the_passed_checks_is_kept():
    def drawn(i: int, ulps: float | str, outcome: str = "passed", **extra) -> dict:
        return record(
            test="options", case=f"d{i}", error_ulps=ulps, worst_input=f"input {i}", outcome=outcome, **extra
        )

    records = [drawn(0, 3.0), drawn(1, 7.0), drawn(2, 7.0), drawn(3, 1.0)]  # 1: the largest, first by id
    records += [drawn(4, 900.0, "known divergence")]  # did not pass: kept
    records += [drawn(5, 100.0, compared_with="itself")]  # not against the exact value: its own group
    records += [drawn(6, 2.0, dtype="float64")]  # another group
    document = {"created": "now", "environment": {}, "results": records}
    kept = {r["case"] for r in expand(compact(document))["results"] if "worst_input" in r}
    assert kept == {"d1", "d4", "d5", "d6"}
    nan = {**document, "results": [*records, drawn(7, "nan")]}  # NaN is the worst
    assert {r["case"] for r in expand(compact(nan))["results"] if "worst_input" in r} == {
        "d4",
        "d5",
        "d6",
        "d7",
    }


@pytest.mark.slow
def test_a_real_run_comes_back_as_it_was_compacted(run_suite, tmp_path):
    """Golden and property checks of two frameworks, written by the plugin; read back, written
    and read again: the same records (nothing the first write kept is lost by the second)."""
    args = ("--framework", "numpy,torch", "--dtype", "float32,float64", "--hypothesis-profile", "ci")
    code, out, document = run_suite(*args, "-k", "article1-e0.1 or options-", target="conformance")
    assert code == 0, out[-3000:]
    on_disk = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(on_disk, schema.SCHEMA)
    options = " --framework numpy,torch --hypothesis-profile ci"
    assert on_disk["schema_version"] == 3 and on_disk["environment"]["reproduce_options"] == options
    assert document["environment"]["duration_s"] > 0
    records = document["results"]
    assert {r["test"] for r in records} >= {"loss", "gradient", "options"}
    ran = [r for r in records if r["outcome"] != "unsupported"]  # one never collected has no command
    assert ran and all(r["reproduce"].startswith(shlex.join(["pytest", r["id"]])) for r in ran)
    assert sum("id" in c for c in checks(on_disk)) < len(records) / 10
    again = expand(json.loads(json.dumps(compact(document), separators=(",", ":"))))
    assert again["results"] == records and again["environment"] == document["environment"]


def test_a_file_of_version_1_is_named_and_refused(tmp_path):
    path = tmp_path / "old.json"
    environment = results_file.environment({}, ["pytest", "conformance"])
    path.write_text(
        json.dumps({"schema_version": 1, "created": "x", "environment": environment, "results": [record()]})
    )
    with pytest.raises(
        ResultsFileError, match=re.escape(f"{path}: schema_version 1, this report reads version 3")
    ):
        read(path)


def test_a_truncated_file_is_named_and_refused(tmp_path):
    written(tmp_path, [record(case=f"c{i}") for i in range(3)])
    path = tmp_path / "results.json"
    path.write_text(path.read_text()[:-100])
    with pytest.raises(ResultsFileError, match="not a complete JSON document"):
        read(path)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (
            lambda d: d["results"][0]["checks"][0].update(message=7),
            "field results/0/checks/0/message: 7 is not in",
        ),
        (
            lambda d: d["results"][0]["checks"][0].update(known_divergence="gone"),
            "field results/0/checks/0/known_divergence: 'gone' is not in",
        ),
        (
            lambda d: d["id_starts"].clear(),
            "field results/0/checks/0/id: 'loss' is not in the file's id_starts",
        ),
        (
            lambda d: d["results"][0]["checks"][0].update(dtype="float64"),
            "field results/0/checks/0/dtype: its group's field, not a check's",
        ),
        (lambda d: d["results"][0]["checks"][0].update(error_eps=[1]), "field results/0/checks/0/error_eps"),
        (
            lambda d: d["results"][0].pop("device"),
            "field results/0/checks/0/returned_device: the check has a result but no device",
        ),
        (
            lambda d: d["results"][0]["checks"][0].update(expected={"at": 9}),
            "field results/0/checks/0/expected: 9 is not a place in the file's values",
        ),
        (
            lambda d: d["results"][0]["checks"][0].update(got={"at": "x"}),
            'field results/0/checks/0/got: an object other than {"at": a place',
        ),
        (
            lambda d: d["results"][0]["checks"][0].update(cases=["a", "b"]),
            "field results/0/checks/0: a check has a case or cases, not both",
        ),
    ],
)
def test_a_check_that_names_what_its_file_lacks_is_named(tmp_path, damage, said):
    on_disk, _ = written(tmp_path, [record(case=f"c{i}", message="same", error_eps=i) for i in range(2)])
    damage(on_disk)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(on_disk))
    with pytest.raises(ResultsFileError, match=re.escape(f"{path}: {said}")):
        read(path)


def test_the_compact_form_is_smaller(tmp_path):
    records = [record(case=f"c{i}", outcome="unsupported", message="unsupported: no") for i in range(200)]
    on_disk, _ = written(tmp_path, records)
    # the records' part: the environment (versions, every convention's meaning) is written once
    # per file whatever it holds, and grows with the conventions, not with the checks
    body = {key: value for key, value in on_disk.items() if key != "environment"}
    assert len(json.dumps(body)) < len(json.dumps(records)) / 30
    assert on_disk["messages"] == ["unsupported: no"] and on_disk["results"][0]["checks"] == [
        {
            "test": "loss",
            "cases": sorted(f"c{i}" for i in range(200)),  # in the order of their ids
            "outcome": "unsupported",
            "message": 0,
            "expected": [1.5, "nan"],
            "got": [1.5000001, "nan"],
            "error_eps": 0.5,
            "bound_eps": 8.0,
        }
    ]


def test_checks_that_differ_only_in_their_case_are_one_and_come_back_one_per_case(tmp_path):
    same = [record(case=f"s{i}", outcome="unsupported", message="no") for i in range(3)]
    other = [record(case=f"o{i}", outcome="unsupported", message="no", test="gradient") for i in range(2)]
    own_id = record(case="s9", outcome="unsupported", message="no", id="conformance/x.py::test_loss[odd]")
    alone = record(case="a", outcome="unsupported", message="another")
    on_disk, back = written(tmp_path, [*same, *other, own_id, alone])
    assert back == sorted([*same, *other, own_id, alone], key=lambda r: r["id"])
    shared = on_disk["values"]
    cases = [c.get("cases") for c in checks(on_disk)]
    assert sorted(shared[c["at"]] if isinstance(c, dict) else c for c in cases if c) == [
        ["o0", "o1"],
        ["s0", "s1", "s2"],
    ]
    assert {c.get("case") for c in checks(on_disk)} == {None, "s9", "a"}  # an id of its own: kept alone


def test_a_result_without_a_returned_dtype_keeps_saying_so(tmp_path):
    bare = {k: v for k, v in record(case="b").items() if k not in ("returned_dtype", "returned_device")}
    no_result = {k: v for k, v in record(case="n").items() if k not in ("expected", "got")}
    on_disk, back = written(tmp_path, [bare, no_result])
    assert back == [bare, no_result]
    stored = by_case(on_disk)
    assert stored["b"]["returned_dtype"] is None and stored["b"]["returned_device"] is None
    assert stored["n"]["returned_dtype"] == "float32"  # no result: kept as it is
