"""Request-body schemas of the endpoints the published payloads go to, from GitHub's OpenAPI description.

The files are the extracts in tests/fixtures/github/openapi (their `info.source` says where they come from).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

OPENAPI = Path(__file__).parent.parent / "fixtures" / "github" / "openapi"


def request_schema(operation: str) -> dict[str, Any]:
    """The JSON schema of an operation's request body (`checks__update`, `pulls__create-review`...)."""
    spec = json.loads((OPENAPI / f"{operation}.json").read_text(encoding="utf-8"))
    (path,) = spec["paths"].values()
    (op,) = path.values()
    schema: dict[str, Any] = op["requestBody"]["content"]["application/json"]["schema"]
    return schema


def assert_valid(body: dict[str, Any], operation: str) -> None:
    jsonschema.validate(body, request_schema(operation))
