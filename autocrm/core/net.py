"""Who is on the other end of a request: the client address and the scheme, believing forwarded headers only
as far as the configured number of trusted reverse proxies (`AUTOCRM_TRUSTED_PROXY_HOPS`).

A header a client sends itself is a claim, not a fact: with no trusted proxy, `X-Forwarded-For` and
`X-Forwarded-Proto` are ignored. Each trusted proxy appends the address it received the request from, so the
client is the entry that many places from the right; the entries further left are whatever the client wrote.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def _forwarded_entry(header: str | None, hops: int) -> str:
    """The entry `hops` places from the right of a comma-separated forwarded header, or '' if it is shorter."""
    if hops <= 0 or not header:
        return ""
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    return entries[-hops] if len(entries) >= hops else ""


def client_address(peer: str | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The client's IP address: the socket peer, or the `X-Forwarded-For` entry the trusted proxies vouch for."""
    candidate = _forwarded_entry(forwarded_for, trusted_hops)
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return (peer or "").strip()


def request_scheme(scheme: str | None, forwarded_proto: str | None, trusted_hops: int) -> str:
    """'https' or 'http': the connection's own scheme, or what the trusted proxies say the client used."""
    claimed = _forwarded_entry(forwarded_proto, trusted_hops).lower()
    if claimed in ("http", "https"):
        return claimed
    return "https" if (scheme or "").lower() in ("https", "wss") else "http"


def origin_of(url: str | None) -> str:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased, without a default port; '' otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")
