"""Known divergences: matching, and several entries acting as one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance import divergences
from conformance.divergences import KnownDivergence
from conformance.divergences.matching import combine


def entry(id: str, within: str | None, strict: bool = True, **match) -> KnownDivergence:
    return KnownDivergence(id, match, "precision", "because", within=within, strict=strict)


def test_patterns_and_lists_match_fields():
    k = entry("a", None, implementation="tf.keras.*", test=["loss", "agreement"])
    assert k.matches({"implementation": "tf.keras.losses.X", "test": "agreement"})
    assert not k.matches({"implementation": "torch.x", "test": "agreement"})
    assert not k.matches({"implementation": "tf.keras.losses.X", "test": "shift"})


def test_several_matches_act_as_one():
    check = {"test": "agreement", "implementation": "x"}
    both = divergences.find([entry("f32", "float32"), entry("bug", None, strict=False)], check)
    assert both.id == "f32 + bug" and both.within is None and both.strict
    looser = divergences.find([entry("f32", "float32"), entry("f16", "float16")], check)
    assert looser.within == "float16"
    assert divergences.find([entry("f32", "float32", test="shift")], check) is None


def test_repository_entries_are_valid():
    known = divergences.load()
    assert {k.kind for k in known} <= {"definition", "precision", "defect"}
    assert all(k.reason and k.evidence for k in known)
    assert [k.id for k in known if not k.versions] == []  # every entry names the versions it applies to


def test_a_gate_on_tensorflow_reads_the_cpu_build_s_version(monkeypatch):
    """tensorflow-cpu installs the tensorflow module: a gate on "tensorflow" reads its version."""
    found = {"tensorflow-cpu": "2.21.0"}

    def version(distribution: str) -> str:
        if distribution not in found:
            raise divergences.importlib.metadata.PackageNotFoundError(distribution)
        return found[distribution]

    monkeypatch.setattr(divergences.importlib.metadata, "version", version)
    assert divergences.installed_version("tensorflow") == "2.21.0"
    assert divergences.installed_version("keras") is None


def test_one_raising_and_one_diverging_expect_either():
    """A check two entries match, one showing as a crash and one as a wrong value, expects
    either: the crash (by its pattern) or the divergence."""
    check = {"test": "shift", "implementation": "x"}
    crash = KnownDivergence("crash", {"test": "shift"}, "defect", "because", raises="ValueError: *")
    both = divergences.find([crash, entry("wrong", None, strict=False)], check)
    assert both.also_diverges and both.expects("ValueError: rank") and not both.expects("KeyError: x")
    alone = divergences.find([crash], check)
    assert not alone.also_diverges and alone.raises == "ValueError: *"


def test_keras_index_rounded_to_k_raises_as_recorded():
    """The second face of Keras rounding class indices to bfloat16: class 4094 of 4096 becomes
    4096 and TensorFlow raises. A drawn case that shows it is a known divergence (either face),
    not an error that turns a run red; any other exception there is not excused."""
    import numpy as np
    import pytest

    pytest.importorskip("tensorflow")
    from conformance.adapters import load
    from conformance.cases import Case
    from conformance.checks import failures, judge

    fw = load("tensorflow")
    impl = fw.implementation("tf.keras.losses.SparseCategoricalCrossentropy(dtype=input)")
    case = Case("drawn", "(test)", "test", np.zeros((1, 4096)), np.array([4094]), 0.0, "mean", ())
    with pytest.raises(failures.Raised) as raised:
        judge.check_loss(failures.Point(fw, impl, "cpu:0", "bfloat16", "indices"), case)
    for test in ("agreement", "gradient_agreement", "options"):
        check = {"test": test, "framework": "tensorflow", "implementation": impl.name, "dtype": "bfloat16"}
        known = divergences.find(divergences.load(), check)
        assert known is not None and not known.strict, test
        assert known.expects(raised.value.record["exception"]), raised.value.record["exception"]
        assert not known.expects("InvalidArgumentError: something else")


def test_a_version_gate_says_which_installed_versions_it_excludes():
    k = KnownDivergence(
        "axis", {"implementation": "tf.keras.*"}, "defect", "because", versions={"keras": ">=3.0,<3.16"}
    )
    assert k.gate() == "keras>=3.0,<3.16"
    assert k.outside(lambda package: "3.15.1") == ""
    assert k.outside(lambda package: "3.16.0") == "keras 3.16.0 is outside keras>=3.0,<3.16"
    assert k.outside(lambda package: None) == ""  # not installed: its checks do not run anyway
    applying, outside = divergences.gated([k, entry("other", None)], lambda package: "3.16.0")
    assert [(o.id, why) for o, why in outside] == [("axis", "keras 3.16.0 is outside keras>=3.0,<3.16")]
    # the gate is on the checks that run on Keras (and those of no framework: documents)
    assert outside[0][0].match["framework"] == ["", "tensorflow", "keras_jax", "keras_torch"]
    assert [a.id for a in applying] == ["axis", "other"] and "torch" in applying[0].match["framework"]
    # PyTorch's local version label (+cpu) is inside a range of releases
    torch_gate = KnownDivergence("t", {}, "precision", "r", versions={"torch": ">=2.0"})
    assert torch_gate.outside(lambda package: "2.13.0+cpu") == ""


def test_a_bad_gate_is_named_with_its_entry(tmp_path):
    bad = tmp_path / "known.toml"
    bad.write_text(
        '[[divergence]]\nid = "x"\nmatch = { test = "loss" }\nkind = "defect"\nreason = "r"\n'
        'versions = { keras = "3.16" }\n'
    )
    try:
        divergences.load(bad)
    except ValueError as e:
        assert "divergence/0/versions/keras (x): '3.16' is not a PEP 440 version specifier" in str(e)
    else:
        raise AssertionError("a bad specifier was accepted")


ENTRY = '[[divergence]]\nid = "{id}"\nmatch = {{ test = "loss" }}\nkind = "defect"\nreason = "r"\n'


def test_an_evidence_reference_is_read_as_its_text_and_an_unknown_one_names_file_entry_and_field(tmp_path):
    known = tmp_path / "torch.toml"
    known.write_text(
        '[evidence]\nkernel = "aten/src: the kernel"\n\n'
        + ENTRY.format(id="a")
        + 'evidence_ref = "kernel"\n\n'
        + ENTRY.format(id="b")
        + 'evidence_ref = "kernel"\n'
    )
    assert [(k.id, k.evidence) for k in divergences.load(known)] == [
        ("a", "aten/src: the kernel"),
        ("b", "aten/src: the kernel"),
    ]
    known.write_text('[evidence]\nkernel = "k"\n\n' + ENTRY.format(id="a") + 'evidence_ref = "kernal"\n')
    with pytest.raises(ValueError) as e:
        divergences.load(tmp_path)
    assert str(e.value).startswith(f"{known}: divergence/0/evidence_ref (a): 'kernal' is not in the file's")


def test_an_id_in_two_files_names_both(tmp_path):
    (tmp_path / "jax.toml").write_text(ENTRY.format(id="twice"))
    (tmp_path / "torch.toml").write_text(ENTRY.format(id="other") + "\n" + ENTRY.format(id="twice"))
    with pytest.raises(ValueError) as e:
        divergences.load(tmp_path)
    message = str(e.value)
    assert message.startswith(f"{tmp_path / 'torch.toml'}: divergence/1/id (twice): ")
    assert f"also the id of divergence/0 in {tmp_path / 'jax.toml'}" in message


def test_a_folder_and_one_file_of_the_old_format_both_load(tmp_path):
    """A folder: every *.toml by name, in ``order`` where entries give one; a single file of
    the format before the folder (no [evidence], no order) loads as it did."""
    folder = tmp_path / "known"
    folder.mkdir()
    (folder / "b.toml").write_text(ENTRY.format(id="b1") + "order = 10\n\n" + ENTRY.format(id="b2"))
    (folder / "a.toml").write_text(ENTRY.format(id="a1") + "order = 20\n\n" + ENTRY.format(id="a2"))
    (folder / "notes.md").write_text("not read")
    assert [k.id for k in divergences.load(folder)] == ["b1", "a1", "a2", "b2"]
    old = tmp_path / "known_divergences.toml"
    old.write_text(ENTRY.format(id="x") + 'evidence = "read"\n\n' + ENTRY.format(id="y"))
    assert [(k.id, k.evidence) for k in divergences.load(old)] == [("x", "read"), ("y", "")]
    assert divergences.DEFAULT_PATH.is_dir() and len(divergences.load()) == len(
        [k for f in divergences.files(divergences.DEFAULT_PATH) for k in divergences.load(f)]
    )


def test_a_malformed_file_names_itself_the_entry_and_the_field(tmp_path):
    known = tmp_path / "keras.toml"
    known.write_text(ENTRY.format(id="a").replace('"defect"', '"bug"'))
    with pytest.raises(ValueError, match=r"keras.toml: divergence/0/kind \(a\): 'bug' is not one of"):
        divergences.load(known)
    known.write_text(ENTRY.format(id="a") + 'evidence = "e"\nevidence_ref = "e"\n\n[evidence]\ne = "t"\n')
    with pytest.raises(ValueError, match=r"keras.toml: divergence/0/evidence_ref \(a\): given with evidence"):
        divergences.load(known)
    known.write_text('[evidence]\nunused = "t"\n\n' + ENTRY.format(id="a"))
    with pytest.raises(ValueError, match=r"keras.toml: evidence/unused: no entry's evidence_ref names it"):
        divergences.load(known)
    known.write_text("[[divergence]\n")
    with pytest.raises(ValueError, match=r"keras.toml: not valid TOML"):
        divergences.load(known)


def test_the_repository_writes_each_evidence_text_once():
    """A text two entries cite is in its file's [evidence] table, named by each, not copied."""
    import tomllib

    written: list[str] = []
    for file in divergences.files(divergences.DEFAULT_PATH):
        data = tomllib.loads(file.read_text())
        written += list(data.get("evidence", {}).values())
        written += [entry["evidence"] for entry in data["divergence"] if "evidence" in entry]
    assert sorted(t for t in set(written) if written.count(t) > 1) == []


