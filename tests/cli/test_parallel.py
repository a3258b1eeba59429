"""Reviews in parts on several processes give exactly the single-process review, moved debt across parts included."""

from __future__ import annotations

import datetime as dt
import itertools
import mmap
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import parallel
from checks.config import Config, LoadedConfig
from checks.diff import Diff, DiffError, parse_diff
from checks.runner import ReviewResult, review
from checks.snapshot import Snapshot
from tests.cli.conftest import RunCli
from tests.test_runner import git_diff

TODAY = dt.date(2026, 11, 26)
MODULES = 48
#: Small pieces and a zero threshold: the generated diff (about 60 kB) is cut like a release diff would be.
PIECE_BYTES = 1500
MOVED = "cache = {}  # TODO: evict entries older than a day"
PAID = "# FIXME: flaky when the GPU is busy"


def _module(i: int, *, after: bool) -> str:
    lines = [f"def step_{i}_{n}(x):\n    return x * {n} + {i}\n" for n in range(12)]
    if after:
        lines.append(f"def added_{i}(x):\n    return x - {i}\n")  # every module changes
    if not after and i == 0:
        lines.insert(3, MOVED + "\n")  # removed from the first module...
    if after and i == MODULES - 1:
        lines.insert(7, MOVED + "\n")  # ...and added to the last: moved debt, in another part
    if not after and i == 5:
        lines.insert(2, PAID + "\n")  # paid debt
    if after and i == 20:
        lines.insert(4, "import torch\nweights = torch.load(path)  # noqa\n")
        lines.insert(6, "# result = model(x)\n# loss = result.sum()\n# loss.backward()\n")
    if after and i == 30:
        lines.insert(1, "value = compute()  # TODO: cache this  # debtbot: ignore[CODE001] tracked in #12\n")
    if after and i == 40:
        lines.insert(9, "frame = pd.read_csv('data/train.csv')  # XXX: moves to the lake\n")
    return "".join(lines)


def _files() -> dict[str, tuple[str | None, str | None]]:
    files: dict[str, tuple[str | None, str | None]] = {
        f"src/pkg/mod_{i:03}.py": (_module(i, after=False), _module(i, after=True)) for i in range(MODULES)
    }
    files["requirements.txt"] = ("numpy==1.26.4\n", "numpy==1.26.4\ntorch\n")
    files["data/train.csv"] = ("a,b\n1,2\n", None)  # deleted while mod_040 still reads it
    files["src/pkg/new_tool.py"] = (None, "import os\n\nif False:\n    os.remove('x')\n# TODO: finish the tool\n")
    return files


@pytest.fixture(scope="module")
def data() -> bytes:
    return git_diff(_files()).encode()


def _snapshot(*, texts: bool) -> Snapshot:
    files = _files()
    after = {path: new for path, (_, new) in files.items() if new is not None}
    return Snapshot(texts=after if texts else {}, tree=frozenset(after) if texts else None, today=TODAY)


def _in_parts(change: parallel.DiffBytes | Diff, snapshot: Snapshot, workers: int) -> ReviewResult:
    return parallel.review(
        change,
        snapshot=snapshot,
        config=LoadedConfig(Config()),
        workers=workers,
        min_parallel_bytes=0,
        piece_bytes=PIECE_BYTES,
    )


def test_the_generated_diff_exercises_netting_across_parts(data: bytes) -> None:
    whole = review(data, snapshot=_snapshot(texts=False))
    todos = [f for f in whole.findings if f.rule == "CODE001"]
    # The moved TODO cancels out; the new tool's TODO and the XXX remain; the FIXME is paid.
    assert {f.path for f in todos if f.counts_against_policy} == {"src/pkg/new_tool.py", "src/pkg/mod_040.py"}
    assert any(f.rule == "CODE001" and f.path == "src/pkg/mod_005.py" for f in whole.paid)
    assert any(f.acknowledged and f.path == "src/pkg/mod_030.py" for f in whole.findings)
    assert len(parallel._byte_parts(data, 2, PIECE_BYTES)) > 4  # the moved TODO's two files are in different parts


