"""The one pooled aiohttp client session a Switchboard process uses to reach target APIs."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

# How long resolved addresses and idle keep-alive connections are kept. Idle connections are
# closed well before the 60-75 s most servers and load balancers allow, so we rarely reuse one
# the other side is closing.
DNS_CACHE_SECONDS = 60
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Limits and identity of outbound HTTP."""

    max_connections: int = 100
    max_connections_per_host: int = 20
    user_agent: str = "Switchboard/0.1 (+https://github.com/switchboard)"
    max_response_bytes: int = 1_048_576


def create_connector(settings: ClientSettings) -> aiohttp.TCPConnector:
    """The connection pool behind the session.

    Kept in one place because this is where the address guard (a resolver that refuses
    private and loopback addresses and pins the checked IP) plugs in.
    """
    return aiohttp.TCPConnector(
        limit=settings.max_connections,
        limit_per_host=settings.max_connections_per_host,
        ttl_dns_cache=DNS_CACHE_SECONDS,
        keepalive_timeout=KEEPALIVE_SECONDS,
    )


def create_client_session(settings: ClientSettings) -> aiohttp.ClientSession:
    """One shared session per process; call it inside the running event loop, close it on exit.

    Sessions are expensive to create and cheap to share: creating one per call would cost a
    new TCP (and TLS) handshake every time. The session has no timeout of its own because every
    request carries its own (``OutboundRequest.timeout``). Cookies are ignored so that one
    contact's call cannot leak state into the next. Non-2xx answers are results, not errors.
    Proxy settings from the environment are not used (``trust_env`` stays off).
    """
    return aiohttp.ClientSession(
        connector=create_connector(settings),
        headers={"User-Agent": settings.user_agent},
        timeout=aiohttp.ClientTimeout(),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=True,
        raise_for_status=False,
    )
