"""Who the client is behind a proxy, and the security headers of every answer.

The trusted-proxy rule: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only
when the connection comes from an address in ``Settings.trusted_proxies``; the client is
then the last address in ``X-Forwarded-For`` that is not itself a trusted proxy. Without
trusted proxies the client is the connection's address, whatever the headers say (anyone
can send them, and a forged address would dodge the login throttle).
"""

from __future__ import annotations

import secrets

from healthplan.web.settings import Settings

NONCE_KEY = "csp_nonce"  # request.state key of the nonce of this answer's inline scripts


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return ""


def _peer(scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


def client_address(scope, settings: Settings) -> str:
    """The client's address by the trusted-proxy rule (at most 64 characters)."""
    peer = _peer(scope)
    if peer in settings.trusted_proxies:
        hops = [h.strip() for h in _header(scope, b"x-forwarded-for").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in settings.trusted_proxies:
                return hop[:64]
    return (peer or "unknown")[:64]


def is_https(scope, settings: Settings) -> bool:
    """Whether the browser reached us over HTTPS: directly, or as a trusted proxy says."""
    if scope.get("scheme") == "https":
        return True
    if _peer(scope) in settings.trusted_proxies:
        return _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower() == "https"
    return False


def content_security_policy(nonce: str) -> str:
    """No resource from elsewhere, scripts only from /static or carrying this answer's
    nonce, no framing, forms only to this site. Style attributes stay allowed
    (``style-src-attr``): the pages use them for widths and layout, they cannot run
    script, and every value in them is escaped; style elements need the nonce."""
    return "; ".join((
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",  # browsers without style-src-elem/-attr
        f"style-src-elem 'self' 'nonce-{nonce}'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ))


class SecurityHeaders:
    """ASGI middleware: a fresh CSP nonce per request (``request.state.csp_nonce``),
    the security headers on every answer, and ``Secure`` on every cookie set over HTTPS
    (or always, with ``Settings.https_only``)."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        secure = self.settings.https_only or is_https(scope, self.settings)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in _OURS]
                if secure:
                    headers = [(k, _secure_cookie(v) if k.lower() == b"set-cookie" else v)
                               for k, v in headers]
                headers += [
                    (b"content-security-policy", content_security_policy(nonce).encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if secure:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OURS = {b"content-security-policy", b"x-frame-options", b"x-content-type-options",
         b"referrer-policy", b"cross-origin-opener-policy", b"permissions-policy",
         b"strict-transport-security"}


def _secure_cookie(value: bytes) -> bytes:
    if b"; secure" in value.lower():
        return value
    return value + b"; Secure"
