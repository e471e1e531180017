"""A small but real OpenID Connect provider for the tests, built from authlib's server parts.

It serves discovery, authorize, token, JWKS and userinfo over HTTP on a free loopback port, signs ID tokens
with an RSA key made at start (joserfc), and runs the authorization code flow with PKCE (authlib's
`AuthorizationCodeGrant` + `CodeChallenge` + `OpenIDCode`). The authorize endpoint consents at once as the
configured `user`, so a browser or an HTTP client passes straight back to the app.

Knobs a test may turn to make the provider misbehave the way real ones might: `nonce_override` (an ID token
with another sign-in's nonce), `deny` (the person says no), `email_in_id_token` (leave the e-mail to
userinfo).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey


@dataclass
class IdpUser:
    sub: str
    email: str
    email_verified: bool = True
    name: str = "Sam Sso"


@dataclass
class IdpClient(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(s for s in (scope or "openid").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:  # noqa: ARG002 (authlib's signature)
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class IssuedCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: IdpUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Payload(OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]) -> None:
        self._data = dict(values)
        self._datalist: dict[str, list[str]] = {}
        for key, value in values:
            self._datalist.setdefault(key, []).append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]  # a plain dict is all authlib reads
        return self._datalist


class _Request(OAuth2Request):
    """authlib's request over what the stdlib HTTP server parsed: the query and the urlencoded form."""

    def __init__(self, method: str, uri: str, headers: Any, query: list[tuple[str, str]], form: list[tuple[str, str]]):
        super().__init__(method=method, uri=uri, headers=headers)
        self._args, self._form = dict(query), dict(form)
        self.payload = _Payload(query + form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class IdpServer:
    """The provider's state and its authlib server. `issuer` is its URL once started."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, user: IdpUser) -> None:
        self.issuer = ""
        self.client = IdpClient(client_id, client_secret, redirect_uri)
        self.user = user
        self.key = RSAKey.generate_key(2048, parameters={"kid": generate_token(8), "use": "sig", "alg": "RS256"})
        self.codes: dict[str, IssuedCode] = {}
        self.tokens: dict[str, IdpUser] = {}
        self.nonce_override: str | None = None
        self.deny = False
        self.email_in_id_token = True
        self.server = self._build_server()

    def _build_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> IdpClient | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.tokens[token["access_token"]] = request.user

            def create_oauth2_request(self, request: _Request) -> _Request:
                return request

            def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012 (authlib's class attribute)

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = IssuedCode(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.scope,
                    user=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: IdpClient) -> IssuedCode | None:
                issued = provider.codes.get(code)
                return issued if issued and issued.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: IssuedCode) -> IdpUser:
                return authorization_code.user

        class OpenIdCode(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:  # noqa: ARG002 (authlib's signature)
                return any(issued.nonce == nonce for issued in provider.codes.values())

            def resolve_client_private_key(self, client: IdpClient) -> RSAKey:  # noqa: ARG002 (authlib's signature)
                return provider.key

            def get_client_claims(self, client: IdpClient) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def get_encode_header(self, client: IdpClient) -> dict[str, str]:  # noqa: ARG002 (authlib's signature)
                return {"alg": "RS256", "kid": str(provider.key.kid)}

            def get_authorization_code_claims(self, authorization_code: IssuedCode) -> dict[str, Any]:
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.nonce_override is not None:
                    claims["nonce"] = provider.nonce_override
                return claims

            def generate_user_info(self, user: IdpUser, scope: str) -> UserInfo:
                return provider.user_info(user, scope, for_id_token=True)

        server = Server(scopes_supported=["openid", "email", "profile"])
        server.register_token_generator("default", BearerTokenGenerator(lambda **_: generate_token(42)))
        server.register_grant(CodeGrant, [CodeChallenge(required=True), OpenIdCode(require_nonce=True)])
        return server

    def user_info(self, user: IdpUser, scope: str, *, for_id_token: bool = False) -> UserInfo:
        info = UserInfo(sub=user.sub)
        if "profile" in scope:
            info["name"] = user.name
        if "email" in scope and (self.email_in_id_token or not for_id_token):
            info["email"], info["email_verified"] = user.email, user.email_verified
        return info

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def handle(self, request: _Request) -> tuple[int, Any, list[tuple[str, str]]]:
        path = urlsplit(request.uri).path
        if path == "/.well-known/openid-configuration":
            return 200, self.discovery(), []
        if path == "/jwks":
            return 200, {"keys": [self.key.as_dict(private=False)]}, []
        if path == "/authorize":
            grant = self.server.get_consent_grant(request, end_user=self.user)
            return self.server.create_authorization_response(
                request, grant_user=None if self.deny else self.user, grant=grant
            )
        if path == "/token" and request.method == "POST":
            return self.server.create_token_response(request)
        if path == "/userinfo":
            bearer = str(request.headers.get("Authorization") or "").removeprefix("Bearer ")
            user = self.tokens.get(bearer)
            if user is None:
                return 401, {"error": "invalid_token"}, []
            return 200, dict(self.user_info(user, "openid email profile")), []
        return 404, {"error": "not_found"}, []


def _handler_for(provider: IdpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            request = _Request(
                self.command,
                f"{provider.issuer}{self.path}",
                self.headers,
                parse_qsl(parts.query, keep_blank_values=True),
                parse_qsl(body, keep_blank_values=True),
            )
            try:
                status, payload, headers = provider.handle(request)
            except Exception as exc:  # noqa: BLE001 (a test server: say what broke instead of hanging the client)
                status, payload, headers = 500, {"error": "server_error", "error_description": repr(exc)}, []
            data = (json.dumps(payload) if isinstance(payload, dict) else str(payload or "")).encode()
            self.send_response(status)
            sent = {name.lower() for name, _ in headers}
            for name, value in headers:
                self.send_header(name, value)
            if "content-type" not in sent and isinstance(payload, dict):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve  # noqa: N815 (http.server's method names)
        do_POST = _serve  # noqa: N815 (http.server's method names)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            return None

    return Handler


@contextmanager
def running_provider(*, client_id: str, client_secret: str, redirect_uri: str, user: IdpUser) -> Iterator[IdpServer]:
    """A provider answering on http://127.0.0.1:<free port> until the block ends."""
    provider = IdpServer(client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri, user=user)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(provider))
    provider.issuer = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


CLIENT_ID = "autocrm-tests"
CLIENT_SECRET = "provider-issued-secret-4f1c"  # noqa: S105 (the test provider's throwaway client secret)


@contextmanager
def provider_for_app() -> Iterator[IdpServer]:
    """A provider that knows the app under test (its redirect URI from the settings), with one verified user."""
    from autocrm.services import sso

    sso.forget_discoveries()
    user = IdpUser(sub="idp-sub-1", email="sam.sso@example.com", name="Sam Sso")
    try:
        with running_provider(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=sso.callback_url(), user=user
        ) as provider:
            yield provider
    finally:
        sso.forget_discoveries()
