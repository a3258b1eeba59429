"""Generate docs/configuration.md: the service's settings (`bot.settings`) and the `.github/debtbot.yml` keys.

`python -m bot.docs docs` writes it; `--check` only says whether the committed file is stale. A setting's
meaning is the `#:` comment above its field in bot/settings.py (else its `description`); a config key's is
the description in the JSON schema `checks.config.json_schema()` publishes.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import SecretStr
from pydantic.fields import FieldInfo

import checks.docs
from bot.settings import Settings
from checks.config import CONFIG_PATH, json_schema

CONFIGURATION_FILE = "configuration.md"
ENV_PREFIX = "DEBTBOT_"
UNSET = "unset"

_HEADER = f"""# Configuration reference

Generated from `bot/settings.py` and `checks/config.py` by `python -m bot.docs docs` (`make docs`):
edit those, not this file.

debtbot is configured in two places:

- **the service** (`debtbot serve`, `debtbot worker`, `debtbot migrate`): `{ENV_PREFIX}*` environment
  variables, or a `.env` file in the folder it starts in. The deployment manifests in `deploy/` set them
  (see [deploy.md](deploy.md));
- **each repository**: `{CONFIG_PATH}`, read at the base of every change (never at its head, so a pull
  request cannot switch its own checks off). Every key is optional; a broken file is reported and the
  review uses the defaults. The same file drives the App, `debtbot review`, the GitHub Action and the
  pre-commit hook.
