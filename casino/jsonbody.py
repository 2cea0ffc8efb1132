"""One strict reading of a JSON request body, used by every API that takes one (the native and
Hub88 wallet calls, the front end's launch).

Strict so that a body has one meaning, for us and for whoever signed or sent it, and so that no
body, however hostile, ends in a server error:
- UTF-8 only, with no byte order mark (json.loads would also guess UTF-16 and UTF-32);
- each key at most once per object (json.loads keeps the last, other readers the first: a
  signed {"amount": 1, "amount": 5000} must not debit 5000 when the sender logged 1);
- no NaN, Infinity or numbers too large for a float (not JSON; they would read as inf);
- at most MAX_DEPTH levels of nesting (Python's parser recurses: a couple of thousand levels
  raise RecursionError, and no API of ours takes more than a few).
"""

from __future__ import annotations

import json
import math

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

MAX_DEPTH = 32
BOM = b"\xef\xbb\xbf"


class JsonBodyError(ValueError):
    """The body is not one plain JSON object; the message says why, for the sender."""


def read_body(request: HttpRequest) -> bytes:
    """The raw body, or JsonBodyError when it is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (Django
    would answer its own HTML 400; our APIs answer in their own format)."""
    try:
        return request.body
    except RequestDataTooBig:
        raise JsonBodyError("the body is larger than we accept") from None


def load_json_object(raw: bytes) -> dict:
    """The JSON object `raw` holds, read strictly (see the module docstring)."""
    if raw.startswith(BOM):
        raise JsonBodyError("the body must be UTF-8 without a byte order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonBodyError("the body must be UTF-8") from None
    try:
        payload = json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant, parse_float=_float)
    except RecursionError:
        raise JsonBodyError(f"the body is nested more than {MAX_DEPTH} levels deep") from None
    except JsonBodyError:
        raise
    except ValueError:  # JSONDecodeError, and integers longer than Python converts
        raise JsonBodyError("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise JsonBodyError("the body must be a JSON object")
    # A body with fewer brackets than the limit cannot nest deeper (the usual, flat case).
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _deeper_than(MAX_DEPTH, payload):
        raise JsonBodyError(f"the body is nested more than {MAX_DEPTH} levels deep")
    return payload


def _object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonBodyError(f"the key {key!r} appears more than once")
            seen.add(key)
    return obj


def _refuse_constant(name: str):
    raise JsonBodyError(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonBodyError("a number is too large to read")
    return value


def _deeper_than(limit: int, value) -> bool:
    """Whether `value` holds an object or array more than `limit` levels down (itself at 1)."""
    if not isinstance(value, dict | list):
        return False
    if limit <= 0:
        return True
    items = value.values() if isinstance(value, dict) else value
    # The recursion is bounded by `limit`: the walk stops there.
    return any(_deeper_than(limit - 1, item) for item in items)
