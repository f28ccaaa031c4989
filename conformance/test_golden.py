"""Golden cases through every implementation, device and dtype; and the documents' numbers."""

from __future__ import annotations

import pytest

from conformance.checks import documents, edges, golden, judge
from conformance.plugin.check_record import reproduce_command
from conformance.plugin.state import STATE, Spec


@pytest.mark.conformance("loss")
def test_loss(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """The loss is within the derived bound of the exact value of the (rounded) inputs."""
    record = judge.check_loss(spec.at, spec.golden, reproduce_command(request.node), spec.within)
    record_property("conformance", record)


@pytest.mark.conformance("gradient")
def test_gradient(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """The gradient with respect to the logits is within the derived bound of the exact one."""
    record = judge.check_grad(spec.at, spec.golden, reproduce_command(request.node), spec.within)
    record_property("conformance", record)


@pytest.mark.conformance("convention")
def test_convention(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """On an edge input (edges.py), the implementation does what its declared convention says:
    raises, ignores, extrapolates or wraps."""
    record = edges.check_edge(spec.at, spec.edge, reproduce_command(request.node))
    record_property("conformance", record)


@pytest.mark.conformance("same_as")
def test_same_as(spec: Spec, request: pytest.FixtureRequest, record_property) -> None:
    """A case declared equal to another (labels smoothed by hand) gets the same loss."""
    assert spec.other is not None  # a same_as check is made for a case that names its other
    record = judge.check_same_as(
        spec.at, spec.golden, spec.other, reproduce_command(request.node), spec.within
    )
    record_property("conformance", record)


@pytest.mark.conformance("document")
def test_document(spec: Spec, record_property) -> None:
    """The value a document printed is the exact value, to the precision it was printed in."""
    record_property("conformance", documents.check_document(spec.golden, spec.within))


@pytest.mark.conformance("document_reproduced")
def test_document_reproduced(spec: Spec, record_property) -> None:
    """The document's implementation, run today, prints the document's number bit for bit."""
    record_property("conformance", documents.check_document_reproduced(spec.at, spec.golden))


@pytest.mark.conformance("mode")
def test_mode(spec: Spec) -> None:
    """A mode selected that a framework cannot run here: only ever collected as unsupported,
    with the reason (a run that asked for torch.compile without a C++ compiler says so)."""
    pytest.fail(f"{spec.framework} {spec.mode}: collected as available")  # pragma: no cover


@pytest.mark.conformance("case_files")
def test_case_files(spec: Spec, request: pytest.FixtureRequest) -> None:
    """Every case file is valid and every stored exact value is what the reference gives."""
    cases, errors = request.config.stash[STATE].cases()
    problems = [str(e) for e in errors]
    for case in cases:
        exact = golden.exact_expected(case)
        if not all(golden.agrees(s, e) for s, e in zip(case.expected, exact)):
            problems.append(
                f"{case.path}: case {case.id!r}: field 'expected.loss': "
                f"stored {list(case.expected)}, the reference gives {list(exact)}"
            )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
