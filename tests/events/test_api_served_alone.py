"""Issue 14: the REST API served alone (`granian ... autocrm.api:app`, no Reflex) plus one `autocrm worker` on the
embedded default's data folder does what `autocrm serve` does after a write: the acknowledgement mail is
written and the signed webhook goes out. The worker polls only every 60 s, so both arrive in time only because
the API process's commit rings the worker through the data folder's doorbell."""

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from autocrm.models import Role
from tests.factories import make_api_key, make_user
from tests.webhook_receiver import receiver

ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["tickets:read", "tickets:write", "webhooks:manage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API server exited"
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the API server did not answer")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_api_served_alone_and_one_worker_send_the_mail_and_the_webhook(db_url, tmp_path):
    admin = make_user(Role.admin)
    customer = make_user(Role.customer)
    key = make_api_key(scopes=SCOPES, role=Role.admin, by=admin)
    port = _free_port()
    env = {
        **os.environ,
        "AUTOCRM_JOB_POLL_SECONDS": "60",
        "AUTOCRM_WEBHOOK_ALLOW_PRIVATE": "1",
        "AUTOCRM_BASE_URL": f"http://localhost:{port}",
    }
    api = subprocess.Popen(  # noqa: S603 (the project's own venv)
        [str(ROOT / ".venv/bin/granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", "1", "--log-level", "warning", "autocrm.api:app"],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/autocrm"), "worker"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {key}"}
    try:
        assert worker.stderr is not None and "started" in worker.stderr.readline()
        _wait_until_up(f"{base}/openapi.json", api)
        time.sleep(1)  # the worker's doorbell is listening once it has started
        with receiver() as hook:
            created = httpx.post(
                f"{base}/webhooks", headers=headers, json={"url": hook.url, "events": ["ticket.created"]}
            )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]
            ticket = httpx.post(
                f"{base}/tickets",
                headers=headers,
                json={"subject": "Card declined abroad", "body": "<p>My card was refused.</p>"}
                | {"requester_id": customer.id},
            )
            assert ticket.status_code == 201, ticket.text
            (delivery,) = hook.wait_for(1, timeout=20)
            body = Webhook(secret).verify(delivery.body, delivery.headers)
            assert body["type"] == "ticket.created"
            assert body["data"]["ticket"]["number"] == ticket.json()["number"]
            outbox = tmp_path / "data" / "outbox"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not list(outbox.glob("*.eml")):
                time.sleep(0.1)
            (mail,) = outbox.glob("*.eml")
            text = mail.read_text()
            assert customer.email in text and f"[#{ticket.json()['number']}]" in text
    finally:
        for process in (api, worker):
            process.terminate()
        for process in (api, worker):
            process.wait(timeout=20)
