"""Outbound delivery: the shared aiohttp client session and ``send`` -> ``DeliveryResult``.

This package knows how to talk HTTP to a target API and nothing about events or storage.
"""

from __future__ import annotations

from server.delivery.client import ClientSettings, create_client_session, create_connector
from server.delivery.send import DeliveryResult, ErrorKind, send

__all__ = [
    "ClientSettings",
    "DeliveryResult",
    "ErrorKind",
    "create_client_session",
    "create_connector",
    "send",
]
