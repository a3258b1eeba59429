"""The diff model against real `git` and `diff` output, GitHub's files API, malformed input and random input."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.diff import Diff, DiffError, FilePatch, FileStatus, Line, line_offsets, parse_diff, parse_github_files

FIXTURES = Path(__file__).parent / "fixtures" / "diffs"
SUBMODULE_MODE = "160000"


class Repo:
    """A scratch git repository driven by the real `git`, isolated from the user's git config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        self.env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", HOME=str(root), LC_ALL="C")
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")
        self.git("config", "user.name", "Test")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> bytes:
        done = subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True)
        return done.stdout

    def write(self, path: str, content: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def staged(self, *options: str) -> bytes:
        """`git diff --cached` of everything in the work tree against the last commit."""
        self.git("add", "-A")
        return self.git("diff", "--cached", *options)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def by_path(diff: Diff) -> dict[str, FilePatch]:
    return {f.path: f for f in diff}


def assert_consistent(patch: FilePatch, old: str | None, new: str | None) -> None:
    """Every added line is the file's line at that number after the change; every removed one, before it."""
    if new is not None:
        after = new.splitlines()
        assert all(after[line.number - 1] == line.text for line in patch.added), list(patch.added)
    if old is not None:
        before = old.splitlines()
        assert all(before[line.number - 1] == line.text for line in patch.removed), list(patch.removed)


def lines_of(count: int, label: str) -> str:
    return "".join(f"{label} line {i}\n" for i in range(1, count + 1))


# --- statuses, paths and line numbers from real git -------------------------------------------------------


def test_added_modified_removed_files_with_their_line_numbers(repo: Repo) -> None:
    old_train = lines_of(30, "train")
    repo.write("src/train.py", old_train)
    repo.write("src/gone.py", "a = 1\nb = 2\n")
    repo.commit("base")
    new_lines = old_train.splitlines()
    new_lines[4] = "changed five"
    del new_lines[9]  # old line 10 removed
    new_lines[18] = "changed twenty"  # old line 20, now line 19
    new_lines.append("appended")
    new_train = "\n".join(new_lines) + "\n"
    repo.write("src/train.py", new_train)
    repo.write("src/new.py", "x = 1\ny = 2\n")
    (repo.root / "src/gone.py").unlink()

    files = by_path(parse_diff(repo.staged()))

    assert set(files) == {"src/train.py", "src/new.py", "src/gone.py"}
    train = files["src/train.py"]
    assert (train.status, train.old_path, train.is_binary) == (FileStatus.MODIFIED, None, False)
    assert [(line.number, line.text) for line in train.added] == [
        (5, "changed five"),
        (19, "changed twenty"),
        (30, "appended"),
    ]
    assert [(line.number, line.text) for line in train.removed] == [
        (5, "train line 5"),
        (10, "train line 10"),
        (20, "train line 20"),
    ]
    assert_consistent(train, old_train, new_train)
    assert train.added.texts() == ["changed five", "changed twenty", "appended"]
    assert train.added.text == "changed five\nchanged twenty\nappended"

    new = files["src/new.py"]
    assert new.status is FileStatus.ADDED
    assert [(line.number, line.text) for line in new.added] == [(1, "x = 1"), (2, "y = 2")]
    assert len(new.removed) == 0
    gone = files["src/gone.py"]
    assert gone.status is FileStatus.REMOVED
    assert [(line.number, line.text) for line in gone.removed] == [(1, "a = 1"), (2, "b = 2")]
    assert len(gone.added) == 0


def test_line_set_offsets_lead_back_to_numbered_lines(repo: Repo) -> None:
    repo.write("f.py", lines_of(12, "f"))
    repo.commit()
    repo.write("f.py", lines_of(12, "f").replace("f line 3\n", "alpha\n").replace("f line 9\n", "beta gamma\n"))

    added = parse_diff(repo.staged()).files[0].added

    offset = added.text.index("gamma")
    index = added.at(offset)
    assert (index, added.number(index), added[index]) == (1, 9, Line(9, "beta gamma"))
    assert added.text[added.start(index) :].startswith("beta gamma")
    assert added[-1] == Line(9, "beta gamma")


def test_rename_without_edits_has_no_lines(repo: Repo) -> None:
    repo.write("old/name.py", lines_of(20, "mover"))
    repo.commit()
    (repo.root / "old/name.py").rename(repo.root / "name.py")

    [patch] = parse_diff(repo.staged("-M")).files

    assert (patch.path, patch.status, patch.old_path) == ("name.py", FileStatus.RENAMED, "old/name.py")
    assert patch.hunks == ()
    assert (len(patch.added), len(patch.removed)) == (0, 0)


def test_rename_with_edits_numbers_lines_in_each_file(repo: Repo) -> None:
    old = lines_of(20, "edit")
    repo.write("a.py", old)
    repo.commit()
    (repo.root / "a.py").unlink()
    new = old.replace("edit line 10\n", "edited ten\n")
    repo.write("b.py", new)

    [patch] = parse_diff(repo.staged("-M")).files

    assert (patch.path, patch.status, patch.old_path) == ("b.py", FileStatus.RENAMED, "a.py")
    assert [(line.number, line.text) for line in patch.added] == [(10, "edited ten")]
    assert [(line.number, line.text) for line in patch.removed] == [(10, "edit line 10")]
    assert_consistent(patch, old, new)


def test_copies_found_with_find_copies_harder(repo: Repo) -> None:
    source = lines_of(20, "source")
    repo.write("src.py", source)
    repo.commit()
    repo.write("exact_copy.py", source)
    edited = source.replace("source line 7\n", "copied and edited\n")
    repo.write("edited_copy.py", edited)

    files = by_path(parse_diff(repo.staged("-C", "--find-copies-harder")))

    exact = files["exact_copy.py"]
    assert (exact.status, exact.old_path, exact.hunks) == (FileStatus.COPIED, "src.py", ())
    copy = files["edited_copy.py"]
    assert (copy.status, copy.old_path) == (FileStatus.COPIED, "src.py")
    assert [(line.number, line.text) for line in copy.added] == [(7, "copied and edited")]
    assert [(line.number, line.text) for line in copy.removed] == [(7, "source line 7")]
    assert "src.py" not in files  # the source itself did not change


def test_binary_files_differ(repo: Repo) -> None:
    repo.write("model.bin", bytes(range(256)))
    repo.write("old.bin", b"\x00\x01gone")
    repo.commit()
    repo.write("model.bin", bytes(reversed(range(256))))
    repo.write("weights.pt", b"\x00\x02\x03new")
    (repo.root / "old.bin").unlink()

    raw = repo.staged()
    files = by_path(parse_diff(raw))

    assert b"Binary files a/model.bin and b/model.bin differ" in raw
    assert {p: (f.status, f.is_binary, f.hunks) for p, f in files.items()} == {
        "model.bin": (FileStatus.MODIFIED, True, ()),
        "weights.pt": (FileStatus.ADDED, True, ()),
        "old.bin": (FileStatus.REMOVED, True, ()),
    }


def test_git_binary_patch(repo: Repo) -> None:
    repo.write("model.bin", bytes(range(256)))
    repo.write("notes.txt", "one\n")
    repo.commit()
    repo.write("model.bin", bytes(reversed(range(256))))
    repo.write("notes.txt", "one\ntwo\n")

    raw = repo.staged("--binary")
    files = by_path(parse_diff(raw))

    assert b"GIT binary patch" in raw
    binary = files["model.bin"]
    assert (binary.status, binary.is_binary, binary.hunks) == (FileStatus.MODIFIED, True, ())
    # The base85 lines of the binary patch are not taken for the next file's lines.
    assert [(line.number, line.text) for line in files["notes.txt"].added] == [(2, "two")]


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        pytest.param("a\nb", "a\nb\n", [(2, "b")], [(2, "b")], id="newline-added-at-end"),
        pytest.param("a\nb\n", "a\nb", [(2, "b")], [(2, "b")], id="newline-removed-at-end"),
        pytest.param("a\nb", "a\nc", [(2, "c")], [(2, "b")], id="no-newline-on-both-sides"),
        pytest.param("a\nb", "a\nb\nc\n", [(2, "b"), (3, "c")], [(2, "b")], id="lines-appended-after-no-newline"),
    ],
)
def test_no_newline_at_end_of_file(
    repo: Repo, old: str, new: str, added: list[tuple[int, str]], removed: list[tuple[int, str]]
) -> None:
    repo.write("f.txt", old)
    repo.commit()
    repo.write("f.txt", new)

    raw = repo.staged()
    [patch] = parse_diff(raw).files

    assert b"\\ No newline at end of file" in raw
    assert [(line.number, line.text) for line in patch.added] == added
    assert [(line.number, line.text) for line in patch.removed] == removed


