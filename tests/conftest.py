"""Shared pytest configuration."""

pytest_plugins = ["tests.moto_server"]
