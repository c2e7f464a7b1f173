"""Switchboard: a self-hosted, no-code mapping server for marketing-platform webhooks."""

__version__ = "0.1.0"
