"""Where compiled programs are kept between runs and workers: one folder per framework under
``~/.cache/conformance`` (``$XDG_CACHE_HOME/conformance`` where that is set), each movable or
turned off by a variable of its own; clearing a folder clears that cache."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(name: str, variable: str) -> str:
    """The folder for ``name``'s compiled programs: the environment variable ``variable`` if
    set (empty: none, returned as ""), else ``~/.cache/conformance/NAME``."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance" / name
    return os.environ.get(variable, str(default))
