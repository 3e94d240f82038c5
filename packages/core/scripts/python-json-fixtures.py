"""Writes test/fixtures/python-json-dumps.json: callback bodies as Python's own json.dumps
writes them (Beam's runner serializes with json.dumps defaults), signed with Python's hmac.

The values are described without any decimal or JSON formatting, so a test can rebuild them
in JavaScript independently of what it checks: floats as their IEEE-754 bits, integers as
decimal digits, strings as UTF-16 code units, containers as lists of pairs.

Run from packages/core:  python3 scripts/python-json-fixtures.py
"""

import base64
import hashlib
import hmac
import json
import math
import platform
import random
import struct
from pathlib import Path

SECRET = "sk_python_fixture_key"
TIMESTAMP = 1764230400

# Values a JavaScript value can express exactly: createTestCallback({ data }) must write
# these bytes. Python floats become JS numbers, ints below 2**53 JS numbers, larger ints BigInt.
EXPRESSIBLE = {
    "small-floats": {"tiny": 1e-07, "small": 1e-05, "edge": 0.0001, "thousandth": 0.001, "below": 9.99e-05},
    "fractions": [0.1, 0.5, 1.5, -2.5, 0.30000000000000004, 1 / 3, math.pi, 123456.789, -1e-300],
    "large-floats": [1e16, 1e17, 1e21, 1e22, 1e100, 1.2345678901234568e20, 9007199254740993.0, 9007199254740994.0],
    "float-extremes": [1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1e-320],
    "negative-zero": {"neg_zero": -0.0, "zero": 0},
    "integers": [0, -1, 42, 2**53 - 1, -(2**53 - 1)],
    "large-integers": {"id": 2**53 + 1, "ns": 1764230400123456789, "u64": 2**64, "i64_min": -(2**63), "two53": 2**53},
    "strings": ["", "plain", "caf\u00e9 \u2014 \u6771\u4eac \U0001F680", "\x00\x1f\x7f\x80\x9f\xa0", "a\u2028b\u2029c"],
    "escapes": ['quote " back \\ slash /', "\b\f\n\r\t", "</script>&<!--", "\ud800 lone \udfff"],
    "nested": {"images": [{"url": "https://example.com/a.png", "w": 512}], "ok": True, "none": None, "empty": {}, "list": []},
    "key-order": {"zeta": 1, "alpha": 2, "mid": {"y": [], "x": {}}},
    "null": None,
    "false": False,
    "string-data": "done",
    "list-data": [1, 2.5, "three", None, False],
    "function-error": {"error": "division by zero"},
    "endpoint-traceback": {
        "error": 'Traceback (most recent call last):\n  File "app.py", line 11, in handler\n    return 1 / 0\nZeroDivisionError: division by zero\n'
    },
}



def random_floats(count):
    """Finite doubles from random bit patterns (every exponent), seeded so the file is stable."""
    rng = random.Random(15)
    values = []
    while len(values) < count:
        value = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isfinite(value) and not (value.is_integer() and abs(value) < 2**53):
            values.append(value)
    return values


EXPRESSIBLE["random-floats"] = random_floats(300)
EXPRESSIBLE["random-decimals"] = [
    x for x in (round(random.Random(i).uniform(-1e6, 1e6), 1 + i % 12) for i in range(100)) if not x.is_integer()
]

# What JavaScript cannot say: a float with an integral value below 2**53 (a JS number prints
# as an integer), integer-like keys after others (a JS object moves them first), non-string
# keys. createTestCallback({ body }) sends these as is.
BODY_ONLY = {
    "integral-floats": [1.0, -3.0, 1e15, 2.0**52],
    "integer-like-key-order": {"b": 1, "10": 2, "2": 3},
    "non-string-keys": {None: "c", 1: "a", 2.5: "b", False: "d"},
}


def describe(value):
    """The value as tagged lists, with no decimal or JSON formatting of its own."""
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", struct.pack(">d", value).hex()]
    if isinstance(value, str):
        return ["str", value.encode("utf-16-be", "surrogatepass").hex()]
    if isinstance(value, list):
        return ["list", [describe(item) for item in value]]
    if isinstance(value, dict):
        # json.dumps turns every key into a string; describe the string it writes.
        return ["dict", [[describe(key_text(key)), describe(item)] for key, item in value.items()]]
    raise TypeError(type(value))


def key_text(key):
    """The string json.dumps writes for a dict key."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return repr(key)
    return str(key)


def case(name, data, expressible):
    body = json.dumps({"data": data})
    message = base64.b64encode(body.encode("utf-8")) + b":" + str(TIMESTAMP).encode()
    signature = hmac.new(SECRET.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return {"name": name, "expressible": expressible, "data": describe(data), "body": body, "signature": signature}


def main():
    fixture = {
        "note": "Written by scripts/python-json-fixtures.py with Python's json.dumps and hmac; never by taskhook.",
        "python": platform.python_version(),
        "secret": SECRET,
        "timestamp": TIMESTAMP,
        "cases": [case(n, d, True) for n, d in EXPRESSIBLE.items()] + [case(n, d, False) for n, d in BODY_ONLY.items()],
    }
    out = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "python-json-dumps.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cases = fixture.pop("cases")
    head = json.dumps(fixture)[:-1]
    text = head + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n"
    out.write_text(text, encoding="ascii")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
