"""Code debt: self-admitted debt, suppressions, skipped tests, notebook hygiene, artifacts, broken code.

Each concern lives in its own `code_*` module; importing this one registers them all.
"""

from checks.rules.code_artifacts import committed_artifacts
from checks.rules.code_dead import dead_code
from checks.rules.code_debug import debug_leftovers
from checks.rules.code_glue import glue_code_hacks
from checks.rules.code_hardware import hardcoded_device
from checks.rules.code_notebook import notebook_execution_order, notebook_outputs
from checks.rules.code_notebook_hygiene import notebook_hygiene, notebook_pipeline
from checks.rules.code_satd import satd_phrase, satd_tag
from checks.rules.code_suppressions import lint_suppression
from checks.rules.code_syntax import python_syntax_error
from checks.rules.code_tests import skipped_tests

__all__ = [
    "committed_artifacts",
    "dead_code",
    "debug_leftovers",
    "glue_code_hacks",
    "hardcoded_device",
    "lint_suppression",
    "notebook_execution_order",
    "notebook_hygiene",
    "notebook_outputs",
    "notebook_pipeline",
    "python_syntax_error",
    "satd_phrase",
    "satd_tag",
    "skipped_tests",
]
