"""The CLI fixture of tests/cli, for the evidence CLI tests."""

from tests.cli.conftest import cli

__all__ = ["cli"]