def test_an_entry_is_cited_only_for_an_input_its_conditions_fit():
    """PyTorch's float64 agreement check matches two entries by its coordinates: log_softmax
    summing in lanes (classes on the last axis) and summing in order (classes off it). Given
    the failing input, only the one whose shows_when fits it is found; a condition not
    recorded (shows_when left out) would cite both."""
    import numpy as np

    from conformance.cases import Case

    known = divergences.load(divergences.DEFAULT_PATH)
    check = {
        "test": "agreement",
        "framework": "torch",
        "implementation": "torch.nn.functional.cross_entropy",
        "dtype": "float64",
        "labels": "indices",
        "mode": "eager",
        "device": "cpu:0",
    }
    lanes, in_order = "torch-log-softmax-sums-in-lanes", "torch-log-softmax-off-the-last-axis-sums-in-order"
    found = divergences.find(known, check)
    assert found is not None and set(found.id.split(" + ")) == {lanes, in_order}
    logits = np.zeros((2, 4))
    last = Case("drawn", "(drawn)", "", logits, np.array([0, 1]), 0.1, "mean", ())
    off = Case("drawn", "(drawn)", "", logits, np.array([0, 1]), 0.1, "mean", (), batch_shape=(1, 2), axis=1)
    assert divergences.find(known, check, last).id == lanes
    assert divergences.find(known, check, off).id == in_order
    unconditioned = [KnownDivergence(**{**k.__dict__, "shows_when": ()}) for k in known]
    assert divergences.find(unconditioned, check, last).id == found.id


