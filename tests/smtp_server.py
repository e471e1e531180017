"""A real SMTP server on a free loopback port (aiosmtpd), for the SMTP mailer's tests.

`SmtpServer(tls=...)` starts a server in a thread of its own: plain, offering STARTTLS with a self-signed
certificate made at start, or speaking TLS from the first byte (smtps); `auth=(user, password)` makes it
demand that login. Every accepted message lands in `.messages` as (envelope sender, recipients, parsed mail).
"""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
import threading
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def make_self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost; the certificate is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "autocrm test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.server.lock:
            self.server.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpServer:
    def __init__(self, folder: Path, *, tls: str = "none", auth: tuple[str, str] | None = None) -> None:
        assert tls in ("none", "starttls", "smtps")
        self.messages: list[tuple[str, list[str], Message]] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.tls = tls
        self.cert_file: Path | None = None
        context: ssl.SSLContext | None = None
        if tls != "none":
            self.cert_file, key_file = make_self_signed(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_file, key_file)
        self._auth = auth
        options: dict[str, Any] = {}
        if auth is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
            # Plain-text AUTH only over TLS, as a real relay would; the plain server allows it for the test.
            options["auth_require_tls"] = tls != "none"
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        self.controller = Controller(
            _Collect(self),
            hostname=HOST,
            port=free_port(),
            ssl_context=context if tls == "smtps" else None,
            server_hostname="localhost",
            **options,
        )

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and self._auth is not None:
            user, password = data.login.decode(), data.password.decode()
            if (user, password) == self._auth:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
