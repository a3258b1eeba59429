"""Valid inputs shaped like the real thing, for the fuzzers to start from: git diffs, notebooks and configs.

Random bytes rarely get past a parser's first line; a valid diff, notebook or config that is then cut, flipped
or stretched reaches the code behind it. The diffs are written the way `git diff` writes them (headers, modes,
renames, binary files, C-quoted names); the notebooks the way nbformat writes them.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

#: File names a repository may hold and that have broken parsers: Unicode, quotes, backslashes, control
#: characters git quotes, names that look like diff syntax, a right-to-left override, dots that are not `..`.
HOSTILE_NAMES = (
    "données/café.csv",
    "模型/权重.pkl",
    "emoji 🤖/train.py",
    "a b/c d.py",
    "..hidden/x..y.py",
    "...",
    'quote"d.py',
    "back\\slash.py",
    "back\\nslash.py",
    "back\\303x.py",
    "new\nline.py",
    "tab\tname.py",
    "cr\rname.py",
    "bell\aname.py",
    "esc\x1bname.py",
    "-dash.py",
    "+plus.txt",
    "@@ -1 +1 @@.py",
    "diff --git a/x b/y",
    "--- a",
    "\u202eyp.txt",
    "zero\u200bwidth.py",
    "x" * 200 + ".py",
    "/".join(["deep"] * 40) + "/leaf.py",
)
PLAIN_NAMES = (
    "train.py",
    "src/model/layers.py",
    "requirements.txt",
    "pyproject.toml",
    "Dockerfile",
    "notebooks/explore.ipynb",
    "data/train.csv",
    "models/model.pkl",
    ".github/debtbot.yml",
    "README.md",
)
#: Lines that make rules fire, and lines that look like diff syntax inside a hunk.
LINE_TEXTS = (
    "import torch",
    "# TODO: fix this hack before the release",
    "model = torch.load(path)",
    'df = pd.read_csv("/home/ana/data.csv")',
    'AutoModel.from_pretrained("acme/encoder", trust_remote_code=True)',
    "numpy",
    "torch>=2",
    "FROM python:latest",
    "x = 1  # noqa",
    "x = 1  # debtbot: ignore[CODE001] known",
    "@pytest.mark.skip",
    "-- x",
    "++ y",
    "--- a/x",
    "+++ b/x",
    "@@ -1 +1 @@",
    "diff --git a/x b/x",
    "\\ No newline at end of file",
    "",
    "   ",
    "café ☕ 模型",
    "\x00\x01\x7f",
    "\ufeffbom",
    "line with a carriage return\r",
)


def git_quote(name: str) -> str:
    """A name as git prints it in a diff header: C-quoted when it holds a quote, a backslash, a control
    character or a non-ASCII character (core.quotePath, the default), as-is otherwise."""
    raw = name.encode("utf-8")
    if not any(b in b'"\\' or b < 0x20 or b >= 0x7F for b in raw):
        return name
    letters = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 34: '"', 92: "\\"}
    out = []
    for b in raw:
        if b in letters:
            out.append("\\" + letters[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


def _side(prefix: str, name: str) -> str:
    quoted = git_quote(name)
    return f'"{prefix}{quoted[1:]}' if quoted.startswith('"') else f"{prefix}{name}"


@dataclass(frozen=True)
class FileChange:
    """One file of a change. `old` or `new` None: added or removed; `binary`: shown as "Binary files differ"."""

    path: str
    old: tuple[str, ...] | None
    new: tuple[str, ...] | None
    old_path: str | None = None
    binary: bool = False
    new_mode: str | None = None

    def render(self) -> str:
        source = self.old_path or self.path
        head = [f"diff --git {_side('a/', source)} {_side('b/', self.path)}"]
        if self.old is None:
            head.append("new file mode 100644")
        elif self.new is None:
            head.append("deleted file mode 100644")
        elif self.new_mode is not None:
            head += ["old mode 100644", f"new mode {self.new_mode}"]
        if self.old_path is not None and self.old is not None and self.new is not None:
            head += ["similarity index 90%", f"rename from {git_quote(source)}", f"rename to {git_quote(self.path)}"]
        head.append("index 1234567..89abcde" + ("" if self.old is None or self.new is None else " 100644"))
        # git ends a `---`/`+++` name holding a space with a tab, so that the name's end is certain.
        a = "/dev/null" if self.old is None else _side("a/", source) + ("\t" if " " in source else "")
        b = "/dev/null" if self.new is None else _side("b/", self.path) + ("\t" if " " in self.path else "")
        if self.binary:
            return "\n".join([*head, f"Binary files {a} and {b} differ"]) + "\n"
        old = [line + "\n" for line in self.old or ()]
        new = [line + "\n" for line in self.new or ()]
        hunks = list(difflib.unified_diff(old, new, n=3))[2:]  # difflib's own ---/+++ lines are replaced
        if not hunks:
            if self.new_mode is None and self.old_path is None and self.old is not None and self.new is not None:
                return ""  # no change at all: git prints nothing
            return "\n".join(head) + "\n" if self.old_path is not None or self.new_mode else ""
        return "\n".join([*head, f"--- {a}", f"+++ {b}"]) + "\n" + "".join(hunks)


def git_diff(changes: list[FileChange]) -> str:
    return "".join(change.render() for change in changes)


LINES = st.lists(st.sampled_from(LINE_TEXTS) | st.text(max_size=30).map(lambda s: s.replace("\n", " ")), max_size=12)
NAMES = st.sampled_from(PLAIN_NAMES + HOSTILE_NAMES)


@st.composite
def file_changes(draw: st.DrawFn) -> FileChange:
    path = draw(NAMES)
    kind = draw(st.sampled_from(["modified", "added", "removed", "renamed", "binary", "mode"]))
    old = tuple(draw(LINES))
    new = tuple(draw(LINES))
    if kind == "added":
        return FileChange(path, None, new or ("x",))
    if kind == "removed":
        return FileChange(path, old or ("x",), None)
    if kind == "renamed":
        return FileChange(path, old, new, old_path=draw(NAMES.filter(lambda n: n != path)))
    if kind == "binary":
        return FileChange(path, old, new, binary=True)
    if kind == "mode":
        return FileChange(path, old, old, new_mode="100755")
    return FileChange(path, old, (*new, "changed"))


def git_diffs(max_files: int = 6) -> st.SearchStrategy[str]:
    """Valid `git diff` texts of a few files with unusual names and contents."""
    return st.lists(file_changes(), min_size=1, max_size=max_files, unique_by=lambda c: c.path).map(git_diff)


#: A plain `diff -u` and a `git format-patch` mail, the other shapes a diff comes in.
PLAIN_DIFF = """\
--- a/train.py\t2026-01-01 10:00:00.000000000 +0000
+++ b/train.py\t2026-01-02 10:00:00.000000000 +0000
@@ -1,3 +1,4 @@
 import torch
