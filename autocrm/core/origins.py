"""Which browser origins may talk to the app with the user's credentials: CORS, the websocket handshake, CSP.

One origin today: the one `AUTOCRM_BASE_URL` names. The UI is served there (one port in prod mode; in dev
mode the frontend's port, the backend being reached from it cross-origin), so pages of any other origin
have no business opening the UI's websocket or reading API answers with the user's cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin`: lower case, no path, no default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def allowed_origins(base_url: str) -> tuple[str, ...]:
    """The origins whose pages may use the UI's websocket and the API with credentials."""
    return (origin_of(base_url),)


def websocket_origin(http_origin: str) -> str:
    """The ws(s) origin of the same host and port (what a CSP `connect-src` names for the websocket)."""
    scheme, _, rest = http_origin.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"
