"""Shared pytest configuration."""

import os

from hypothesis import settings

pytest_plugins = ["tests.moto_server"]

# The property tests draw the same examples on every run, so CI is repeatable (a pass is the
# pass that was checked here, a failure reproduces); HYPOTHESIS_PROFILE=explore draws new
# examples each run, to hunt for cases the fixed ones miss.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