def test_conditions_are_named_from_the_vocabulary_only(tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text(
        '[[divergence]]\nid = "x"\nmatch = { test = "loss" }\nkind = "definition"\nreason = "r"\n'
        'shows_when = ["classes-sideways"]\n'
    )
    with pytest.raises(ValueError, match="shows_when"):
        divergences.load(file)


def test_a_shared_entry_is_gated_per_framework_on_the_packages_its_checks_run_on():
    """An entry gated on JAX and TensorFlow, with JAX past its range (the fix release):
    TensorFlow's checks are still excused by it, JAX's (and Keras on JAX's) are not; with a
    package of no framework's stack outside, nothing is."""
    shared = KnownDivergence(
        "shared", {"test": "masked"}, "defect", "r", versions={"jax": "<0.5", "tensorflow": ">=2.16"}
    )
    versions = {"jax": "0.10.2", "tensorflow": "2.21.0"}
    applying, outside = divergences.gated([shared], versions.get)
    (applies,), ((gated_out, why),) = applying, outside
    assert applies.matches({"test": "masked", "framework": "tensorflow"})
    assert not applies.matches({"test": "masked", "framework": "jax"})
    assert gated_out.matches({"test": "masked", "framework": "jax"})
    assert gated_out.matches({"test": "masked", "framework": "keras_jax"})
    assert why == "jax 0.10.2 is outside jax<0.5"
    assert divergences.gated([shared], {"jax": "0.4.38", "tensorflow": "2.21.0"}.get) == ([shared], [])


def test_a_release_older_than_any_measured_is_not_a_regression_and_one_measured_absent_is():
    """Issue 47's runs: TensorFlow 2.18.1 under an entry seen from 2.21 applies there, noted as
    not measured (its excuse says so; its prediction still holds it to its mechanism); a release
    measured absent (``absent``) does not, and a check that shows it there is a regression."""
    k = KnownDivergence(
        "tf1",
        {"implementation": "tf.*"},
        "precision",
        "float32 reduction",
        versions={"tensorflow": ">=2.21"},
        absent={"tensorflow": "<2.14"},
    )
    applying, outside = divergences.gated([k], {"tensorflow": "2.18.1"}.get)
    assert not outside and len(applying) == 2  # noted for the checks on TensorFlow, not elsewhere
    noted = next(a for a in applying if a.unmeasured)
    assert noted.unmeasured == "tensorflow 2.18.1, outside tensorflow>=2.21" and not noted.strict
    assert noted.matches({"implementation": "tf.x", "framework": "tensorflow"})
    assert "(not measured on tensorflow 2.18.1, outside tensorflow>=2.21: " in noted.explain()
    combined = combine([noted, KnownDivergence("b", {}, "defect", "r")])
    assert combined is not None and combined.unmeasured == noted.unmeasured
    applying, outside = divergences.gated([k], {"tensorflow": "2.13.1"}.get)
    assert [why for _, why in outside] == ["tensorflow 2.13.1 was measured absent: tensorflow<2.14"]
    assert divergences.gated([k], {"tensorflow": "2.21.0"}.get) == ([k], [])
    # seen in one release and measured absent from another: between them it was not measured
    fixed = replace(k, versions={"tensorflow": "==2.16.2"}, absent={"tensorflow": ">=2.21"})
    applying, outside = divergences.gated([fixed], {"tensorflow": "2.18.1"}.get)
    assert not outside and any(
        a.unmeasured == "tensorflow 2.18.1, outside tensorflow==2.16.2" for a in applying
    )
    gated_out = divergences.gated([fixed], {"tensorflow": "2.21.0"}.get)[1]
    assert [why for _, why in gated_out] == ["tensorflow 2.21.0 was measured absent: tensorflow>=2.21"]


def test_every_framework_says_the_packages_its_checks_run_on():
    from conformance.divergences.gating import STACKS
    from conformance.vocabulary import FRAMEWORKS

    assert set(STACKS) == set(FRAMEWORKS)