"""


# --- the service's settings ---------------------------------------------------------------------------------------


def env_name(name: str, field: FieldInfo) -> str:
    """The environment variable a field is read from."""
    alias = field.validation_alias
    return alias if isinstance(alias, str) else f"{ENV_PREFIX}{name.upper()}"


def field_comments(model: type[Any]) -> dict[str, str]:
    """The `#:` comment lines right above each field of a class, joined, by field name."""
    source = inspect.getsource(sys.modules[model.__module__])
    text = source.splitlines()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == model.__name__)
    comments: dict[str, str] = {}
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        above: list[str] = []
        row = statement.lineno - 2  # the line above, counted from 0
        while row >= 0 and text[row].strip().startswith("#:"):
            above.insert(0, text[row].strip().removeprefix("#:").strip())
            row -= 1
        if above:
            comments[statement.target.id] = " ".join(above)
    return comments


def describe_setting(name: str, field: FieldInfo, comments: Mapping[str, str]) -> str:
    return comments.get(name) or field.description or ""


def type_name(annotation: Any) -> str:
    """A reader's name for a setting's type: `integer`, `secret`, ``one of `a`, `b` ``..."""
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return " or ".join(type_name(member) for member in members)
    names = {int: "integer", str: "text", bool: "boolean", float: "number", Path: "path", SecretStr: "secret"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_text(field: FieldInfo) -> str:
    """The default as a value to type; a description that starts `default:` says what an unset value means."""
    if field.description and field.description.startswith("default:"):
        return field.description.removeprefix("default:").strip()
    value = field.get_default(call_default_factory=True)
    if value is None:
        return UNSET
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return f"`{value}`" if str(value) else UNSET


def settings_rows() -> Iterator[tuple[str, str, str, str]]:
    """(variable, type, default, meaning) for every setting, in the order bot/settings.py declares them."""
    comments = field_comments(Settings)
    for name, field in Settings.model_fields.items():
        yield (
            f"`{env_name(name, field)}`",
            type_name(field.annotation),
            default_text(field),
            describe_setting(name, field, comments),
        )


def settings_reference() -> str:
    rows = "".join(f"| {' | '.join(_cell(c) for c in row)} |\n" for row in settings_rows())
    return (
        "## The service: environment variables\n\n"
        "Secrets (`secret`) never appear in logs, status pages or `repr`. In containers, prefer "
        "`DEBTBOT_PRIVATE_KEY_PATH` to a mounted file over the key's text in the environment.\n\n"
        "| variable | type | default | meaning |\n|---|---|---|---|\n" + rows
    )


# --- .github/debtbot.yml ------------------------------------------------------------------------------------------


class _Schema:
    """A walk over the config's JSON schema, `$ref`s resolved against its `$defs`."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.root = schema
        self.defs: Mapping[str, Any] = schema.get("$defs", {})

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        target = self.resolve(self.defs[ref.rsplit("/", 1)[-1]])
        # A property's own description and default win over its definition's.
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}

    def object_of(self, node: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The node itself when it is a mapping with named keys (after resolving), else None."""
        resolved = self.resolve(node)
        return resolved if "properties" in resolved else None

    def description(self, node: Mapping[str, Any]) -> str:
        """The node's description, else that of what it holds (a list's items, a mapping's values)."""
        node = self.resolve(node)
        for inner in (node, node.get("items"), node.get("additionalProperties")):
            if isinstance(inner, Mapping) and (text := self.resolve(inner).get("description")):
                return str(text)
        return ""

    def type_text(self, node: Mapping[str, Any]) -> str:
        node = self.resolve(node)
        if "anyOf" in node:
            members = [m for m in node["anyOf"] if m.get("type") != "null"]
            text = " or ".join(self.type_text(m) for m in members)
            return text + " or null" if len(members) < len(node["anyOf"]) else text
        if "const" in node:
            return f"`{_value(node['const'])}`"
        if "enum" in node:
            return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
        kind = node.get("type")
        if kind == "array":
            return "list of " + self._plural(self.type_text(node.get("items", {})))
        if kind == "object":
            if "properties" in node:
                return "mapping"
            keys = self.type_text(node["propertyNames"]) if "propertyNames" in node else "name"
            return f"mapping of {keys} to {self.type_text(node.get('additionalProperties', {}))}"
        if kind == "string" and node.get("format") == "date":
            return "date (YYYY-MM-DD)"
        return str(kind or "any") + _bounds(node)

    @staticmethod
    def _plural(text: str) -> str:
        return {"string": "strings", "mapping": "mappings", "integer": "integers"}.get(text, text)


def _default(node: Mapping[str, Any], *, required: bool) -> str:
    if "default" in node:
        return f"`{_value(node['default'])}`"
    return "required" if required else "—"


def _value(value: object) -> str:
    """A value as it is written in YAML: strings bare, the rest as JSON (`null`, `true`, `[]`)."""
    return value if isinstance(value, str) else json.dumps(value)


def _bounds(node: Mapping[str, Any]) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f" ({low} to {high})"
    if low is not None:
        return f" (≥ {low})"
    return ""


def config_rows(schema: Mapping[str, Any] | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(key, type, default, meaning) for every key of `.github/debtbot.yml`, nested keys after their parent."""
    walker = _Schema(schema if schema is not None else json_schema())
    yield from _rows(walker, walker.root, prefix="")


def _rows(walker: _Schema, node: Mapping[str, Any], *, prefix: str) -> Iterator[tuple[str, str, str, str]]:
    required = set(node.get("required", ()))
    for name, raw in node.get("properties", {}).items():
        key = f"{prefix}{name}"
        prop = walker.resolve(raw)
        yield f"`{key}`", walker.type_text(prop), _default(prop, required=name in required), walker.description(prop)
        if walker.object_of(prop) is not None:
            yield from _rows(walker, walker.resolve(prop), prefix=f"{key}.")
        elif prop.get("type") == "array" and (item := walker.object_of(prop.get("items", {}))) is not None:
            yield from _rows(walker, item, prefix=f"{key}[].")
        elif prop.get("type") == "object" and isinstance(prop.get("additionalProperties"), Mapping):
            value = walker.object_of(prop["additionalProperties"])
            if value is not None:
                yield from _rows(walker, value, prefix=f"{key}.<name>.")


def config_reference() -> str:
    rows = "".join(f"| {' | '.join(_cell(c) for c in row)} |\n" for row in config_rows())
    return (
        f"## Each repository: `{CONFIG_PATH}`\n\n"
        "The JSON schema is [config.schema.json](config.schema.json) (editors can validate the file with it); "
        "the rules and their codes are in [rules.md](rules.md). `key[]` is a key of each item of a list, "
        "`<name>` a rule's code or slug.\n\n"
        "| key | type | default | meaning |\n|---|---|---|---|\n" + rows
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- the document -------------------------------------------------------------------------------------------------


def configuration_reference() -> str:
    return f"{_HEADER}\n{settings_reference()}\n{config_reference()}"


def documents() -> dict[str, str]:
    """Every generated document by its file name."""
    return {CONFIGURATION_FILE: configuration_reference()}


def stale(folder: Path) -> list[str]:
    """Names of the generated documents in `folder` that differ from what the code generates now."""
    return checks.docs.stale(folder, documents)


def main(argv: Sequence[str] | None = None) -> int:
    return checks.docs.generator_main("python -m bot.docs", documents, argv)


if __name__ == "__main__":
    sys.exit(main())
