"""Error messages stay short whatever the input quotes: cases the fuzzers found, kept as plain examples."""

from __future__ import annotations

import pytest

from checks.diff import DiffError, parse_diff
from tests.hardening.properties import MAX_MESSAGE, check_config

LONG = "x" * 20_000


@pytest.mark.parametrize(
    "text",
    [
        f"*{LONG}\nversion: 1\n",  # YAML names the undefined alias in its message
        f"rules:\n  {LONG}: {{enabled: false}}\n",  # an unknown rule's key is its location
        f"disable: [{LONG}]\n",
        f"{LONG}: 1\n",  # an unknown top-level key
        f"exclude: ['{LONG}']\n",  # a glob too long, quoted in the message
        f"policy: {{fail_on: {LONG}}}\n",
    ],
    ids=["alias", "rule-key", "rule-name", "top-level-key", "glob", "value"],
)
def test_a_config_error_quoting_a_huge_piece_of_the_file_stays_short(text: str) -> None:
    loaded = check_config(text)

    assert loaded.errors
    assert all(len(str(error)) <= MAX_MESSAGE for error in loaded.errors)


def test_an_unreadable_header_quotes_only_the_start_of_a_huge_line() -> None:
    text = f"diff --git a/x b/x\n--- a/x\n+++ b/{LONG}\n@@ -1 +1 @@\n-a\n+b\n"

    with pytest.raises(DiffError, match="unreadable file header") as caught:
        parse_diff(text)

    assert len(str(caught.value)) <= MAX_MESSAGE
