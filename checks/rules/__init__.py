"""The rule families; importing this package registers every rule in the catalog."""

from checks.rules import code, data, dependency, model

__all__ = ["code", "data", "dependency", "model"]
