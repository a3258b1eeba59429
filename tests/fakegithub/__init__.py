"""A strict fake GitHub served over real HTTP on loopback, for testing the App's GitHub side.

It checks the App JWT and installation tokens (and which repositories each installation owns), validates
every request against GitHub's OpenAPI description, answers with GitHub's shapes, and records what a test
asserts on: check runs, reviews, comments, issues, requests, and protocol violations.
"""

from tests.fakegithub.diffs import DiffLimits
from tests.fakegithub.failures import Failure
from tests.fakegithub.fake import FakeGitHub
from tests.fakegithub.keys import AppKey, generate_app_key, shared_app_key
from tests.fakegithub.routes import Settings
from tests.fakegithub.state import Violation

__all__ = [
    "AppKey",
    "DiffLimits",
    "Failure",
    "FakeGitHub",
    "Settings",
    "Violation",
    "generate_app_key",
    "shared_app_key",
]
