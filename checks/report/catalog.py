"""The rule catalog as text, JSON and markdown (the markdown is docs/rules.md and the SARIF rule help)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from checks.finding import Category
from checks.lazyre import lazy
from checks.paths import KIND_EXAMPLES, ROLE_EXAMPLES, Role
from checks.registry import Rule, Scope
from checks.views import MINIFIED_LINE

_CATEGORY_TITLE = {
    Category.DATA: "Data debt",
    Category.MODEL: "Model debt",
    Category.DEPENDENCY: "Dependency debt",
    Category.CODE: "Code debt",
}
_LONGEST_BACKTICKS = lazy(r"`+")


def rule_record(r: Rule) -> dict[str, Any]:
    return {
        "code": r.code,
        "slug": r.slug,
        "title": r.title,
        "category": r.category.value,
        "severity": r.severity.value,
        "effort_minutes": r.effort_minutes,
        "scope": r.scope.value,
        "kinds": sorted(k.value for k in r.kinds) if r.kinds is not None else None,
        "skip_roles": sorted(role.value for role in r.skip_roles),
        "remediation": r.remediation,
        "docs": {"what": r.docs.what, "why": r.docs.why, "example": r.docs.example, "fix": r.docs.fix},
    }


def catalog_json(rules: Sequence[Rule]) -> str:
    return json.dumps([rule_record(r) for r in rules], indent=2, ensure_ascii=False) + "\n"


def catalog_text(rules: Sequence[Rule]) -> str:
    rows = [(r.code, r.slug, r.category.value, r.severity.value, f"{r.effort_minutes} min", r.title) for r in rules]
    table = [("code", "slug", "category", "severity", "effort", "title"), *rows]
    # Every column but the last (the title) is padded to its widest cell.
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in table]
    lines.append(f"{len(rules)} rule{'' if len(rules) == 1 else 's'}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def anchor(r: Rule) -> str:
    """The anchor GitHub gives the rule's heading in docs/rules.md (`### CODE001: satd-tag`)."""
    return f"{r.code.lower()}-{r.slug}"


def fenced(text: str, lang: str = "") -> str:
    """A fenced block that holds `text` whatever backticks it contains."""
    longest = max((len(m.group()) for m in _LONGEST_BACKTICKS.finditer(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def rule_markdown(r: Rule, *, level: int = 3) -> str:
    """One rule's reference: its heading, metadata line, what / why / example / fix."""
    heading = "#" * level
    return "\n".join(
        [
            f"{heading} {r.code}: {r.slug}",
            "",
            f"**{r.title}**. Category {r.category.value}, severity {r.severity.value}, "
            f"effort {r.effort_minutes} min per occurrence.",
            "",
            f"**What it finds.** {r.docs.what}",
            "",
            _reach(r),
            "",
            f"**Why it matters.** {r.docs.why}",
            "",
            "**Example** that draws the finding:",
            "",
            fenced(r.docs.example),
            "",
            f"**How to fix.** {r.remediation}",
            "",
            fenced(r.docs.fix),
        ]
    )


def catalog_markdown(rules: Sequence[Rule]) -> str:
    """docs/rules.md: a summary table linking to one section per rule, grouped by category."""
    out = [
        "# debtbot rules",
        "",
        "<!-- This file is generated from the rule catalog by `python -m checks.docs docs`: do not edit it. -->",
        "",
        "Each rule reports debt that a change **adds**; the same debt removed by a change is reported as paid. "
        "A rule's lines in one file are one finding, as grave as its gravest line; each line keeps its own severity "
        "in annotations, comments, SARIF and JSON. "
        "Severity and effort are defaults: `.github/debtbot.yml` can change a rule's severity, turn it off "
        "(everywhere or under some paths), or accept a finding with a reason. "
        "A single line is acknowledged with `debtbot: ignore[CODE] reason` in a comment on it or on the line above.",
        "",
        f"{len(rules)} rule{'' if len(rules) == 1 else 's'}.",
        "",
        _paths_legend(),
        "",
        "| code | slug | category | severity | effort (min) | title |",
        "|---|---|---|---|---|---|",
    ]
    out += [
        f"| [{r.code}](#{anchor(r)}) | `{r.slug}` | {r.category.value} | {r.severity.value} | "
        f"{r.effort_minutes} | {_cell(r.title)} |"
        for r in rules
    ]
    for category, members in groupby(rules, key=lambda r: r.category):
        out += ["", f"## {_CATEGORY_TITLE[category]}"]
        for r in members:
            out += ["", rule_markdown(r)]
    return "\n".join(out) + "\n"


def _reach(r: Rule) -> str:
    """Which files a file rule reads, by kind, and which path roles it leaves out (see `catalog_markdown`); a change
    rule reads every file and says in its docs which it judges."""
    if r.scope is Scope.CHANGE:
        return "**Reads** the whole change at once (the paths it judges are named above)."
    if r.kinds is None:
        read = "**Reads** files of every kind"
    else:
        read = f"**Reads** {_listed(sorted(f'`{k.value}`' for k in r.kinds))} files"
    if not r.skip_roles:
        return f"{read}, whatever their paths."
    return f"{read}; leaves out {_listed(sorted(f'`{role.value}`' for role in r.skip_roles))} paths."


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _paths_legend() -> str:
    """What each file kind and path role covers, for the rules' "reads" and "leaves out" lines."""
    kinds = "; ".join(
        f"`{k.value}`: {', '.join(f'`{example}`' for example in examples)}" for k, examples in KIND_EXAMPLES.items()
    )
    described = "; ".join(
        f"`{role.value}`: {', '.join(f'`{example}`' for example in ROLE_EXAMPLES[role])}" for role in Role
    )
    return (
        f'Files have a kind, from their names (the first that fits): {kinds}. A rule\'s "reads" line names the '
        "kinds it reads.\n\n"
        f"Paths have roles, from their folders and names (any depth, any case): {described}; and a file whose first "
        "lines carry a generator's mark (`DO NOT EDIT`, `@generated`, `This file was generated`, `Generated by ...`, "
        "`To regenerate this file, run ...`; not when the mark names its source, `File to edit: ../nbs/x.ipynb`, and "
        "the repository's tree, when known, has no such file: the module is its own source now), "
        f"or a script or stylesheet whose first lines hold one longer than {MINIFIED_LINE:,} characters (minified), "
        "is `generated` wherever it lies; a file whose leading comments or module docstring say it is another "
        "project's copy (`# taken from https://...`, a line `Copied from https://...`, or `# These classes are "
        "copied from ...` with a repository's address, `github.com/...`, in the same note; below licence headers "
        "stacked past the first lines too, when the review has the file's text) is `vendored`, and so is "
        "every file of a subpackage whose `__init__.py` says so in its leading docstring or comments (`... "
        "borrowed from https://...`, when the review has that module's text), and every file under a folder below "
        "the root that holds another repository's own top-level files (`.github/`, `.gitlab/`, `.gitlab-ci.yml`, "
        "`.travis.yml`, `.circleci/`, Mercurial's `.hgtags`, ...: read only at a repository's root, so they came "
        "with a copy; known with the repository's tree), or that is a distribution of its own inside a package "
        "of this one (its `pyproject.toml` or `setup.py`, with a `LICENSE` or `AUTHORS`: sglang's copy of "
        "flash-attention's `cute/`); every file of a site Sphinx built (the folder holding "
        "its `.buildinfo`) is `generated`; a `template` path is an `example` "
        'too. A rule\'s "leaves out" line names the roles whose paths it does not read; `exclude` in '
        "`.github/debtbot.yml` leaves out more."
    )


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
