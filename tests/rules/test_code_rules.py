"""Code-debt rule behaviour that the one-hunk case files cannot express: several hunks, notebook layouts."""

from __future__ import annotations

import json

from checks import Snapshot, review
from checks.finding import Finding

_TWO_HUNKS = """\
diff --git a/src/train.py b/src/train.py
index 1111111..2222222 100644
--- a/src/train.py
+++ b/src/train.py
@@ -1,2 +1,4 @@
 import torch
+# model = Net()
+# model.fit(x, y)
 x = load()
@@ -20,2 +22,4 @@ def run():
     y = x + 1
+    # out = model(y)
+    # loss = crit(out)
     return y
"""


def _findings(diff: str, rule: str, texts: dict[str, str] | None = None) -> list[Finding]:
    result = review(diff, snapshot=Snapshot(texts=texts or {}))
    assert not result.rule_errors, result.rule_errors
    return [f for f in result.findings if f.rule == rule]


def test_commented_code_in_two_hunks_is_not_one_block() -> None:
    assert _findings(_TWO_HUNKS, "CODE008") == []


def test_the_same_commented_lines_in_one_hunk_are_a_block() -> None:
    one_hunk = _TWO_HUNKS.replace(" x = load()\n@@ -20,2 +22,4 @@ def run():\n     y = x + 1\n", "").replace(
        "@@ -1,2 +1,4 @@", "@@ -1,2 +1,6 @@"
    )
    (finding,) = _findings(one_hunk, "CODE008")
    assert (finding.line, finding.end_line) == (2, 5)


def _added_file(path: str, text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def test_a_tag_after_a_character_that_grows_when_lowercased_is_still_found() -> None:
    # "İ".lower() is two characters: the fast lowercase pass must not lose the tag's position.
    diff = _added_file("src/geo.py", 'city = "x"\nname = city  # İstanbul İzmir FIXME: transliterate\n')
    (finding,) = _findings(diff, "CODE001")
    assert finding.line == 2
    assert finding.message.startswith("FIXME comment: FIXME: transliterate")


def _colab_notebook(*, source: str, output: str) -> str:
    """A notebook as Colab writes it: two-space indentation, not nbformat's one."""
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": [output]}],
        "source": [source],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 0}, indent=2) + "\n"


def test_a_local_path_in_a_colab_cell_source_is_not_an_output_leak() -> None:
    notebook = _colab_notebook(source="df = pd.read_csv('/content/drive/MyDrive/churn.csv')", output="(100, 3)\n")
    for texts in ({}, {"nb/churn.ipynb": notebook}):
        (finding,) = _findings(_added_file("nb/churn.ipynb", notebook), "CODE003", texts)
        assert finding.severity == "low", texts


def test_a_local_path_in_a_colab_output_is_medium() -> None:
    notebook = _colab_notebook(source="df.info()", output="/home/alice/.cache/churn.csv: 100 rows\n")
    (finding,) = _findings(_added_file("nb/churn.ipynb", notebook), "CODE003")
    assert finding.severity == "medium"
    assert any("local path" in o.message for o in finding.occurrences)


def test_ml_debt_tags_are_left_to_the_model_family_and_others_stay_here() -> None:
    diff = _added_file("src/serve.py", "# TODO: retrain the model weekly\n# TODO: add request logging\n")
    (finding,) = _findings(diff, "CODE001")
    assert finding.lines == (2,)


def test_each_tagged_comment_is_reported_by_exactly_one_of_code001_and_model017() -> None:
    lines = [
        "x = 1  # TODO: tune the learning rate",
        "y = 2  # the labels are shifted, HACK around it",
        "z = 3  # FIXME: retries hang on timeouts",
        "# XXX: the dataset loader drops the last batch",
        "# todo: add request logging",
    ]
    result = review(_added_file("src/job.py", "\n".join(lines) + "\n"), snapshot=Snapshot())
    owners: dict[int, list[str]] = {}
    for finding in result.findings:
        if finding.rule in ("CODE001", "MODEL017"):
            for line in finding.lines:
                owners.setdefault(line, []).append(finding.rule)
    assert owners == {1: ["MODEL017"], 2: ["CODE001"], 3: ["CODE001"], 4: ["MODEL017"], 5: ["CODE001"]}
