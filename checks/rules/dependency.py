"""Dependency debt: requirements, VCS pins, lock files, container images, environments and ad-hoc installs.

Each concern lives in its own `dependency_*` module; importing this one registers them all.
"""

from checks.rules import (
    dependency_code,
    dependency_containers,
    dependency_environments,
    dependency_imports,
    dependency_locks,
    dependency_python2,
    dependency_references,
    dependency_requirements,
    dependency_vcs,
)

__all__ = [
    "dependency_code",
    "dependency_containers",
    "dependency_environments",
    "dependency_imports",
    "dependency_locks",
    "dependency_python2",
    "dependency_references",
    "dependency_requirements",
    "dependency_vcs",
]
