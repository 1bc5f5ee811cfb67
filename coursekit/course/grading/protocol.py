"""What may cross the sandbox boundary, in both directions, and how the grader reads it.

Inputs go in as JSON (:func:`encode`).  Everything that comes back is untrusted
bytes: the student's code shares the process that writes the answers and can
write anything to that channel.  :func:`parse_line` accepts only

* a JSON object of bounded size and nesting depth, whose
* ``kind`` is one the grader expects, with fields of the expected types, and whose
* values are plain data (:func:`decode`): ``null``, booleans, numbers, strings of
  bounded length, and the tagged containers ``{"__ndarray__": [...], "dtype":
  "bool"|"int64"|"float64", "shape": [...]}`` (at most :data:`MAX_ELEMENTS`
  elements, shape consistent with the data, at most 8 dimensions),
  ``{"__sequence__": [...]}`` and ``{"__mapping__": {...}}`` nested at most
  :data:`MAX_DEPTH` deep.

Anything else raises :class:`ProtocolError`; the grader records it as that
student's error (0 for what is affected, and an attention line) -- never a
grader crash, never a missing row.  :func:`clean_text` strips control
characters (ANSI escapes included) from any text that came from a submission
before it reaches a terminal, a log or HTML.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

MAX_LINE_BYTES = 48 << 20      #: one answer line (a 1e6-element float array is ~25 MB of JSON)
MAX_DEPTH = 6                  #: nesting of containers inside a value
MAX_ELEMENTS = 1_000_000       #: elements of one array
MAX_ITEMS = 100_000            #: items of one sequence or mapping
MAX_STRING = 10_000            #: characters of one string value
MAX_ERROR = 400                #: characters of an error message kept
_DTYPES = {"bool": bool, "int64": np.int64, "float64": np.float64}
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class ProtocolError(ValueError):
    """A line from the sandbox that is not what the grader asked for."""


def clean_text(text: Any, limit: int = MAX_ERROR) -> str:
    """Text from a submission, safe for a terminal, a log line or HTML (after escaping)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _CONTROL.sub("", text[: 4 * limit]).replace("\t", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def encode(value: Any) -> Any:
    """Encode case inputs for the sandbox: numpy arrays as tagged lists, tuples tagged, the rest as JSON."""
    if isinstance(value, np.ndarray):
        arr = value
        if arr.dtype.kind == "f":
            flat = [None if not math.isfinite(x) and x != x else x for x in arr.ravel().tolist()]
        else:
            flat = arr.ravel().tolist()
        return {"__ndarray__": flat, "dtype": str(arr.dtype), "shape": list(arr.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def _depth_ok(raw: bytes) -> bool:
    """Bracket nesting of a JSON text (outside strings) stays within the limit (before json.loads recurses)."""
    depth, in_str, esc = 0, False, False
    limit = MAX_DEPTH + 4  # the message object and the value's own tag objects
    for b in raw:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:  # backslash
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            if depth > 2 * limit:
                return False
        elif b in (0x5D, 0x7D):
            depth -= 1
    return True


def decode(value: Any, depth: int = 0) -> Any:
    """Validate plain data from the sandbox and turn it into floats, ints, lists, dicts and arrays."""
    if depth > MAX_DEPTH:
        raise ProtocolError("answer nested too deeply")
    if value is None or type(value) is bool:
        return value
    if type(value) is int:
        if abs(value) > 2 ** 63:
            raise ProtocolError("integer out of range")
        return value
    if type(value) is float:
        return value
    if type(value) is str:
        if len(value) > MAX_STRING:
            raise ProtocolError("string too long")
        return value
    if type(value) is dict:
        if set(value) == {"__ndarray__", "dtype", "shape"}:
            return _decode_array(value)
        if set(value) == {"__sequence__"} and type(value["__sequence__"]) is list:
            items = value["__sequence__"]
            if len(items) > MAX_ITEMS:
                raise ProtocolError("sequence too long")
            return [decode(v, depth + 1) for v in items]
        if set(value) == {"__mapping__"} and type(value["__mapping__"]) is dict:
            items = value["__mapping__"]
            if len(items) > MAX_ITEMS:
                raise ProtocolError("mapping too large")
            return {clean_text(k, 200): decode(v, depth + 1) for k, v in items.items()}
    raise ProtocolError(f"unexpected {type(value).__name__} in an answer")


def _decode_array(value: dict) -> np.ndarray:
    dtype, shape, flat = value["dtype"], value["shape"], value["__ndarray__"]
    if type(dtype) is not str or dtype not in _DTYPES:
        raise ProtocolError("array dtype must be bool, int64 or float64")
    if type(shape) is not list or len(shape) > 8 or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS
                                                             for n in shape):
        raise ProtocolError("bad array shape")
    size = math.prod(shape)
    if type(flat) is not list or size > MAX_ELEMENTS or len(flat) != size:
        raise ProtocolError("array data does not match its shape")
    if dtype == "float64":
        if not all(type(x) in (int, float) or x is None for x in flat):
            raise ProtocolError("float array with non-numbers")
        data = [math.nan if x is None else x for x in flat]
    elif dtype == "int64":
        if not all(type(x) is int and abs(x) <= 2 ** 63 - 1 for x in flat):
            raise ProtocolError("int array with non-integers")
        data = flat
    else:
        if not all(type(x) is bool for x in flat):
            raise ProtocolError("bool array with non-booleans")
        data = flat
    return np.asarray(data, dtype=_DTYPES[dtype]).reshape(shape)


_FIELDS = {  # kind -> {field: allowed types}
    "ready": {"seq": (int,), "uid": (int,), "pid": (int,)},
    "cell": {"seq": (int,), "index": (int,), "ok": (bool,), "error_type": (str,), "error": (str,)},
    "call": {"seq": (int,), "key": (str,), "value": None, "error_type": (str,), "error": (str,)},
    "task-done": {"seq": (int,), "status": (str,)},
}
_REQUIRED = {"ready": {"seq"}, "cell": {"seq", "index", "ok"}, "call": {"seq", "key"},
             "task-done": {"seq", "status"}}


def parse_line(raw: bytes) -> dict:
    """One message from the sandbox, validated; raise :class:`ProtocolError` otherwise."""
    if len(raw) > MAX_LINE_BYTES:
        raise ProtocolError("message too long")
    if not _depth_ok(raw):
        raise ProtocolError("message nested too deeply")
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise ProtocolError("not a JSON message") from None
    if type(obj) is not dict or type(obj.get("kind")) is not str or obj["kind"] not in _FIELDS:
        raise ProtocolError("unknown message")
    kind = obj["kind"]
    allowed = _FIELDS[kind]
    for k, v in obj.items():
        if k == "kind":
            continue
        if k not in allowed:
            raise ProtocolError(f"unexpected field in a {kind} message")
        types = allowed[k]
        if types is not None and type(v) not in types:
            raise ProtocolError(f"bad {k} in a {kind} message")
    if not _REQUIRED[kind] <= set(obj):
        raise ProtocolError(f"incomplete {kind} message")
    if kind == "call":
        if ("value" in obj) == ("error" in obj):
            raise ProtocolError("a call message needs exactly one of value and error")
        if "value" in obj:
            obj["value"] = decode(obj["value"])
    for k in ("error", "error_type"):
        if k in obj:
            obj[k] = clean_text(obj[k], MAX_ERROR if k == "error" else 40)
    return obj
