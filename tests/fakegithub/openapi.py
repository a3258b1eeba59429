"""GitHub's own OpenAPI description of the operations the fake serves: routing, request and response checks.

The documents in tests/fixtures/github/openapi/ are extracts of GitHub's description (see the README there).
OpenAPI 3.0 schemas differ from JSON Schema in one way that matters here, `nullable`; they are converted
once and checked with jsonschema's Draft 4 validator (3.0 schemas are a Draft 4 dialect).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

SPEC_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "openapi"
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_METHODS = ("get", "put", "post", "patch", "delete")


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes an explicit null alternative."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = dict(node)
    if "properties" in out:
        out["properties"] = {name: json_schema(sub) for name, sub in out["properties"].items()}
    for key in ("items", "not", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = json_schema(out[key])
    for key in _SCHEMA_LISTS:
        if key in out:
            out[key] = [json_schema(sub) for sub in out[key]]
    if out.pop("nullable", False) is True:
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "type" not in out:
            return {"anyOf": [{"type": "null"}, out]}
    return out


def _convert_schemas(node: Any) -> Any:
    """Every schema in a document converted: the values under `schema` keys and `components/schemas`."""
    if isinstance(node, list):
        return [_convert_schemas(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: json_schema(value) if key == "schema" else _convert_schemas(value) for key, value in node.items()}
    components = out.get("components")
    if isinstance(components, dict) and "schemas" in components:
        components["schemas"] = {name: json_schema(s) for name, s in node["components"]["schemas"].items()}
    return out


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]


@dataclass(frozen=True, eq=False)
class Operation:
    """One operation of GitHub's description, with validators bound to its own document."""

    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    document: dict[str, Any]
    docs_url: str
    _validators: dict[str, Draft4Validator] = field(default_factory=dict, repr=False)

    @property
    def _raw(self) -> dict[str, Any]:
        op: dict[str, Any] = self.document["paths"][self.template][self.method.lower()]
        return op

    def _validator(self, pointer: str) -> Draft4Validator:
        # In Draft 4 the siblings of `$ref` are ignored, so the whole document can ride along as the root
        # that nested `#/components/...` references resolve against.
        if pointer not in self._validators:
            self._validators[pointer] = Draft4Validator({**self.document, "$ref": pointer})
        return self._validators[pointer]

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None

    @property
    def takes_body(self) -> bool:
        return "requestBody" in self._raw

    @property
    def body_required(self) -> bool:
        return bool(self._raw.get("requestBody", {}).get("required", False))

    def _body_schema_pointer(self) -> str:
        return _pointer(
            "paths", self.template, self.method.lower(), "requestBody", "content", "application/json", "schema"
        )

    def body_problems(self, body: Any) -> list[str]:
        """Why GitHub would reject this request body (empty when it is valid)."""
        schema_pointer = self._body_schema_pointer()
        validator = self._validator(schema_pointer)
        return [_describe(error) for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))]

    def unknown_fields(self, body: Any) -> list[str]:
        """Body fields the description does not name: GitHub ignores them, which hides misspelt fields."""
        schema = _resolve(self.document, self._raw["requestBody"]["content"]["application/json"]["schema"])
        return list(_unknown(self.document, schema, body, "body"))

    def coerce_query(self, query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str], list[str]]:
        """Query values typed as the description says: (values, problems, unknown parameter names)."""
        declared = {p.name: p for p in self.parameters if p.location == "query"}
        values: dict[str, Any] = {}
        problems: list[str] = []
        unknown = [name for name in query if name not in declared]
        for name, raw_values in query.items():
            parameter = declared.get(name)
            if parameter is None:
                continue
            value: Any = raw_values[-1]
            kind = parameter.schema.get("type")
            if kind == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    problems.append(f"query {name}: {value!r} is not an integer")
                    continue
                value = int(value)
            elif kind == "boolean":
                value = value == "true"
            problems.extend(
                f"query {name}: {_describe(e)}" for e in Draft4Validator(parameter.schema).iter_errors(value)
            )
            values[name] = value
        return values, problems, unknown

    def response_problems(self, status: int, body: Any) -> list[str]:
        """Where a JSON answer of the fake departs from GitHub's description of this operation."""
        responses = self._raw.get("responses", {})
        if str(status) not in responses:
            # GitHub answers 404, 401 and others on every operation, described or not
            return [] if status >= 400 else [f"status {status} is not described for {self.operation_id}"]
        response = _resolve(self.document, responses[str(status)])
        content = response.get("content", {})
        if "application/json" not in content or "schema" not in content["application/json"]:
            return []
        pointer = self._response_schema_pointer(str(status), responses[str(status)])
        validator = self._validator(pointer)
        return [_describe(error) for error in validator.iter_errors(body)]

    def _response_schema_pointer(self, status: str, response: Mapping[str, Any]) -> str:
        if "$ref" in response:
            return str(response["$ref"]) + "/content/application~1json/schema"
        return _pointer(
            "paths", self.template, self.method.lower(), "responses", status, "content", "application/json", "schema"
        )

    def example(self, status: str, index: int = 0) -> Any:
        """GitHub's own example answer, as a fresh copy the caller may change."""
        content = self._raw["responses"][status]["content"]
        media = content.get("application/json") or next(iter(content.values()))
        examples = list(media["examples"].values())
        found = _resolve(self.document, examples[index])
        value = found["value"]
        if isinstance(value, dict) and set(value) == {"$ref"}:
            value = _resolve(self.document, value)["value"]
        return copy.deepcopy(value)


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    message = str(error.message)
    if len(message) > 200:  # jsonschema quotes the whole value: keep a 65 KB summary out of the answer
        message = f"{message[:80]} ... {message[-80:]}"
    return f"{where}: {message}"


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _declared_properties(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """Every property an object schema (and its alternatives) names; None when any property is allowed."""
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, dict):
        return None
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    for key in _SCHEMA_LISTS:
        for alternative in schema.get(key, []):
            resolved = _resolve(document, alternative)
            properties.update({k: v for k, v in resolved.get("properties", {}).items() if k not in properties})
    return properties


