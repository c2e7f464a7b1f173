"""Fixtures for the whole suite: the loopback target server and fresh databases."""

pytest_plugins = ["support.fixtures", "support.databases"]