@pytest.mark.parametrize("processes", [2, 3, 4])
def test_parts_shrink_as_the_work_runs_out(processes: int) -> None:
    sizes = [1000 + 7 * (i % 13) for i in range(400)]
    runs = parallel._guided(sizes, processes)
    sums = [sum(sizes[start:stop]) for start, stop in runs]
    assert [i for run in runs for i in range(*run)] == list(range(len(sizes)))  # every item, once, in order
    total = sum(sizes)
    assert abs(sums[0] - total / (2 * processes)) <= max(sizes)  # the first: a 2p-th of the whole
    # Then smaller and smaller (to within an item: parts end between items)...
    assert all(a + max(sizes) >= b for a, b in itertools.pairwise(sums[:-1]))
    assert min(sums[:-1]) >= total / (parallel.MIN_PART_SHARE * processes)  # ...down to the smallest part
    assert sums[-2] < sums[0] / 4
    assert len(runs) <= parallel.MIN_PART_SHARE * processes + 1


def test_one_process_or_one_item_is_one_part() -> None:
    assert parallel._guided([5, 6, 7], 1) == [(0, 3)]
    assert parallel._guided([5], 4) == [(0, 1)]
    assert parallel._guided([0, 0], 2) == [(0, 2)]
    assert parallel._guided([10**6, 1, 1], 2) == [(0, 1), (1, 3)]  # a large first item is a part alone


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_diff_reviewed_in_parts_equals_the_whole_review(data: bytes, workers: int) -> None:
    snapshot = _snapshot(texts=False)
    assert _in_parts(data, snapshot, workers) == review(data, snapshot=snapshot)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_parsed_change_with_texts_reviewed_in_parts_equals_the_whole_review(data: bytes, workers: int) -> None:
    snapshot = _snapshot(texts=True)
    diff = parse_diff(data)
    expected = review(diff, snapshot=snapshot)
    assert any(f.rule == "DATA014" for f in expected.findings)  # a change rule read the kept lines
    assert _in_parts(diff, snapshot, workers) == expected


def test_a_diff_mapped_from_its_file_is_reviewed_as_its_bytes(data: bytes, tmp_path: Path) -> None:
    """The command line maps a large diff file rather than read it (`bot.cli.review._read_diff`)."""
    patch = tmp_path / "change.diff"
    patch.write_bytes(data)
    snapshot = _snapshot(texts=False)
    with patch.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert _in_parts(mapped, snapshot, 2) == review(data, snapshot=snapshot)


def test_a_malformed_piece_reports_the_line_of_the_whole_diff(data: bytes) -> None:
    lines = data.decode().split("\n")
    # Drop an added line of a late module: its hunk is then shorter than its header says.
    at = max(i for i, line in enumerate(lines) if line.startswith("+def added_44("))
    broken = "\n".join(lines[:at] + lines[at + 1 :]).encode()
    with pytest.raises(DiffError) as whole:
        parse_diff(broken)
    with pytest.raises(DiffError) as parts:
        _in_parts(broken, _snapshot(texts=False), 2)
    assert (str(parts.value), parts.value.line) == (str(whole.value), whole.value.line)
    assert whole.value.line is not None
    assert whole.value.line > len(lines) // 2


