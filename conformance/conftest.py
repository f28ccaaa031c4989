"""Loads the suite's pytest plugin for ``pytest conformance``."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything can import TensorFlow

from conformance.plugin import (  # noqa: F401  (hooks, found by pytest by name)
    pytest_addoption,
    pytest_cmdline_main,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_generate_tests,
    pytest_pyfunc_call,
    pytest_runtest_makereport,
)
