"""Browser-facing protections: security headers on every response, and CSRF for the UI.

The Content-Security-Policy allows scripts and styles from our own ``/static/`` only: no
inline ``<script>``, no ``style=`` attributes, no eval (htmx is configured not to need it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# Paths that machines, not browsers, post to: no CSRF token can be asked of them.
CSRF_EXEMPT = ["^/hooks/", "^/healthz$", "^/readyz$", "^/metrics$"]
CSRF_SECRET_FILE = "csrf-secret"


class SecurityHeaders(ASGIMiddleware):
    """Adds :data:`SECURITY_HEADERS` to every HTTP response (those it already has stay)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await next_app(scope, receive, send_with_headers)


def csrf_config(settings: Settings) -> CSRFConfig:
    """CSRF protection for every UI form and htmx request (the token is in ``hx-headers``)."""
    return CSRFConfig(
        secret=csrf_secret(settings.data_dir),
        cookie_secure=settings.effective_public_url.startswith("https://"),
        cookie_samesite="strict",
        exclude=CSRF_EXEMPT,
    )


def csrf_secret(data_dir: Path) -> str:
    """The secret that signs CSRF tokens, kept in the data directory.

    It must outlive restarts: a browser keeps its CSRF cookie, and a cookie signed with a
    forgotten secret would make every form fail until the cookie expired.
    """
    path = data_dir / CSRF_SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    return path.read_text(encoding="ascii").strip()


def _create_secret_file(path: Path) -> None:
    """Write a new secret, readable by the owner only; the first of racing processes wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