@pytest.mark.parametrize("ending", ["killed", "failing"])
@pytest.mark.parametrize("after_parts", [0, 1])
def test_the_parts_a_worker_does_not_return_are_collected_by_this_process(
    data: bytes, ending: str, after_parts: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed (SIGKILL) or failing on a part (a malformed piece, say), at its first part or after one:
    the review goes on. A failing worker sends what it did before; this process collects the rest, and meets
    the error itself if it is one. The result is the single-process review's."""
    parent, real = os.getpid(), parallel._collect_part
    here: list[int] = []  # the parts this process collects
    worker_did, worker_ended = tmp_path / "worker-did", tmp_path / "worker-ended"

    def ending_part(job: Any, index: int, *, withhold: bool = False) -> Any:
        if os.getpid() == parent:
            here.append(index)
            time.sleep(0.05)  # the worker claims parts meanwhile
        else:
            did = worker_did.read_text().split() if worker_did.exists() else []
            if len(did) >= after_parts:
                worker_ended.write_text(str(index))
                if ending == "killed":
                    os.kill(os.getpid(), signal.SIGKILL)
                raise DiffError("a piece the worker could not read", line=1)
            worker_did.write_text(" ".join([*did, str(index)]))
        return real(job, index, withhold=withhold)

    monkeypatch.setattr(parallel, "_collect_part", ending_part)
    snapshot = _snapshot(texts=False)

    assert _in_parts(data, snapshot, 2) == review(data, snapshot=snapshot)
    assert int(worker_ended.read_text()) in here  # the part it ended on was collected here
    did = [int(i) for i in worker_did.read_text().split()] if worker_did.exists() else []
    assert len(did) == after_parts
    # What the worker did before it ended: lost with a killed worker (collected here again), sent by a failing one.
    assert all((index in here) is (ending == "killed") for index in did)


def test_below_the_threshold_the_review_is_the_plain_one(data: bytes) -> None:
    snapshot = _snapshot(texts=False)
    result = parallel.review(data, snapshot=snapshot, config=LoadedConfig(Config()), workers=4)
    assert result == review(data, snapshot=snapshot)


def _large_diff(files: int = 6, lines: int = 90_000) -> bytes:
    """New files of about 1 MB each (over the 5 MB threshold together): the first holds a TODO moved from an old
    file (the last in the diff), the last a new TODO."""
    out: list[str] = []
    for i in range(files):
        body = [f"value_{i}_{n} = {n}" for n in range(lines)]
        if i == 0:
            body[10] = MOVED
        if i == files - 1:
            body[20] = "# TODO: a new one"
        out.append(f"diff --git a/src/big_{i}.py b/src/big_{i}.py\nnew file mode 100644\n")
        out.append(f"--- /dev/null\n+++ b/src/big_{i}.py\n@@ -0,0 +1,{lines} @@\n")
        out.extend(f"+{line}\n" for line in body)
    old = [MOVED if n == 3 else f"kept_{n} = {n}" for n in range(8)]
    out.append("diff --git a/src/old.py b/src/old.py\n--- a/src/old.py\n+++ b/src/old.py\n@@ -1,8 +1,7 @@\n")
    out.extend(f"-{line}\n" if line == MOVED else f" {line}\n" for line in old)
    return "".join(out).encode()


@pytest.mark.parametrize("cores", [1, 2])
def test_the_command_line_reviews_a_large_diff_in_parts(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    """On two cores in parts; on one, the mapped file is parsed whole first."""
    monkeypatch.setattr(parallel, "cores", lambda: cores)
    data = _large_diff()
    assert len(data) > parallel.MIN_PARALLEL_BYTES
    patch = tmp_path / "large.diff"
    patch.write_bytes(data)

    run = run_cli("review", "--diff", patch, "--format", "json")

    expected = review(data, snapshot=Snapshot(today=dt.date.today()))
    assert run.err == ""
    assert [(f["rule"], f["path"], f["line"]) for f in run.json()["findings"]] == [
        (f.rule, f.path, f.line) for f in expected.findings
    ]
    # The moved TODO nets out across the parts; the new one, in another part, is found.
    assert [f["path"] for f in run.json()["findings"] if f["rule"] == "CODE001"] == ["src/big_5.py"]


def test_the_command_line_names_the_line_of_a_large_malformed_diff(tmp_path: Path, run_cli: RunCli) -> None:
    data = _large_diff()
    cut = data.rindex(b"+value_5_")  # the last new file loses its last line: its hunk is short
    patch = tmp_path / "large.diff"
    patch.write_bytes(data[:cut] + data[data.index(b"\n", cut) + 1 :])
    with pytest.raises(DiffError) as whole:
        parse_diff(patch.read_bytes())

    run = run_cli("review", "--diff", patch)

    assert run.code == 2
    assert run.err.startswith(f"debtbot: error: malformed diff in {patch}: {whole.value}")
