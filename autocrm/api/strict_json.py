"""Request bodies are parsed as strict JSON, so values no database column can hold never reach a service.

Python's `json` accepts NaN and Infinity, integers of any size and any string, but PostgreSQL's JSON type
rejects NaN, neither database takes integers beyond 64 bits, PostgreSQL text cannot hold NUL, and
lone surrogates cannot be encoded at all. Each of those would otherwise surface as a database error
(an HTTP 500) instead of a 400 that tells the client what is wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from autocrm.core.i18n import t

MAX_JSON_INTEGER = 2**63 - 1


class _Rejected(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Rejected(t("{name} is not a JSON number", name=name))


def _bounded_int(text: str) -> int:
    # Checked on the text first: int() of a huge digit string is itself slow.
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) > MAX_JSON_INTEGER:
        raise _Rejected(t("the integer {number} is out of range", number=text[:24] + ("…" if len(text) > 24 else "")))
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Rejected(t("the number {number} is out of range", number=text[:24]))
    return value


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise _Rejected(t("text must not contain NUL characters (\\u0000)"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Rejected(t("text must not contain unpaired surrogates")) from None


def _check_strings(value: Any) -> None:
    # Iterative, so a deeply nested document cannot exhaust the stack here.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append(child)
        elif isinstance(item, list):
            pending.extend(item)


def parse_strict_json(raw: bytes) -> Any:
    """The document in `raw`, or `json.JSONDecodeError` (which FastAPI reports as invalid JSON)."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_int=_bounded_int, parse_float=_finite_float)
        _check_strings(value)
    except _Rejected as exc:
        raise json.JSONDecodeError(str(exc), "", 0) from None
    except UnicodeDecodeError:
        raise json.JSONDecodeError(t("the body is not UTF-8 text"), "", 0) from None
    except RecursionError:
        raise json.JSONDecodeError(t("the document is nested too deeply"), "", 0) from None
    return value


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_strict_json(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_json_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_json_handler
