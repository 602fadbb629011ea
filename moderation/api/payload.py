"""Reading a JSON request body defensively: valid UTF-8, real JSON (no NaN), bounded nesting, no lone surrogates."""
import json

from flask.json.provider import DefaultJSONProvider

MAX_NESTING = 20


class PayloadError(ValueError):
    """The body is not JSON this service accepts; the message says why."""


def _no_constants(name):
    raise PayloadError(f"{name} is not a JSON value.")


def _check(value, level=0):
    if level > MAX_NESTING:
        raise PayloadError(f"Nested deeper than {MAX_NESTING} levels.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadError("A string holds a lone surrogate (\\ud800-\\udfff), which is not text.") from None
    elif isinstance(value, dict):
        for name, child in value.items():
            _check(name, level + 1)
            _check(child, level + 1)
    elif isinstance(value, list):
        for child in value:
            _check(child, level + 1)


def read_json(raw):
    """The JSON value of raw bytes, or PayloadError."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except PayloadError:
        raise
    except UnicodeDecodeError as error:
        raise PayloadError(f"The body is not valid UTF-8 (byte {error.start}).") from None
    except RecursionError:
        raise PayloadError(f"Nested deeper than {MAX_NESTING} levels.") from None
    except ValueError as error:
        raise PayloadError(str(error)[:160]) from None
    _check(value)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON for every request body: nesting too deep to parse is a ValueError (so a 400), not a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise PayloadError("Nested too deeply to read.") from None
