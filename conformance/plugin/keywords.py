"""Whether a check that is no item (one known before the run not to be runnable) would be
selected by ``-k``: matched as pytest matches an item, by substrings of its names."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _pytest.mark.expression import Expression


def selector(config: pytest.Config, nodeid: str) -> Callable[[str], bool]:
    """For the test function ``nodeid``: whether ``-k`` selects its parameter named ``name``
    ("test_loss[case-...]"); everything where no ``-k`` is given."""
    keyword = config.getoption("keyword", "")
    if not keyword:
        return lambda name: True
    expression = Expression.compile(keyword)
    parents = [part for part in nodeid.split("::")[0].split("/") if part]

    def selected(name: str) -> bool:
        names = [*parents, name, "conformance"]

        def matches(subname: str, /, **_kwargs: str | int | bool | None) -> bool:
            return any(subname.lower() in n.lower() for n in names)

        return expression.evaluate(matches)

    return selected