NEW_FILE = "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n"
GONE_FILE = "diff --git a/n.py b/n.py\ndeleted file mode 100644\n--- a/n.py\n+++ /dev/null\n"


@pytest.mark.parametrize(
    ("diff", "one_sided", "added", "removed"),
    [
        pytest.param(NEW_FILE + "@@ -0,0 +1,2 @@\n+a\n+b\n", True, ["a", "b"], [], id="new-file"),
        pytest.param(GONE_FILE + "@@ -1,2 +0,0 @@\n-a\n-b\n", True, [], ["a", "b"], id="deleted-file"),
        pytest.param(
            NEW_FILE + "@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n",
            False,
            ["a", "b"],
            [],
            id="new-file-without-newline-at-end",
        ),
        pytest.param(NEW_FILE + "@@ -0,0 +1,2 @@\n+a\r\n+b\r\n", True, ["a", "b"], [], id="new-crlf-file"),
        pytest.param(NEW_FILE + "@@ -0,0 +1,3 @@\n+a\n+\n+++b\n", True, ["a", "", "++b"], [], id="lines-like-markers"),
    ],
)
def test_a_one_sided_hunk_is_known_from_reading_the_diff(
    diff: str, one_sided: bool, added: list[str], removed: list[str]
) -> None:
    """A hunk whose every line carries its one side's prefix is marked so when read: its lines are then taken by
    dropping the prefixes, numbered from the header, with nothing left of a CRLF or a marker line."""
    [patch] = parse_diff(diff).files

    assert [h.one_sided for h in patch.hunks] == [one_sided]
    assert patch.added.texts() == added
    assert patch.removed.texts() == removed
    assert patch.added.numbers() == list(range(1, len(added) + 1))
    assert [patch.added.number(i) for i in range(len(added))] == patch.added.numbers()
    assert patch.removed.numbers() == list(range(1, len(removed) + 1))


