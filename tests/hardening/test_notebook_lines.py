"""A notebook string item holding several source lines (hand-edited or half-merged), found by `bench.fuzz`:
three rules crashed on it (IndexError), since the line a rule saw held a newline."""

from __future__ import annotations

import json

from checks.diff import parse_diff
from checks.notebook import Notebook, code_source_lines
from tests.hardening.properties import check_notebook

SOURCE = ["import torch\n", "\n# TODO: fix this hack\nmodel = torch.load(path)\n"]
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": SOURCE}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)


def test_each_source_line_of_a_string_item_is_a_line_of_its_own() -> None:
    lines = NOTEBOOK.split("\n")
    diff = parse_diff(
        "diff --git a/nb.ipynb b/nb.ipynb\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
        f"+++ b/nb.ipynb\n@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    )
    item = next(i for i, line in enumerate(lines, 1) if "TODO" in line)

    for post in (None, Notebook.parse(NOTEBOOK)):
        picked = code_source_lines(diff.files[0].added, post)
        assert all("\n" not in line.text for line in picked)
        assert [(line.number, line.text) for line in picked if line.number == item] == [
            (item, ""),
            (item, "# TODO: fix this hack"),
            (item, "model = torch.load(path)"),
        ]
    check_notebook(NOTEBOOK)  # reviewed with no rule crashing
