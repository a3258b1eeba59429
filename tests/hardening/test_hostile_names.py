"""File names that broke the diff parser, checked against what real git prints for them.

git C-quotes a name holding a quote, a backslash, a control character or a non-ASCII character, with letters
for \\a \\b \\t \\n \\v \\f \\r and octal for the rest; it leaves a name with spaces unquoted, so a folder ending
in " b" makes `diff --git a/plan b/x b/plan b/x` ambiguous to a parser that splits at the last ` b/`.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from checks.diff import FileStatus, parse_diff
from tests.cli.gitrepo import GitRepo

QUOTED = ["cr\rname.py", "bell\aname.py", "esc\x1bname.py", "back\\nslash.py", "back\\303x.py", "vt\vff\f.py"]
SPACED = ["plan b/x.py", "a b/c d.py", "q b/y b/z b.py"]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("empty")
    return repo


def staged(repo: GitRepo) -> str:
    repo.git("add", "-A")
    return repo.git("diff", "--cached", "-M")


@pytest.mark.parametrize("name", QUOTED + SPACED)
def test_an_added_file_keeps_its_exact_name(repo: GitRepo, name: str) -> None:
    repo.write(name, "x = 1\n")

    (patch,) = parse_diff(staged(repo))

    assert (patch.path, patch.status, [line.text for line in patch.added]) == (name, FileStatus.ADDED, ["x = 1"])


@pytest.mark.parametrize("name", SPACED)
def test_a_modified_or_mode_changed_file_with_b_folders_keeps_its_name(repo: GitRepo, name: str) -> None:
    repo.write(name, "x = 1\n")
    repo.commit("add")
    repo.write(name, "x = 2\n")
    modified = staged(repo)
    repo.commit("edit")
    path = repo.path / name
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    mode_only = staged(repo)

    (edited,) = parse_diff(modified)
    (chmodded,) = parse_diff(mode_only)

    assert (edited.path, edited.status, [line.number for line in edited.added]) == (name, FileStatus.MODIFIED, [1])
    assert (chmodded.path, chmodded.status, chmodded.new_mode) == (name, FileStatus.MODIFIED, "100755")


@pytest.mark.parametrize(("old", "new"), [("plan b/x.py", "q b/y b.py"), ("cr\rname.py", "a b/c d.py")])
def test_a_rename_between_unusual_names_keeps_both(repo: GitRepo, old: str, new: str) -> None:
    body = "".join(f"line {i}\n" for i in range(20))
    repo.write(old, body)
    repo.commit("add")
    (repo.path / old).unlink()
    repo.write(new, body + "line 20\n")

    (patch,) = parse_diff(staged(repo))

    assert (patch.old_path, patch.path, patch.status) == (old, new, FileStatus.RENAMED)
    assert [line.number for line in patch.added] == [21]


def test_an_octal_escape_past_a_byte_is_a_name_not_a_crash() -> None:
    # git never writes \777 (no byte is that large); a diff that does is read, not a ValueError.
    text = 'diff --git "a/\\777" "b/\\777"\nnew file mode 100644\nindex 0000000..1111111\n'
    text += '--- /dev/null\n+++ "b/\\777"\n@@ -0,0 +1 @@\n+x\n'

    (patch,) = parse_diff(text)

    assert patch.path == "\\777"
