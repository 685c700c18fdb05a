"""Every JSON document Glottis reads from a person's disk is checked against one schema before
anything is built from it: each family's config, the voice card, the project file and the
durations file (``engine/resources/schemas/*.json``, JSON Schema 2020-12). What is wrong is said
in one sentence that names the file, the entry and what was expected::

    the config ljs.json: data.sampling_rate is "fast"; it should be a whole number from 8000
    to 192000

Reading goes through :func:`read_document` as well, so that a file that is not UTF-8, not JSON,
nested past Python's recursion limit or holding ``NaN`` or ``Infinity`` (which JSON does not
allow, but Python's reader accepts) is refused the same way. The schemas bound every size a
model is built from (channels, layers, kernels, speakers) and every rate; what one entry cannot
say alone (the product of the upsampling rates against the hop) is checked where the family's
config is read (:mod:`engine.checkpoints.config_formats`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from engine.package_data import resource

SCHEMAS = resource("schemas")
_SHOWN_CHARACTERS = 40  # of a wrong value, in the sentence

ErrorClass = Callable[[str], Exception]


def read_document(path: str | Path, schema: str, what: str, error: ErrorClass) -> Any:
    """The JSON document at ``path``, checked against the schema named ``schema``; ``error``
    (an exception class) raised with one sentence naming ``what`` (e.g. "config") and the path
    when it cannot be read or does not fit."""
    document = read_json(path, what, error)
    check(document, schema, f"the {what} {Path(path).name}", error)
    return document


def read_json(path: str | Path, what: str, error: ErrorClass) -> Any:
    """The JSON at ``path`` (UTF-8, a byte order mark allowed), or ``error`` with one sentence
    naming ``what`` and the path: missing, a folder, unreadable, not UTF-8, not JSON."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"no {what} at {path}") from None
    except IsADirectoryError:
        raise error(f"the {what} {path} is a folder, not a file") from None
    except OSError as failure:
        raise error(f"cannot read the {what} {path}: {failure.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"the {what} {path} is not UTF-8 text") from None
    return parse(text, f"the {what} {path}", error)


def parse(text: str, where: str, error: ErrorClass) -> Any:
    """JSON text as Python values, refusing ``NaN``, ``Infinity`` and nesting past the
    recursion limit with one sentence that starts with ``where``."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except _NotJson as failure:
        raise error(f"{where} holds {failure}, which JSON does not allow") from None
    except RecursionError:
        raise error(f"{where} nests its lists or objects too deeply") from None
    except ValueError as failure:
        raise error(f"{where} is not valid JSON: {failure}") from None


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(name)


def check(document: Any, schema: str, where: str, error: ErrorClass) -> None:
    """Raise ``error`` with one sentence, starting with ``where``, for the first entry of
    ``document`` that does not fit the schema named ``schema``."""
    from jsonschema.exceptions import best_match

    found = best_match(_validator(schema).iter_errors(document))
    if found is not None:
        raise error(_sentence(found, where))


@cache
def _validator(schema: str) -> Any:
    """The validator of ``engine/resources/schemas/SCHEMA.json`` (jsonschema is imported here,
    when a document is first checked: it costs 90 ms, which ``glottis --help`` does not pay)."""
    from jsonschema import Draft202012Validator

    loaded = json.loads((SCHEMAS / f"{schema}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(loaded)  # the schemas are checked by tests/engine/test_schemas.py


def _sentence(failure: Any, where: str) -> str:
    """What is wrong at the entry ``failure`` (a jsonschema ValidationError) points at, in a
    sentence that starts with ``where``."""
    entry = _entry(list(failure.absolute_path))
    subject = f"{where}: {entry}" if entry else where
    if failure.validator == "required":
        missing = [key for key in failure.validator_value if key not in failure.instance]
        return f"{subject} lacks the entry {missing[0]!r}"
    if failure.validator == "additionalProperties":
        extra = sorted(set(failure.instance) - set(failure.schema.get("properties", {})))
        return f"{subject} has the entry {extra[0]!r}, which it cannot have"
    return f"{subject} is {_shown(failure.instance)}; it should be {expected(failure.schema)}"


def _entry(path: list[str | int]) -> str:
    """``["data", "sampling_rate"]`` as ``data.sampling_rate``, list items as ``[2]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = json.dumps(value)  # escapes control characters: nothing raw reaches a terminal
    if len(text) > _SHOWN_CHARACTERS:
        return text[: _SHOWN_CHARACTERS - 1] + "…"
    return text


_KINDS = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def expected(schema: dict[str, Any]) -> str:
    """What a value that fits ``schema`` is, in words ("a whole number from 1 to 64")."""
    if "description" in schema:
        return str(schema["description"])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kinds = schema.get("type", [])
    kind = " or ".join(_KINDS[k] for k in ([kinds] if isinstance(kinds, str) else kinds))
    low, high, above = schema.get("minimum"), schema.get("maximum"), schema.get("exclusiveMinimum")
    if above is not None:
        kind += f" above {_number(above)}"
        kind += f" and at most {_number(high)}" if high is not None else ""
    elif low is not None and high is not None:
        kind += f" from {_number(low)} to {_number(high)}"
    elif low is not None:
        kind += f" of at least {_number(low)}"
    if kinds == "array":
        lengths = schema.get("minItems"), schema.get("maxItems")
        if lengths[0] and lengths[1]:
            kind += f" of {lengths[0]} to {lengths[1]} entries"
        elif lengths[0]:
            kind += " that is not empty"
    if kinds == "string" and schema.get("minLength"):
        kind = "a string that is not empty"
    return kind or "something else"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