+# TODO: fix this hack
 model = torch.load(path)
-x = 1
+x = 2
"""
FORMAT_PATCH = """\
From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
From: Ana <ana@example.com>
Subject: [PATCH] Add a model

---
 models/m.pkl | Bin 0 -> 12 bytes
 train.py     | 1 +
 2 files changed, 1 insertion(+)

diff --git a/models/m.pkl b/models/m.pkl
new file mode 100644
index 0000000..1111111
Binary files /dev/null and b/models/m.pkl differ
diff --git a/train.py b/train.py
index 2222222..3333333 100644
--- a/train.py
+++ b/train.py
@@ -1 +1,2 @@
 import torch
+model = torch.load("m.pkl")
--
2.39.5

"""


def any_diff() -> st.SearchStrategy[str]:
    return git_diffs() | st.sampled_from([PLAIN_DIFF, FORMAT_PATCH])


# --- notebooks ------------------------------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=10)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)


@st.composite
def cells(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["code", "markdown", "raw", "unknown"]))
    source = [line + "\n" for line in draw(LINES)]
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell["execution_count"] = draw(st.none() | st.integers(0, 50))
        outputs = draw(
            st.lists(
                st.sampled_from(
                    [
                        {"output_type": "stream", "name": "stdout", "text": ["loss 0.1\n"]},
                        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": ["..."]},
                        {
                            "output_type": "display_data",
                            "data": {"image/png": "iVBORw0KGgo=" * 40, "text/plain": ["<Figure>"]},
                            "metadata": {},
                        },
                    ]
                ),
                max_size=3,
            )
        )
        cell["outputs"] = outputs
    # Fields of the wrong type, as a hand-edited or half-merged notebook has them.
    if draw(st.integers(0, 4)) == 0:
        cell[draw(st.sampled_from(["source", "outputs", "execution_count", "cell_type"]))] = draw(JSON_VALUES)
    return cell


@st.composite
def notebooks(draw: st.DrawFn) -> str:
    """A notebook as nbformat 4 writes it (one-space indent, sources as lists of lines)."""
    document: dict[str, Any] = {
        "cells": draw(st.lists(cells(), max_size=6)),
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    if draw(st.integers(0, 5)) == 0:
        document["cells"] = draw(JSON_VALUES)
    return json.dumps(document, indent=1, ensure_ascii=draw(st.booleans())) + "\n"


# --- configs --------------------------------------------------------------------------------------------------

#: The README's example: every section, valid.
README_CONFIG = """\
version: 1
categories: {code: true, data: true, model: true, dependency: true}
disable: [CODE010]                 # rule codes or slugs
rules:
  DATA003: {severity: high}