def test_crlf_file_lines_lose_their_carriage_return(repo: Repo) -> None:
    old = "x = 1\r\ny = 2\r\nz = 3\r\n"
    new = "x = 1\r\ny = 20\r\nz = 3\r\nw = 4\r\n"
    repo.write("win.py", old)
    repo.commit()
    repo.write("win.py", new)

    raw = repo.staged()
    [patch] = parse_diff(raw).files

    assert b"+y = 20\r\n" in raw
    assert [(line.number, line.text) for line in patch.added] == [(2, "y = 20"), (4, "w = 4")]
    assert [(line.number, line.text) for line in patch.removed] == [(2, "y = 2")]


def test_a_diff_saved_with_crlf_line_ends_reads_like_the_original(repo: Repo) -> None:
    repo.write("gone.txt", "bye\n")
    repo.write("f.py", lines_of(5, "f"))
    repo.commit()
    (repo.root / "gone.txt").unlink()
    repo.write("f.py", lines_of(5, "f").replace("f line 2\n", "two\n"))
    raw = repo.staged()

    as_saved_on_windows = raw.replace(b"\n", b"\r\n")

    def summary(diff: Diff) -> list[tuple[str, FileStatus, list[Line], list[Line]]]:
        return [(f.path, f.status, list(f.added), list(f.removed)) for f in diff]

    assert summary(parse_diff(as_saved_on_windows)) == summary(parse_diff(raw))
    assert summary(parse_diff(raw))[0][:2] == ("f.py", FileStatus.MODIFIED)


def test_latin1_bytes_are_read_without_failing(repo: Repo) -> None:
    repo.write("names.csv", "id,name\n1,Jose\n")
    repo.commit()
    repo.write("names.csv", "id,name\n1,Jos\xe9\n2,Ren\xe9e\n".encode("latin-1"))

    raw = repo.staged()
    [patch] = parse_diff(raw).files

    assert b"+1,Jos\xe9" in raw  # git passes the bytes through untouched
    assert [line.number for line in patch.added] == [2, 3]
    assert patch.added.texts() == ["1,Jos\ufffd", "2,Ren\ufffde"]
    assert [(line.number, line.text) for line in patch.removed] == [(2, "1,Jose")]


@pytest.mark.parametrize("empty", ["", b"", "\n", "  \n\n"])
def test_an_empty_diff_has_no_files(empty: str | bytes) -> None:
    assert parse_diff(empty) == Diff(())


def test_no_change_in_git_is_an_empty_diff(repo: Repo) -> None:
    repo.write("f.txt", "same\n")
    repo.commit()

    raw = repo.staged()

    assert raw == b""
    assert len(parse_diff(raw)) == 0


def test_mode_only_change(repo: Repo) -> None:
    repo.write("run.sh", "#!/bin/sh\necho hi\n")
    repo.commit()
    (repo.root / "run.sh").chmod(0o755)

    [patch] = parse_diff(repo.staged()).files

    assert (patch.path, patch.status, patch.hunks) == ("run.sh", FileStatus.MODIFIED, ())
    assert (patch.old_mode, patch.new_mode, patch.mode_changed) == ("100644", "100755", True)


def test_submodule_added_and_moved(repo: Repo, tmp_path: Path) -> None:
    library = Repo(tmp_path / "library")
    library.commit("one")
    first = library.git("rev-parse", "HEAD").decode().strip()
    library.commit("two")
    second = library.git("rev-parse", "HEAD").decode().strip()

    repo.git("update-index", "--add", "--cacheinfo", f"{SUBMODULE_MODE},{first},third_party/lib")
    added = parse_diff(repo.git("diff", "--cached")).files[0]
    repo.git("commit", "-q", "-m", "add submodule")
    repo.git("update-index", "--cacheinfo", f"{SUBMODULE_MODE},{second},third_party/lib")
    moved = parse_diff(repo.git("diff", "--cached")).files[0]

    assert (added.path, added.status, added.is_submodule) == ("third_party/lib", FileStatus.ADDED, True)
    assert (moved.path, moved.status, moved.is_submodule) == ("third_party/lib", FileStatus.MODIFIED, True)
    assert [(line.number, line.text) for line in moved.added] == [(1, f"Subproject commit {second}")]
    assert [(line.number, line.text) for line in moved.removed] == [(1, f"Subproject commit {first}")]


