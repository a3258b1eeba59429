"""What must hold for any input to the diff parser, the notebook reader and the config loader.

Each check takes one input and fails with AssertionError, or lets through the unexpected exception it met:
the only errors allowed out are the documented ones (`DiffError`, `NotebookError`; `load_config` raises
nothing), with a message a person can act on, short whatever the input's size. A diff that parses is then
reviewed and rendered in every format: a hostile file name or line must not crash a rule or a renderer.
"""

from __future__ import annotations

import datetime as dt
import json

from checks.config import MAX_CONFIG_ERRORS, Config, LoadedConfig, load_config
from checks.diff import Diff, DiffError, LineSet, parse_diff
from checks.notebook import Notebook, NotebookError, code_source_lines, decode_json_string_line
from checks.report import Format, render
from checks.runner import review
from checks.snapshot import Snapshot

#: An error message quotes at most a short piece of the input: a 1 MB line must not become a 1 MB message.
MAX_MESSAGE = 400
TODAY = dt.date(2026, 11, 26)
#: A small change with debt in it, reviewed under each fuzzed config.
DEBT_DIFF = """\
diff --git a/train.py b/train.py
index 1111111..2222222 100644
--- a/train.py
+++ b/train.py
@@ -1,2 +1,4 @@
 import torch
+# TODO: fix this hack before the release
+model = torch.load(path)
 x = 1
"""


def _lines(data: str | bytes) -> int:
    return (data.count(b"\n") if isinstance(data, bytes) else data.count("\n")) + 1


def check_message(message: str) -> None:
    assert message.strip(), "empty error message"
    assert len(message) <= MAX_MESSAGE, f"error message of {len(message)} characters: {message[:200]!r}..."


def check_diff_error(error: DiffError, data: str | bytes) -> None:
    check_message(str(error))
    if error.line is not None:
        # A diff cut short is reported at the line after its end, where the missing lines should be.
        assert 1 <= error.line <= _lines(data) + 1, f"line {error.line} of a {_lines(data)}-line diff"
        assert str(error).startswith(f"line {error.line}: ")


def read_everything(diff: Diff) -> None:
    """Touch every lazily built part of a parsed diff, as the rules do."""
    for patch in diff:
        assert isinstance(patch.path, str)
        assert patch.path
        for side in (patch.added, patch.removed):
            numbered = list(side)
            assert len(numbered) == len(side) == len(side.texts())
            assert all(line.number >= 0 for line in numbered)
            if side:
                assert side.line(len(side) - 1) == numbered[-1].text
                assert side.at(len(side.text)) == len(side) - 1
        _ = (patch.anchors(1), patch.is_submodule, patch.mode_changed)


def check_review(diff: Diff | str, snapshot: Snapshot | None = None, config: LoadedConfig | None = None) -> None:
    """Review and render in every format: no rule crashes (a crash is reported as a rule error) and nothing raises."""
    result = review(diff, snapshot=snapshot or Snapshot(today=TODAY), config=config)
    assert result.rule_errors == (), result.rule_errors
    for fmt in Format:
        rendered = render(result, fmt)
        if fmt in (Format.JSON, Format.SARIF):
            json.loads(rendered)


def check_diff(data: str | bytes) -> Diff | None:
    """Parse; a parsed diff is read whole, reviewed and rendered. Returns it, or None after a DiffError."""
    try:
        diff = parse_diff(data)
    except DiffError as error:
        check_diff_error(error, data)
        return None
    read_everything(diff)
    check_review(diff)
    return diff


def check_notebook(text: str) -> Notebook | None:
    """Read a notebook; every line of it goes through the diff-only reading; a notebook that parses is reviewed
    as a new file with its text at hand."""
    lines = text.split("\n")
    for raw in lines:
        decoded = decode_json_string_line(raw)
        assert decoded is None or isinstance(decoded, str)
    added = LineSet(lines, lambda: list(range(1, len(lines) + 1)))
    try:
        notebook = Notebook.parse(text)
    except NotebookError as error:
        check_message(str(error))
        notebook = None
    for picked in (code_source_lines(added, None), code_source_lines(added, notebook)):
        assert all(isinstance(line.text, str) for line in picked)
    body = "".join("+" + line + "\n" for line in lines)
    diff = (
        "diff --git a/nb.ipynb b/nb.ipynb\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/nb.ipynb\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )
    check_review(diff, Snapshot(texts={"nb.ipynb": text}, today=TODAY))
    return notebook


def check_config(data: str | bytes) -> LoadedConfig:
    """Load (never raises), with short, located errors; a file with errors never loosens the defaults, except
    for names of rules that do not exist (the rest of the file still counts). The result reviews a change."""
    loaded = load_config(data)
    assert isinstance(loaded, LoadedConfig)
    assert len(loaded.errors) <= MAX_CONFIG_ERRORS + 1
    for error in loaded.errors:
        assert error.location.strip()
        assert len(error.location) <= MAX_MESSAGE, error.location[:200]
        check_message(error.message)
        check_message(str(error))
    unknown_rules_only = all(e.message == "no rule has this code or slug" for e in loaded.errors)
    if loaded.errors and not unknown_rules_only:
        assert loaded.config == Config()
    check_review(DEBT_DIFF, config=loaded)
    return loaded
