"""Failures a test asks for: an error status, a slow answer, or one that never comes, on matching requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Failure:
    """Applies to requests whose method matches and whose path `re.search`es `path_regex`.

    `status=None` with a `delay` answers normally, late; `delay=math.inf` never answers (until shutdown).
    `applied=True` carries the request out before answering `status` (a proxy failing after GitHub wrote).
    `times=None` applies to every matching request; `hits` counts how often it applied.
    """

    method: str
    path_regex: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int | None = 1
    delay: float = 0.0
    hits: int = 0
    applied: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method.upper()) and re.search(self.path_regex, path) is not None


class FailurePlan:
    def __init__(self) -> None:
        self._failures: list[Failure] = []

    def add(self, failure: Failure) -> Failure:
        self._failures.append(failure)
        return failure

    def take(self, method: str, path: str) -> Failure | None:
        """The first failure that applies to this request, counted as used."""
        for failure in self._failures:
            if failure.matches(method, path):
                failure.hits += 1
                return failure
        return None

    def clear(self) -> None:
        self._failures.clear()