# --- file names ------------------------------------------------------------------------------------------


UNUSUAL_NAMES = [
    "with space.txt",
    "caf\u00e9.txt",
    "a -> b.txt",
    "tab\there.txt",
    'quo"te.txt',
    "\u65e5\u672c/\u30c7\u30fc\u30bf.csv",
]


@pytest.mark.parametrize("name", UNUSUAL_NAMES)
def test_unusual_file_names_added(repo: Repo, name: str) -> None:
    repo.commit("base")
    repo.write(name, "content\n")

    raw = repo.staged()
    [patch] = parse_diff(raw).files

    assert (patch.path, patch.status) == (name, FileStatus.ADDED)
    assert [(line.number, line.text) for line in patch.added] == [(1, "content")]


def test_git_quotes_non_ascii_names_in_octal(repo: Repo) -> None:
    repo.commit("base")
    repo.write("caf\u00e9.txt", "x\n")

    raw = repo.staged()

    assert b'"b/caf\\303\\251.txt"' in raw
    assert parse_diff(raw).files[0].path == "caf\u00e9.txt"


def test_unquoted_non_ascii_names(repo: Repo) -> None:
    repo.git("config", "core.quotepath", "false")
    repo.commit("base")
    repo.write("caf\u00e9.txt", "x\n")

    raw = repo.staged()

    assert "b/caf\u00e9.txt".encode() in raw
    assert parse_diff(raw).files[0].path == "caf\u00e9.txt"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("old name.txt", "new -> name.txt"),
        ("caf\u00e9 x.txt", "th\u00e9 -> y.txt"),
        ("plain.txt", "with space.txt"),
    ],
)
def test_renames_between_unusual_names_without_edits(repo: Repo, old: str, new: str) -> None:
    # No `---`/`+++` lines here: the names come from `rename from` / `rename to` alone.
    repo.write(old, lines_of(10, "r"))
    repo.commit()
    (repo.root / old).rename(repo.root / new)

    [patch] = parse_diff(repo.staged("-M")).files

    assert (patch.path, patch.old_path, patch.status) == (new, old, FileStatus.RENAMED)


def test_mode_change_of_a_name_with_spaces(repo: Repo) -> None:
    repo.write("my script.sh", "echo\n")
    repo.commit()
    (repo.root / "my script.sh").chmod(0o755)

    [patch] = parse_diff(repo.staged()).files

    assert (patch.path, patch.mode_changed) == ("my script.sh", True)


def test_empty_new_and_deleted_files(repo: Repo) -> None:
    repo.write("to delete", "")
    repo.commit()
    (repo.root / "to delete").unlink()
    repo.write("empty new.txt", "")

    files = by_path(parse_diff(repo.staged("--no-renames")))  # else git pairs the two empty files

    assert {p: (f.status, f.hunks) for p, f in files.items()} == {
        "to delete": (FileStatus.REMOVED, ()),
        "empty new.txt": (FileStatus.ADDED, ()),
    }


# --- format-patch, git show and plain diff -----------------------------------------------------------------


def test_format_patch_with_preamble_and_signature(repo: Repo) -> None:
    repo.write("a.py", lines_of(5, "a"))
    repo.write("model.bin", b"\x00\x01")
    repo.commit()
    repo.write("a.py", lines_of(5, "a") + "# TODO: tidy\n")
    repo.write("model.bin", b"\x00\x02")
    repo.commit("Subject line\n\nBody mentions --- and +++ and @@ -1 +1 @@\n--- not a header\n")

    patch_text = repo.git("format-patch", "-1", "--stdout", "--binary")
    files = by_path(parse_diff(patch_text))

    assert patch_text.startswith(b"From ")
    assert b"\n-- \n" in patch_text  # the signature after the last file
    assert set(files) == {"a.py", "model.bin"}
    assert [(line.number, line.text) for line in files["a.py"].added] == [(6, "# TODO: tidy")]
    assert files["model.bin"].is_binary


def test_format_patch_signature_after_a_removed_line(repo: Repo) -> None:
    repo.write("z.txt", "keep\ndrop\n")
    repo.commit()
    repo.write("z.txt", "keep\n")
    repo.commit("drop a line")

    patch_text = repo.git("format-patch", "-1", "--stdout")
    [patch] = parse_diff(patch_text).files

    # The signature's "-- " line right after the hunk must not be read as one more removed line.
    assert patch_text.rstrip(b"\n").split(b"\n")[-3:-1] == [b"-drop", b"-- "]
    assert [(line.number, line.text) for line in patch.removed] == [(2, "drop")]


