"""A real IMAP server for the e-mail channel's tests: Debian's dovecot, started on a free loopback port with a
config, mail folder and password of its own (no system service involved; `scripts/bootstrap.sh --dev` installs
it). `append` puts a raw message in a folder, as a mail server delivering it would."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
USER = "support"
PASSWORD = "imap-test-password"  # noqa: S105 (a throwaway test server's)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Dovecot:
    def __init__(self) -> None:
        if not os.access(DOVECOT, os.X_OK):
            raise RuntimeError("dovecot is not installed: run `bash scripts/bootstrap.sh --dev`")
        self.root = Path(tempfile.mkdtemp(prefix="autocrm-dovecot-"))
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def _config(self) -> str:
        # Dovecot never gives mail to uid 0: as root, the mail belongs to its own `dovecot` user.
        if os.getuid() == 0:
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        for folder in ("mail", "home"):
            (self.root / folder).mkdir()
            os.chown(self.root / folder, uid, gid)
        self.root.chmod(0o755)
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = {HOST}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.root}/mail/%u
first_valid_uid = {min(uid, 100)}
default_internal_user = {"dovecot" if os.getuid() == 0 else pwd.getpwuid(uid).pw_name}
default_login_user = {"dovenull" if os.getuid() == 0 else pwd.getpwuid(uid).pw_name}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    def __enter__(self) -> Dovecot:
        config = self.root / "dovecot.conf"
        config.write_text(self._config())
        self._process = subprocess.Popen([DOVECOT, "-c", str(config), "-F"], stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"dovecot did not start: {(self.root / 'dovecot.log').read_text(errors='replace')}")

    def __exit__(self, *_exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
            self._process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(HOST, self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raws: list[bytes], folder: str = "INBOX") -> None:
        client = self.client()
        try:
            for raw in raws:
                client.append(folder, None, None, raw)
        finally:
            client.logout()

    def create_folder(self, folder: str) -> None:
        client = self.client()
        try:
            client.create(folder)
        finally:
            client.logout()

    def count(self, folder: str = "INBOX", criteria: str = "ALL") -> int:
        client = self.client()
        try:
            client.select(folder)
            _, data = client.uid("SEARCH", criteria)
            return len(data[0].split()) if data and data[0] else 0
        finally:
            client.logout()
