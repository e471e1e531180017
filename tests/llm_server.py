"""A small OpenAI-compatible server for the AI tests: the real `openai` client talks to it over loopback HTTP.

It answers chat completions (whole or streamed as server-sent events, with usage), lists models, and can be
told to fail the next requests with a status, to wait before answering or between a stream's pieces, to
break a stream half-way, or to want a key. What it answers comes from `reply`, a function of the request's JSON body (by default it echoes
the last user message), and every request is kept in `requests` so a test can read what was asked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "test-model"


def echo(body: dict[str, Any]) -> str:
    users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    return f"Echo: {users[-1] if users else ''}"


@dataclass
class LLMServer:
    url: str = ""
    reply: Callable[[dict[str, Any]], str] = echo
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503
    delay_seconds: float = 0.0
    piece_delay_seconds: float = 0.0  # before each piece of a stream: a model writing at its own pace
    break_stream_after: int | None = None  # pieces sent before the connection is cut
    api_key: str | None = None  # when set, other keys get 401

    def reset(self) -> None:
        self.reply, self.fail_next, self.fail_status, self.delay_seconds = echo, 0, 503, 0.0
        self.piece_delay_seconds = 0.0
        self.break_stream_after, self.api_key = None, None
        self.requests.clear()
        self.paths.clear()


def _handler(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:  # quiet
            return

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refused(self) -> bool:
            if (
                server.api_key
                and self.headers.get("Authorization") != f"Bearer {server.api_key}"
                and (self.headers.get("api-key") != server.api_key)
            ):
                self._send_json(
                    401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
                )
                return True
            if server.fail_next > 0:
                server.fail_next -= 1
                self._send_json(server.fail_status, {"error": {"message": "overloaded", "type": "server_error"}})
                return True
            return False

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            server.paths.append(self.path)
            if self._refused():
                return
            if self.path.split("?")[0].endswith("/models"):
                self._send_json(
                    200,
                    {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "tests"}]},
                )
            else:
                self._send_json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            server.paths.append(self.path)
            server.requests.append(body)
            if server.delay_seconds:
                time.sleep(server.delay_seconds)
            if self._refused():
                return
            if not self.path.split("?")[0].endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": "not found"}})
                return
            text = server.reply(body)
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            completion_tokens = len(text.split())
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            model = body.get("model", MODEL)
            if not body.get("stream"):
                self._send_json(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        ],
                        "usage": usage,
                    },
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for number, piece in enumerate(_pieces(text)):
                if server.piece_delay_seconds:
                    time.sleep(server.piece_delay_seconds)
                if server.break_stream_after is not None and number >= server.break_stream_after:
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}, model)
            self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, model)
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event({"choices": [], "usage": usage}, model)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _event(self, payload: dict[str, Any], model: str) -> None:
            chunk = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                **payload,
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for number, word in enumerate(words):
        yield word if number == 0 else " " + word


@contextmanager
def running_llm_server() -> Iterator[LLMServer]:
    state = LLMServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