def test_a_new_and_a_deleted_file_before_the_signature(repo: Repo) -> None:
    """A whole-file hunk is read as the rest of its section only when its counts say so: a deleted file's last
    line before format-patch's `-- ` signature, and the signature itself, are told apart."""
    repo.write("schema.sql", "-- the old schema\nselect 1;\n")
    repo.commit()
    (repo.root / "schema.sql").unlink()
    repo.write("new.py", "x = 1\n")
    repo.commit("replace the schema")

    patch_text = repo.git("format-patch", "-1", "--stdout")
    files = by_path(parse_diff(patch_text))

    assert patch_text.rstrip(b"\n").split(b"\n")[-3:-1] == [b"-select 1;", b"-- "]  # the deleted file is last
    removed = [(line.number, line.text) for line in files["schema.sql"].removed]
    assert removed == [(1, "-- the old schema"), (2, "select 1;")]
    assert [(line.number, line.text) for line in files["new.py"].added] == [(1, "x = 1")]
    assert [h.one_sided for h in files["new.py"].hunks] == [True]
    assert [h.one_sided for h in files["schema.sql"].hunks] == [True]  # once the signature is trimmed off


def test_an_insertion_at_the_top_without_context_is_one_hunk_of_several(repo: Repo) -> None:
    """`-U0` writes an insertion before the first line as `@@ -0,0 +1,2 @@`, like a new file's hunk, but more
    hunks follow it in the same file."""
    repo.write("f.py", lines_of(10, "f"))
    repo.commit()
    repo.write("f.py", "top = 0\nmore = 1\n" + lines_of(10, "f").replace("f line 7\n", "seven\n"))

    raw = repo.staged("-U0")
    [patch] = parse_diff(raw).files

    assert b"@@ -0,0 +1,2 @@" in raw
    assert [(h.old_start, h.old_length, h.new_start, h.new_length) for h in patch.hunks] == [(0, 0, 1, 2), (7, 1, 9, 1)]
    assert [(line.number, line.text) for line in patch.added] == [(1, "top = 0"), (2, "more = 1"), (9, "seven")]
    assert [(line.number, line.text) for line in patch.removed] == [(7, "f line 7")]