def _unknown(document: Mapping[str, Any], schema: Any, value: Any, where: str) -> Iterator[str]:
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        properties = _declared_properties(document, schema)
        if properties is None or not properties:
            return
        for name, item in value.items():
            if name not in properties:
                yield f"{where}/{name}"
            else:
                yield from _unknown(document, properties[name], item, f"{where}/{name}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _unknown(document, schema["items"], item, f"{where}/{index}")


def _path_pattern(template: str, parameters: Mapping[str, Parameter]) -> re.Pattern[str]:
    def group(found: re.Match[str]) -> str:
        name = found.group(1)
        parameter = parameters.get(name)
        if name == "path":
            body = ".+"  # a repository path keeps its slashes
        elif parameter is not None and parameter.schema.get("type") == "integer":
            body = r"\d+"
        else:
            body = "[^/]+"
        return f"(?P<{name}>{body})"

    return re.compile(re.sub(r"\\\{(\w+)\\\}", group, re.escape(template)))


def _load(path: Path) -> Operation:
    document = _convert_schemas(json.loads(path.read_text(encoding="utf-8")))
    ((template, item),) = document["paths"].items()
    ((method, raw),) = ((m, op) for m, op in item.items() if m in _METHODS)
    parameters = {}
    for node in raw.get("parameters", []):
        resolved = _resolve(document, node)
        parameters[resolved["name"]] = Parameter(
            name=resolved["name"],
            location=resolved["in"],
            required=bool(resolved.get("required", False)),
            schema=resolved.get("schema", {}),
        )
    return Operation(
        operation_id=raw["operationId"],
        method=method.upper(),
        template=template,
        pattern=_path_pattern(template, parameters),
        parameters=tuple(parameters.values()),
        document=document,
        docs_url=raw.get("externalDocs", {}).get("url", "https://docs.github.com/rest"),
    )


class Spec:
    """Every operation extracted into the fixtures folder, keyed by operation id."""

    def __init__(self, folder: Path = SPEC_DIR) -> None:
        self.operations = {op.operation_id: op for op in map(_load, sorted(folder.glob("*.json")))}

    def __getitem__(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def route(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for operation in self.operations.values():
            params = operation.match(method, path)
            if params is not None:
                return operation, params
        return None


@cache
def github_spec() -> Spec:
    """The description is read once per test session: it is large and never changes."""
    return Spec()
