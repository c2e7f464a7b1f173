"""Errors of the storage layer. Each says what the caller (and the operator) can do."""

from __future__ import annotations


class StoreError(Exception):
    """Something could not be stored or read."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or written right now.

    Nothing is wrong with the request: answer 503 so that the sender retries later, and tell
    the operator to check the database (disk space, permissions, the PostgreSQL server).
    """


class WriteRejected(StoreError):
    """The database refused this one row (a deleted endpoint, a value it cannot hold).

    Retrying the same row will fail the same way; other rows are unaffected.
    """
