"""Reach: the files that depend on a path, from the tree and the texts a review read."""

from __future__ import annotations

from bot.ledger.reach import MAX_SCANNED, reach_of

TREE = frozenset(
    {
        "requirements.txt",
        "Dockerfile",
        ".github/workflows/ci.yml",
        "README.md",
        "src/pkg/__init__.py",
        "src/pkg/mod.py",
        "src/pkg/a.py",
        "b.py",
        "c.py",
        "d.py",
    }
)
TEXTS = {
    "src/pkg/a.py": "from .mod import load\n",
    "b.py": "import os, pkg.mod as m\n",
    "c.py": "from pkg import (\n    mod,\n    other,\n)\n",
    "d.py": "import pkgmod\n# import pkg.mod (a comment, at the start of no line of code)\n",
    "src/pkg/mod.py": "import os\nfrom pkg import mod  # itself: not counted\n",
}


def test_a_manifest_a_dockerfile_and_a_workflow_reach_every_file() -> None:
    reach = reach_of(["requirements.txt", "Dockerfile", ".github/workflows/ci.yml"], tree=TREE, texts={})

    assert reach == dict.fromkeys(["requirements.txt", "Dockerfile", ".github/workflows/ci.yml"], len(TREE))


def test_a_module_reaches_the_files_that_import_it() -> None:
    reach = reach_of(["src/pkg/mod.py", "src/pkg/__init__.py", "b.py"], tree=TREE, texts=TEXTS)

    # a (relative), b (dotted), c (from the package): not d, which imports another module, nor mod itself.
    assert reach["src/pkg/mod.py"] == 3
    assert reach["src/pkg/__init__.py"] == 4  # importing pkg.mod runs the package: mod's own import counts
    assert reach["b.py"] == 0


def test_unknown_reach_is_zero() -> None:
    reach = reach_of(["requirements.txt", "README.md", "data/train.csv"], tree=None, texts=TEXTS)

    assert reach == {"requirements.txt": 0, "README.md": 0, "data/train.csv": 0}


def test_imports_are_read_from_a_bounded_number_of_texts() -> None:
    texts = {f"m{i}.py": "import target\n" for i in range(MAX_SCANNED + 50)}

    assert reach_of(["target.py"], tree=None, texts=texts) == {"target.py": MAX_SCANNED}