def test_git_show_output(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.write("a.py", "x = 2\n")
    repo.commit("change x\n\n    indented body\ndiff in prose\n")

    shown = repo.git("show", "HEAD")
    [patch] = parse_diff(shown).files

    assert shown.startswith(b"commit ")
    assert [(line.number, line.text) for line in patch.added] == [(1, "x = 2")]


DIFF = shutil.which("diff")
needs_diff = pytest.mark.skipif(DIFF is None, reason="the `diff` program is not installed")


@needs_diff
def test_plain_diff_u_of_two_files(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text("a\nb\nc\n")
    (tmp_path / "new.py").write_text("a\nB\nc\nd\n")

    out = subprocess.run([str(DIFF), "-u", "old.py", "new.py"], cwd=tmp_path, capture_output=True, check=False)
    [patch] = parse_diff(out.stdout).files

    assert out.returncode == 1
    # A plain diff has no renames: the file is the target one, modified.
    assert (patch.path, patch.status, patch.old_path) == ("new.py", FileStatus.MODIFIED, None)
    assert [(line.number, line.text) for line in patch.added] == [(2, "B"), (4, "d")]
    assert [(line.number, line.text) for line in patch.removed] == [(2, "b")]


@needs_diff
def test_plain_recursive_diff_with_new_and_gone_files(tmp_path: Path) -> None:
    for side, files in {
        "a": {"x.txt": "1\n2\n", "only_a.txt": "o\n", "sub/gone.txt": "g\n"},
        "b": {"x.txt": "1\nTWO\n", "sub/new.txt": "n\n"},
    }.items():
        for name, text in files.items():
            (tmp_path / side / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / side / name).write_text(text)

    def run(*args: str, zone: str = "UTC0") -> bytes:
        env = {**os.environ, "TZ": zone, "LC_ALL": "C"}
        return subprocess.run([str(DIFF), *args], cwd=tmp_path, env=env, capture_output=True, check=False).stdout

    with_new = run("-ruN", "a", "b")
    without = run("-ru", "a", "b")

    assert b"\ndiff -ruN a/sub/gone.txt" in with_new  # command lines sit between the files
    expected = {
        "x.txt": FileStatus.MODIFIED,
        "only_a.txt": FileStatus.REMOVED,
        "sub/gone.txt": FileStatus.REMOVED,
        "sub/new.txt": FileStatus.ADDED,
    }
    assert {f.path: f.status for f in parse_diff(with_new)} == expected
    # `diff -N` dates the missing side at the epoch, written in the local time zone.
    west = run("-ruN", "a", "b", zone="EST5")
    assert b"1969-12-31 19:00:00" in west
    assert {f.path: f.status for f in parse_diff(west)} == expected
    assert b"Only in " in without
    assert {f.path: f.status for f in parse_diff(without)} == {"x.txt": FileStatus.MODIFIED}


def test_plain_diff_hunk_lines_that_look_like_a_file_header() -> None:
    # Removing the SQL comment "-- old" and adding "++ new" writes "--- old" then "+++ new" in the hunk.
    old = ["select 1;", "-- old", "select 2;"]
    new = ["select 1;", "++ new", "select 2;"]
    text = "".join(difflib.unified_diff([s + "\n" for s in old], [s + "\n" for s in new], "a/q.sql", "b/q.sql"))

    [patch] = parse_diff(text + text.replace("q.sql", "r.sql")).files[:1]

    assert "\n--- old\n+++ new\n" in text
    assert [(line.number, line.text) for line in patch.added] == [(2, "++ new")]
    assert [f.path for f in parse_diff(text + text.replace("q.sql", "r.sql"))] == ["q.sql", "r.sql"]


# --- anchors ---------------------------------------------------------------------------------------------


def test_anchors_are_the_new_lines_inside_hunks(repo: Repo) -> None:
    old = lines_of(40, "a")
    repo.write("f.py", old)
    repo.commit()
    new_lines = old.splitlines()
    new_lines[19] = "changed twenty"  # one hunk: new lines 17-23 with three lines of context
    del new_lines[34]  # another: old line 35 removed; context 32-34 and 36-38 are new lines 32-37
    repo.write("f.py", "\n".join(new_lines) + "\n")

    [patch] = parse_diff(repo.staged()).files

    assert [(h.new_start, h.new_length) for h in patch.hunks] == [(17, 7), (32, 6)]
    assert [n for n in range(1, 41) if patch.anchors(n)] == [*range(17, 24), *range(32, 38)]
    assert all(patch.anchors(line.number) for line in patch.added)


# --- GitHub's list-files entries ---------------------------------------------------------------------------


def github_patch(raw: bytes) -> str:
    """What GitHub's files API puts in `patch`: the hunks of one file, without the git header."""
    text = raw.decode()
    return text[text.index("@@ ") :].rstrip("\n")


def test_github_files_entries(repo: Repo) -> None:
    repo.write("src/train.py", lines_of(10, "t"))
    repo.write("old_name.py", lines_of(10, "r"))
    repo.write("weights.bin", b"\x00")
    repo.commit()
    repo.write("src/train.py", lines_of(10, "t").replace("t line 4\n", "four\n"))
    (repo.root / "old_name.py").unlink()
    repo.write("new_name.py", lines_of(10, "r").replace("r line 9\n", "nine\n"))
    train_patch = github_patch(repo.git("diff", "src/train.py"))
    repo.git("add", "-A")
    rename_patch = github_patch(repo.git("diff", "--cached", "-M", "--", "old_name.py", "new_name.py"))
    entries: list[Mapping[str, object]] = [
        {"filename": "src/train.py", "status": "modified", "patch": train_patch},
        {"filename": "new_name.py", "status": "renamed", "previous_filename": "old_name.py", "patch": rename_patch},
        {"filename": "moved.py", "status": "renamed", "previous_filename": "was.py"},
        {"filename": "weights.bin", "status": "modified", "changes": 0},
        {"filename": "notes.md", "status": "added", "patch": "@@ -0,0 +1,2 @@\n+# Notes\n+TODO"},
    ]

    files = by_path(parse_github_files(entries))

    train = files["src/train.py"]
    assert not train.patch_missing
    assert [(line.number, line.text) for line in train.added] == [(4, "four")]
    assert [(line.number, line.text) for line in train.removed] == [(4, "t line 4")]
    renamed = files["new_name.py"]
    assert (renamed.status, renamed.old_path) == (FileStatus.RENAMED, "old_name.py")
    assert [(line.number, line.text) for line in renamed.added] == [(9, "nine")]
    assert (files["moved.py"].old_path, files["moved.py"].patch_missing) == ("was.py", True)
    assert (files["weights.bin"].patch_missing, files["weights.bin"].hunks) == (True, ())
    notes = files["notes.md"]
    assert (notes.status, [(line.number, line.text) for line in notes.added]) == (
        FileStatus.ADDED,
        [(1, "# Notes"), (2, "TODO")],
    )


def test_github_patch_lines_that_look_like_a_header() -> None:
    entry = {"filename": "q.sql", "status": "modified", "patch": "@@ -1,2 +1,2 @@\n--- old\n+++ new\n keep"}

    [patch] = parse_github_files([entry]).files

    assert [(line.number, line.text) for line in patch.added] == [(1, "++ new")]
    assert [(line.number, line.text) for line in patch.removed] == [(1, "-- old")]


def test_github_openapi_example_patch_is_rejected_by_file_name() -> None:
    entries = json.loads((FIXTURES / "github_files_openapi_example.json").read_text())

    with pytest.raises(DiffError, match=r"^file1\.txt: line \d+: hunk is shorter than its header"):
        parse_github_files(entries)


def test_github_entry_without_a_file_name() -> None:
    with pytest.raises(DiffError, match="without a filename"):
        parse_github_files([{"status": "added", "patch": "@@ -0,0 +1 @@\n+x"}])


# --- malformed diffs ---------------------------------------------------------------------------------------


@pytest.fixture
def good_diff(repo: Repo) -> str:
    repo.write("a.py", lines_of(10, "a"))
    repo.write("b.py", lines_of(10, "b"))
    repo.commit()
    repo.write("a.py", lines_of(10, "a").replace("a line 5\n", "five\n"))
    repo.write("b.py", lines_of(10, "b").replace("b line 2\n", "two\n"))
    return repo.staged().decode()


def line_no(text: str, needle: str) -> int:
    """1-based number of the first line of `text` that starts with `needle`."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if line.startswith(needle))


def test_good_diff_is_read(good_diff: str) -> None:
    assert [f.path for f in parse_diff(good_diff)] == ["a.py", "b.py"]


def test_truncated_hunk(good_diff: str) -> None:
    cut = good_diff[: good_diff.index(" b line 5")]  # b.py's hunk stops two lines short

    with pytest.raises(DiffError, match="hunk is shorter than its header says") as caught:
        parse_diff(cut)

    assert caught.value.line == len(cut.split("\n"))
    assert str(caught.value).startswith(f"line {caught.value.line}: ")


def test_truncated_after_the_file_header(good_diff: str) -> None:
    cut = good_diff[: good_diff.index("@@", good_diff.index("+++ b/b.py"))]

    with pytest.raises(DiffError, match=r"not followed by any hunk \(truncated diff\?\)") as caught:
        parse_diff(cut)

    assert caught.value.line == line_no(cut, "diff --git a/b.py")


def test_truncated_after_the_diff_git_line(good_diff: str) -> None:
    cut = good_diff[: good_diff.index("index", good_diff.index("diff --git a/b.py"))]

    with pytest.raises(DiffError, match="not followed by what changed") as caught:
        parse_diff(cut)

    assert caught.value.line == line_no(cut, "diff --git a/b.py")


def test_hunk_longer_than_its_header(good_diff: str) -> None:
    longer = good_diff.replace("+five\n", "+five\n+extra\n")

    with pytest.raises(DiffError, match="hunk is longer than its header says") as caught:
        parse_diff(longer)

    # The header promises 7 new lines; with "+extra" the last context line is the 8th.
    assert caught.value.line == line_no(longer, " a line 8")


def test_hunk_longer_than_its_header_at_the_very_end(good_diff: str) -> None:
    longer = good_diff + "+one more\n"

    with pytest.raises(DiffError, match="hunk is longer than its header says") as caught:
        parse_diff(longer)

    assert caught.value.line == line_no(longer, "+one more")


def test_garbage_line_inside_a_hunk(good_diff: str) -> None:
    broken = good_diff.replace(" a line 6\n", "?garbage\n")

    with pytest.raises(DiffError, match=r"expected a hunk line starting with .*'\?garbage'") as caught:
        parse_diff(broken)

    assert caught.value.line == line_no(broken, "?garbage")


def test_bad_hunk_header(good_diff: str) -> None:
    first = good_diff.index("@@ -")
    header_end = good_diff.index("\n", first)
    broken = good_diff[:first] + "@@ -2,seven +2,7 @@" + good_diff[header_end:]

    with pytest.raises(DiffError, match="malformed hunk header '@@ -2,seven") as caught:
        parse_diff(broken)

    assert caught.value.line == line_no(broken, "@@ -2,seven")


def test_truncated_hunk_in_a_plain_diff_before_the_next_file() -> None:
    # The next file's header cannot be read as hunk lines either: the first error is the one reported.
    text = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n"

    with pytest.raises(
        DiffError, match=r"^line 6: hunk is shorter than its header says \(expected -3 \+3, got -2 \+1\)"
    ):
        parse_diff(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hello,\nthis is not a diff at all.\n",
        "@@ -1 +1 @@\n-a\n+b\n",
        "--- a/x\nsome prose\n",
        "--- a/x\n+++ b/x\nno hunk here\n",
        "diff --git a/x b/x\n",
    ],
    ids=["prose", "hunk-without-header", "dashes-without-plus", "header-without-hunk", "git-line-alone"],
)
def test_random_text_is_refused_with_a_line(text: str) -> None:
    with pytest.raises(DiffError, match=r"^line \d+: ") as caught:
        parse_diff(text)

    assert caught.value.line == 1


# --- properties --------------------------------------------------------------------------------------------

LINE_TEXT = st.text(st.characters(exclude_characters="\n\r", exclude_categories=["Cs"]), max_size=12)
FILE_LINES = st.lists(st.one_of(LINE_TEXT, st.sampled_from(["", "-- x", "++ y", "--- a", "+++ b", "@@ -1 +1 @@"])))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=FILE_LINES, new=FILE_LINES, context=st.integers(min_value=0, max_value=4))
def test_difflib_diffs_read_back_to_the_lines_they_change(old: list[str], new: list[str], context: int) -> None:
    text = "".join(
        difflib.unified_diff([s + "\n" for s in old], [s + "\n" for s in new], "a/f.txt", "b/f.txt", n=context)
    )
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    added = [(j + 1, new[j]) for tag, _, _, j1, j2 in opcodes if tag in ("replace", "insert") for j in range(j1, j2)]
    removed = [(i + 1, old[i]) for tag, i1, i2, _, _ in opcodes if tag in ("replace", "delete") for i in range(i1, i2)]

    files = parse_diff(text).files

    if old == new:
        assert files == ()
        return
    [patch] = files
    assert patch.path == "f.txt"
    assert [(line.number, line.text) for line in patch.added] == added
    assert [(line.number, line.text) for line in patch.removed] == removed
    # Without dates a plain diff cannot tell a new file from lines inserted at the top (`-0,0` either way).
    assert patch.status is FileStatus.MODIFIED
    assert patch.old_text("".join(s + "\n" for s in new)) == "".join(s + "\n" for s in old)


DIFF_LINES = st.sampled_from(
    [
        "diff --git a/x b/x\n",
        'diff --git "a/\\303x" "b/y"\n',
        "--- a/x\n",
        "+++ b/x\n",
        "--- /dev/null\n",
        "+++ /dev/null\n",
        "@@ -1 +1 @@\n",
        "@@ -0,0 +1,2 @@\n",
        "@@ -1,2 +1 @@\n",
        "@@ -99999999999999999999 +1 @@\n",
        "@@ garbage\n",
        "+a\n",
        "-b\n",
        " c\n",
        "\n",
        "\r\n",
        "\\ No newline at end of file\n",
        "new file mode 100644\n",
        "deleted file mode 100644\n",
        "old mode 100644\n",
        "new mode 100755\n",
        "rename from x\n",
        "rename to y\n",
        "copy from q\n",
        "copy to r\n",
        "index 0000000..1111111 100644\n",
        "Binary files a/x and b/x differ\n",
        "GIT binary patch\n",
        "-- \n",
        "2.39.5\n",
        "garbage\n",
    ]
)


def _parse_fully(data: str | bytes) -> None:
    for patch in parse_diff(data):
        _ = (list(patch.added), list(patch.removed), patch.added.text, patch.anchors(1), patch.is_submodule)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.lists(DIFF_LINES, max_size=14).map("".join), st.binary()))
def test_arbitrary_input_raises_nothing_but_diff_error(data: str | bytes) -> None:
    error: DiffError | None = None
    try:
        _parse_fully(data)
    except DiffError as exc:
        error = exc
    assert error is None or error.line is None or error.line >= 1


def test_the_old_text_is_rebuilt_from_the_new_one_and_refused_when_they_disagree(repo: Repo) -> None:
    before = "".join(f"line {i}\n" for i in range(1, 30)) + "last"  # no newline at the end
    after = before.replace("line 3\n", "line three\n").replace("line 20\n", "").replace("last", "last\n")
    repo.write("f.txt", before)
    repo.commit()
    repo.write("f.txt", after)
    [patch] = parse_diff(repo.staged())

    assert patch.old_text(after) == before
    assert patch.old_text(after.replace("line 5\n", "line five\n")) is None  # a context line differs
    assert patch.old_text(after.replace("line three", "line 3")) is None  # an added line differs
    assert patch.old_text("line 1\n") is None  # too short for the hunks
    repo.commit()
    repo.write("f.txt", after.removesuffix("\n"))  # now the new side has no newline at the end
    [patch] = parse_diff(repo.staged())
    assert patch.old_text(after.removesuffix("\n")) == after
    repo.commit()
    repo.write("f.txt", after.replace("line 1\n", "line one\n").removesuffix("\n"))
    [patch] = parse_diff(repo.staged())  # the unended last line is far from the change: no marker
    assert patch.old_text(after.replace("line 1\n", "line one\n").removesuffix("\n")) == after.removesuffix("\n")


def test_hunks_that_overlap_rebuild_no_old_text() -> None:
    diff = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n"
    [patch] = parse_diff(diff)
    assert patch.old_text("b\nc\n") is None


def test_removed_lines_are_placed_before_the_new_line_that_follows_them() -> None:
    diff = parse_diff(
        "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n"
        "@@ -1,5 +1,3 @@\n keep\n-gone one\n-gone two\n+new\n keep too\n-last\n"
        "@@ -10,1 +9,0 @@\n-dropped\n\\ No newline at end of file\n"
    )
    first, second = diff.files[0].hunks
    assert first.removed_in_new() == [(2, "gone one"), (2, "gone two"), (4, "last")]
    assert second.removed_in_new() == [(10, "dropped")]


@given(st.lists(LINE_TEXT, max_size=8))
def test_line_offsets_point_at_each_line_of_the_joined_text(lines: list[str]) -> None:
    joined = "\n".join(lines)
    offsets = line_offsets(lines)

    assert len(offsets) == len(lines)
    for line, at in zip(lines, offsets, strict=True):
        assert joined.startswith(line, at)
        assert at == 0 or joined[at - 1] == "\n"
