"""Typed reads of a generation request's JSON body; anything malformed becomes the 400 the real API would send."""

from typing import Any, TypeAlias, TypeVar

import orjson

from simulator.errors import ApiError

JsonObject: TypeAlias = dict[str, Any]
_Expected = TypeVar("_Expected", str, bool, dict[str, Any], list[Any])

_JSON_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    dict: "an object",
    list: "an array",
}


def _json_type_name(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), "null")


def missing_parameter(param: str) -> ApiError:
    return ApiError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def invalid_type(param: str, expected: str, value: object) -> ApiError:
    message = f"Invalid type for '{param}': expected {expected}, but got {_json_type_name(value)} instead."
    return ApiError(400, message, param=param, code="invalid_type")


def json_object(raw: bytes) -> JsonObject:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        message = (
            "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, "
            f"but what was sent was not valid JSON ({exc})."
        )
        raise ApiError(400, message) from exc
    if not isinstance(body, dict):
        raise invalid_type("body", "an object", body)
    return body


def optional_field(container: JsonObject, key: str, expected: type[_Expected], *, param: str = "") -> _Expected | None:
    """`container[key]` unless absent or null; `param` names a nested field in errors, e.g. `reasoning.summary`."""
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, expected):
        raise invalid_type(param or key, _JSON_TYPE_NAMES[expected], value)
    return value


def required_field(container: JsonObject, key: str, expected: type[_Expected], *, param: str = "") -> _Expected:
    value = optional_field(container, key, expected, param=param)
    if value is None:
        raise missing_parameter(param or key)
    return value
