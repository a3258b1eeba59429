"""Fuzzing the three readers of untrusted text: the diff parser, the notebook reader and the config loader.

A CI-sized budget of examples each; `python -m bench.fuzz --minutes N` runs the same properties for longer and
checks that time grows linearly with input size. Seeds are valid inputs (tests/hardening/seeds.py), mutated
(tests/hardening/mutations.py): cut short, bytes flipped, non-UTF-8 and binary spliced in, CRLF, huge lines.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.diff import DiffError, parse_diff, parse_github_files
from tests.hardening.mutations import DECODINGS, as_text, mutated
from tests.hardening.properties import check_config, check_diff, check_diff_error, check_notebook, read_everything
from tests.hardening.seeds import FileChange, any_diff, configs, file_changes, git_diff, notebooks

CI = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@CI
@given(any_diff())
def test_valid_diffs_parse_review_and_render(text: str) -> None:
    assert check_diff(text) is not None


@CI
@given(st.lists(file_changes(), min_size=1, max_size=5, unique_by=lambda c: c.path))
def test_unusual_file_names_come_back_exactly(changes: list[FileChange]) -> None:
    # Git's C-quoting undone: names with quotes, backslashes, control characters and Unicode survive intact.
    diff = parse_diff(git_diff(changes))

    shown = [c for c in changes if c.render()]
    assert [patch.path for patch in diff] == [c.path for c in shown]
    assert [patch.old_path for patch in diff if patch.old_path] == [c.old_path for c in shown if c.old_path]


@CI
@given(mutated(any_diff()), DECODINGS)
def test_mutated_diffs_raise_nothing_but_a_located_diff_error(data: bytes, how: str) -> None:
    check_diff(as_text(data, how))


@CI
@given(mutated(st.sampled_from(["@@ -1,3 +1,4 @@\n a\n+b\n c\n-d\n+e\n", "@@ -0,0 +1 @@\n+x"])))
def test_mutated_github_file_patches_raise_nothing_but_a_diff_error(data: bytes) -> None:
    entry = {"filename": "nb.ipynb", "status": "modified", "patch": data.decode("utf-8", "replace")}
    try:
        diff = parse_github_files([entry])
    except DiffError as error:
        check_diff_error(error, data)
        return
    read_everything(diff)


@CI
@given(notebooks())
def test_valid_notebooks_read_and_review(text: str) -> None:
    check_notebook(text)


@CI
@given(mutated(notebooks()), st.sampled_from(["replace", "latin-1"]))
def test_mutated_notebooks_raise_nothing_but_a_notebook_error(data: bytes, how: str) -> None:
    text = as_text(data, how)
    assert isinstance(text, str)
    check_notebook(text)


@CI
@given(configs())
def test_configs_load_with_located_errors_and_never_loosen_the_policy(text: str) -> None:
    check_config(text)


@CI
@given(mutated(configs(), huge=20_000), DECODINGS)
def test_mutated_configs_load_without_raising(data: bytes, how: str) -> None:
    check_config(as_text(data, how))
