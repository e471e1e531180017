"""The provider layer's cost on a streamed answer: time to the first piece through AutoCRM (`provider.stream`,
the real `openai` client, the accounting row) against the same server's own first byte.

The server is the tests' local OpenAI-compatible server (`tests/llm_server.py`), answering at once, or after
`--server-delay` seconds to stand in for a provider's own thinking time; the target is the provider's own
time plus under a second.

    .venv/bin/python bench/ai_stream.py                 # 200 streamed answers, SQLite
    .venv/bin/python bench/ai_stream.py --server-delay 0.5 --calls 50

The chatbot's own first streamed word at 10,000 articles (retrieval, then the model) is measured with the
chatbot's latency, on the desk that bench builds: `bench/ai_eval_answer.py --skip-accuracy`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _raw_first_byte(url: str) -> float:
    """The server's own first byte of a streamed answer, over a plain socket (no client library)."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    body = b'{"model":"m","stream":true,"messages":[{"role":"user","content":"hello there"}]}'
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    started = time.perf_counter()
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(request)
        received = b""
        while b"data:" not in received:
            received += connection.recv(4096)
        first_byte = (time.perf_counter() - started) * 1000
        while connection.recv(4096):  # read it to the end: a socket closed early makes the server print errors
            pass
    return first_byte


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--server-delay", type=float, default=0.0)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="autocrm-bench-ai-"))
    os.environ.update({"AUTOCRM_DATA_DIR": str(data_dir), "AUTOCRM_SECRET_KEY": "bench"})
    from sqlmodel import SQLModel

    from autocrm.core.db import get_engine, read_session
    from autocrm.core.settings import reset_settings
    from autocrm.services.ai import provider
    from autocrm.services.ai.prompts import REWRITE, TONES
    from tests.llm_server import running_llm_server

    with running_llm_server() as server:
        server.delay_seconds = args.server_delay
        server.reply = lambda _body: "Thanks for waiting: the refund is on its way and reaches you within three days."
        os.environ.update({"AUTOCRM_LLM_BASE_URL": server.url, "AUTOCRM_LLM_MAX_RETRIES": "0"})
        reset_settings()
        SQLModel.metadata.create_all(get_engine())
        values = {"tone": TONES["friendly"], "text": "refund is on its way, 3 days"}
        first_pieces, wholes, raw = [], [], []
        for _ in range(args.calls):
            raw.append(_raw_first_byte(server.url))
            started = time.perf_counter()
            with read_session() as session:
                pieces = provider.stream(session, feature="rewrite", prompt=REWRITE, values=values)
                for number, _piece in enumerate(pieces):
                    if number == 0:
                        first_pieces.append((time.perf_counter() - started) * 1000)
            wholes.append((time.perf_counter() - started) * 1000)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.calls} streamed answers; server delay {args.server_delay} s\n")
    print("| what | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name, values_ in (
        ("the server's own first byte (plain socket)", raw),
        ("first piece through provider.stream", first_pieces),
        ("whole answer, accounted", wholes),
    ):
        print(f"| {name} | {statistics.median(values_):.1f} | {_percentile(values_, 0.95):.1f} |")
    print(
        f"\nAutoCRM's own share of the first piece, p95: "
        f"{_percentile(first_pieces, 0.95) - _percentile(raw, 0.95):.1f} ms (target: under 1,000 ms)"
    )


if __name__ == "__main__":
    main()
