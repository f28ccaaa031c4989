"""Golden case files: the repository's are valid and exact; bad ones get clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cases import CASES_DIR, load_all, load_file
from conformance.checks import golden
from conformance.repro.check import CASES_PATH

GOOD = """
[[case]]
id = "good"
provenance = "a test"
logits = [[1.0, 2.0, 3.0]]
labels = { indices = [2] }
label_smoothing = 0.1
reduction = "mean"
expected = { loss = "0.4" }
"""


def write(tmp_path: Path, body: str, header: str = 'schema = 1\nsource = "a test"\n') -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(header + body)
    return path


def test_repository_case_files_are_valid_and_exact():
    cases, errors = load_all(CASES_DIR)
    assert not errors
    assert {"article2-e0", "article2-e0.001", "article2-e0.001-hand-smoothed"} <= {c.id for c in cases}
    assert golden.main([]) == 0
    assert golden.main([str(CASES_PATH)]) == 0  # the reproducers' cases too


def test_documents_numbers_are_kept_beside_the_exact_values():
    cases = {c.id: c for c in load_all(CASES_DIR)[0]}
    assert cases["article2-e0"].observed.loss == 0.11191821843385696
    assert cases["article2-e0.001"].observed.loss == 0.11647378653287888
    assert cases["article2-e0"].expected == ("0.1119182196450030788178167",)


def test_golden_main_reports_a_wrong_expected_value(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    assert golden.main([str(path)]) == 1
    assert "DIFF" in capsys.readouterr().out


BAD_CASES = [
    ("not = valid = toml", None, None, "not valid TOML"),
    (GOOD.replace('provenance = "a test"\n', ""), "good", "(top level)", "'provenance' is a required"),
    (
        GOOD.replace("label_smoothing = 0.1", 'label_smoothing = "0.1"'),
        "good",
        "label_smoothing",
        "not of type",
    ),
    (GOOD.replace("label_smoothing = 0.1", "label_smoothing = 1.0"), "good", "label_smoothing", "1"),
    (GOOD.replace("indices = [2]", "indices = [2, 0]"), "good", "labels.indices", "2 labels for 1 rows"),
    (GOOD.replace("indices = [2]", "indices = [3]"), "good", "labels.indices[0]", "not a class"),
    (
        GOOD.replace("{ indices = [2] }", "{ probabilities = [[0.5, 0.4, 0.0]] }"),
        "good",
        "labels.probabilities[0]",
        "not 1",
    ),
    (GOOD.replace('reduction = "mean"', 'reduction = "avg"'), "good", "reduction", "avg"),
    (GOOD.replace('"0.4"', '["0.4", "0.1"]'), "good", "expected.loss", "2 values"),
    (GOOD + GOOD, "good", "id", "duplicate"),
    (GOOD.replace("[[case]]", '[[case]]\nsame_as = "nowhere"'), "good", "same_as", "no valid case"),
    (GOOD.replace("[[case]]", '[[case]]\nsame_as = "good"'), "good", "same_as", "itself"),
    (GOOD.replace("label_smoothing = 0.1", "label_smoothing = nan"), "good", "label_smoothing", "finite"),
    (
        GOOD.replace('reduction = "mean"', 'reduction = "none"').replace(
            "expected =",
            'observed = { loss = 0.4, implementation = "x", dtype = "float64", where = "y" }\nexpected =',
        ),
        "good",
        "observed",
        "reduction to one value",
    ),
    (
        GOOD.replace("{ indices = [2] }", "{ indices = [2], probabilities = [[0.0, 0.0, 1.0]] }"),
        "good",
        "labels",
        "too many properties",
    ),
    (
        GOOD.replace("logits = [[1.0, 2.0, 3.0]]", "logits = [[1.0, 2.0, 3.0], []]"),
        "good",
        "logits",
        "rows of one length",
    ),
    (GOOD.replace("[[case]]", "[[case]]\nbatch_shape = [2, 1]"), "good", "batch_shape", "holds 2 rows"),
    (GOOD.replace("[[case]]", "[[case]]\nbatch_shape = [1, 1]\naxis = 3"), "good", "axis", "rank 3"),
]


@pytest.mark.parametrize(("body", "case_id", "field", "message"), BAD_CASES)
def test_bad_case_names_file_case_and_field(tmp_path, body, case_id, field, message):
    path = write(tmp_path, body)
    _, errors = load_file(path)
    assert len(errors) == 1
    error = errors[0]
    assert error.path == str(path) and error.case_id == case_id and error.field == field
    assert message in str(error) and str(path) in str(error)


def test_valid_cases_still_load_beside_a_bad_one(tmp_path):
    path = write(tmp_path, GOOD + GOOD.replace('"good"', '"bad"').replace("[2]", "[7]"))
    cases, errors = load_file(path)
    assert [c.id for c in cases] == ["good"]
    assert [e.case_id for e in errors] == ["bad"]


def test_same_as_chains_are_resolved_until_every_reference_holds(tmp_path):
    """a -> b -> (missing): b goes for its missing target, then a for b."""
    a = GOOD.replace('"good"', '"a"').replace("[[case]]", '[[case]]\nsame_as = "b"')
    b = GOOD.replace('"good"', '"b"').replace("[[case]]", '[[case]]\nsame_as = "gone"')
    cases, errors = load_file(write(tmp_path, GOOD + a + b))
    assert [c.id for c in cases] == ["good"]
    assert sorted(e.case_id for e in errors) == ["a", "b"]


def test_same_as_needs_labels_given_the_same_way(tmp_path):
    probs = GOOD.replace('"good"', '"p"').replace(
        "{ indices = [2] }", "{ probabilities = [[0.0, 0.0, 1.0]] }"
    )
    indices = GOOD.replace('"good"', '"i"').replace("[[case]]", '[[case]]\nsame_as = "p"')
    cases, errors = load_file(write(tmp_path, probs + indices))
    assert [c.id for c in cases] == ["p", "i"] and not errors  # indices also run as one-hot rows
    back = probs.replace("[[case]]", '[[case]]\nsame_as = "i"').replace('"p"', '"q"')
    cases, errors = load_file(write(tmp_path, GOOD.replace('"good"', '"i"') + back))
    assert [c.id for c in cases] == ["i", "q"] and not errors


def test_file_without_schema_version_is_rejected(tmp_path):
    cases, errors = load_file(write(tmp_path, GOOD, header='source = "x"\n'))
    assert not cases and "schema" in str(errors[0])


def test_duplicate_ids_across_files(tmp_path):
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text('schema = 1\nsource = "x"\n' + GOOD)
    cases, errors = load_all(tmp_path)
    assert len(cases) == 1 and "also in" in str(errors[0]) and "b.toml" in str(errors[0])


def test_layout_is_kept_through_a_written_case(tmp_path):
    """A rank-3 case written by --write-failures loads back with its batch shape and axis."""
    from conformance.cases import to_toml

    (case,) = [c for c in load_all(CASES_DIR)[0] if c.id == "article2-e0.001-class-axis-1"]
    assert case.arranged(case.logits).shape == (3, 3, 1)
    assert case.arranged(case.logits)[1, :, 0].tolist() == [1.0, 5.0, 4.0]
    path = tmp_path / "again.toml"
    path.write_text(to_toml(case, golden.exact_expected(case), "a test"))
    (again,), errors = load_file(path)
    assert not errors and again.batch_shape == (3, 1) and again.axis == 1
