"""The suite's pytest plugin (the pytest11 entry point conformance): options, fan-out of the
checks, outcomes, records.
May import: adapters, cases, checks, divergences, draws, oracle, paths, report, results, vocabulary.

Hooks only, each delegating: options (options.py) become one validated object in a State
(state.py) when the session runs the suite; a test marked ``@pytest.mark.conformance(CHECK)``
is parametrised over the checks CHECK fans out to (params.py); a check's exception becomes
its outcome (outcomes.py); a check's record is made where it ran (check_record.py) and goes
to the results file and the report (recorder.py); the run uses every core (scope.py) and a
time limit per check (running.py); Hypothesis profiles are in profiles.py. Without the
package installed: ``pytest -p conformance.plugin``.

Lazy: every pytest session of an environment with the suite installed loads this module, so
at import it takes only the options' names (flags.py) and the test of whether the session
runs the suite (scope.py); the rest, NumPy and the frameworks with it, is imported by the
hooks of a session that does.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from conformance.plugin import flags, scope


def pytest_addoption(parser: pytest.Parser) -> None:
    flags.addoption(parser)


@pytest.hookimpl(wrapper=True)  # around every other, so before pytest-xdist's reads its -n
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, int | None, int | None]:
    if scope.runs_the_suite(config):
        scope.use_every_core(config)
    return (yield)


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' own plugin loads (and trips on) the profile
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{scope.MARKER}(check): parametrise over the check's cases, implementations, "
        "devices, dtypes and modes (conformance/plugin/params.py: CHECKS)",
    )
    copy = None if config.option.pyargs else scope.other_copy(config)
    if copy is not None:
        raise pytest.UsageError(
            f"{copy} is a copy of the suite, but the one installed is {scope.PACKAGE}: run that "
            "one with pytest --pyargs conformance, or install this one (pip install -e .)"
        )
    config.stash[scope.RUNS] = scope.runs_the_suite(config)
    if not config.stash[scope.RUNS]:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything can import TensorFlow
    from conformance.plugin import options, profiles, recorder, rotation
    from conformance.plugin.shrinking import ShrinkBudget
    from conformance.plugin.state import STATE, State

    config.stash[STATE] = State(options.from_config(config))
    config.stash[STATE].run_seed = profiles.run_seed(config, config.stash[STATE].options.profile)
    config.stash[STATE].shrink_budget = ShrinkBudget(config.getoption("shrink_budget"))
    config.stash[STATE].rotation = rotation.of_run(config)
    config.stash[STATE].check_devices()
    config.pluginmanager.register(recorder.Recorder(config), "conformance-recorder")


def _runs(config: pytest.Config) -> bool:
    return config.stash.get(scope.RUNS, False)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Every pytest-xdist worker draws from the controller's run seed (one seed reproduces a run)."""
    if _runs(node.config):
        from conformance.plugin import profiles, rotation
        from conformance.plugin.state import STATE

        node.workerinput[profiles.RUN_SEED] = node.config.stash[STATE].run_seed
        node.workerinput[rotation.WORKER_KEY] = node.config.stash[STATE].rotation.to_json()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(scope.MARKER)
    if marker is None:
        return
    if not _runs(metafunc.config):
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: a conformance check collected in a session that does "
            "not run the suite; give its folder (pytest conformance) or --pyargs conformance"
        )
    from conformance.plugin import keywords, params
    from conformance.plugin.state import STATE

    if len(marker.args) != 1 or not isinstance(marker.args[0], str):
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: give @pytest.mark.{scope.MARKER} one check's name; "
            f"known: {', '.join(params.CHECKS)}"
        )
    nodeid = metafunc.definition.nodeid
    selected = keywords.selector(metafunc.config, nodeid)
    metafunc.parametrize(
        "spec", params.params(metafunc.config.stash[STATE], marker.args[0], nodeid, selected)
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _runs(config):
        from conformance.plugin import running

        running.by_framework(items)
        running.add_time_limits(config, items)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    if not _runs(pyfuncitem.config):
        return (yield)
    from conformance.plugin import outcomes

    return (yield from outcomes.run_check(pyfuncitem))


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _runs(item.config):
        from conformance.plugin import running
        from conformance.plugin.state import STATE

        running.free_builds(item.config.stash[STATE], item, nextitem)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = (yield).get_result()
    if _runs(item.config):
        from conformance.plugin import check_record

        check_record.attach_record(item, report, call)