exclude: ["vendor/**", "third_party/**"]
paths:
  - paths: ["examples/**", "docs/**"]
    disable: [notebook-with-outputs]
thresholds: {data_file_mb: 1, data_file_high_mb: 10}
accept:
  - rule: MODEL001
    paths: ["models/baseline.pkl"]
    reason: "baseline kept in git until the registry lands (#88)"
    until: 2027-03-31
policy:
  fail_on: high                    # any new finding of this severity fails the check
  max_new_debt_minutes: 60         # ...and so does more new debt than this, net of the debt paid
  net_of_paid: true
"""
#: YAML that has hurt loaders: tags, aliases, merge keys, deep nesting, several documents, odd scalars.
YAML_TRICKS = (
    "!!python/object/apply:os.system ['true']\n",
    "policy: !!binary aGVsbG8=\n",
    "a: &a [1, 2]\nb: *a\ndisable: *a\n",
    "base: &base {fail_on: low}\npolicy:\n  <<: *base\n",
    "disable: " + "[" * 200 + "]" * 200 + "\n",
    "disable: " + "[" * 5000 + "]" * 5000 + "\n",
    "---\nversion: 1\n---\nversion: 1\n",
    "accept:\n  - {rule: CODE001, reason: why, until: 2026-02-30}\n",
    "thresholds: {data_file_mb: 1e999}\n",
    "thresholds: {notebook_max_cells: 99999999999999999999999999}\n",
    "? [a, b]\n: c\n",
    "policy: {fail_on: .nan}\n",
    "\ufeffversion: 1\n",
    "version:\t1\n",
    "exclude: ['" + "*a" * 120 + "b']\n",
    "exclude: ['" + "[" * 100 + "']\n",
    "comments: {max_inline: -1, sticky_summary: sometimes}\n",
    "summary: {weekday: caturday, hour: 25, timezone: ../../etc/localtime}\n",
    "rules: {'\\0': {enabled: false}}\n",
    "version: 1\n...\ngarbage: [\n",
)

_SEVERITIES = st.sampled_from(["info", "low", "medium", "high", "critical", "never", "HIGH", ""])
_GLOBS = st.lists(st.sampled_from(["**", "*.py", "vendor/**", "docs/", "[!a]*", "a" * 300, "", "*a" * 60]), max_size=4)
_RULES = st.sampled_from(["CODE001", "DATA003", "satd-tag", "MODEL001", "NOPE999", "", "code001"])
CONFIG_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 2, "1", None]),
        "categories": st.dictionaries(st.sampled_from(["code", "data", "model", "dependency", "x"]), JSON_SCALARS),
        "disable": st.lists(_RULES, max_size=3) | JSON_VALUES,
        "rules": st.dictionaries(_RULES, st.fixed_dictionaries({}, optional={"severity": _SEVERITIES})),
        "exclude": _GLOBS | JSON_VALUES,
        "paths": st.lists(st.fixed_dictionaries({"paths": _GLOBS}, optional={"disable": st.lists(_RULES)})),
        "thresholds": st.dictionaries(st.sampled_from(["data_file_mb", "notebook_max_cells", "x"]), JSON_SCALARS),
        "accept": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "rule": _RULES,
                    "paths": _GLOBS,
                    "reason": st.text(max_size=8),
                    "until": st.dates().map(str) | st.text(max_size=10),
                },
            ),
            max_size=3,
        ),
        "policy": st.fixed_dictionaries(
            {},
            optional={
                "fail_on": _SEVERITIES,
                "max_new_debt_minutes": st.none() | st.integers(-5, 10**30),
                "net_of_paid": JSON_SCALARS,
            },
        ),
        "comments": st.fixed_dictionaries(
            {},
            optional={"max_inline": st.integers(-1, 60), "sticky_summary": st.sampled_from(["always", "no"])},
        ),
        "summary": st.dictionaries(st.sampled_from(["enabled", "weekday", "hour", "timezone"]), JSON_SCALARS),
        "unknown": JSON_VALUES,
    },
)


def configs() -> st.SearchStrategy[str]:
    """Config texts: the README's, YAML tricks, and generated settings (right and wrong) written as YAML."""
    generated = CONFIG_VALUES.map(lambda values: yaml.safe_dump(values, allow_unicode=True, sort_keys=False))
    return st.sampled_from((README_CONFIG, *YAML_TRICKS)) | generated
