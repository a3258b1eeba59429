"""Data rules on changes made with real git, where the YAML cases cannot go: unchanged context around the
added lines, blob sizes of real files, and diffs of thousands of lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from checks import Snapshot, review
from checks.finding import Finding
from checks.rules.data_files import LINE_PROXY


class Repo:
    """A throwaway git repository: commit a base, commit a head, and review the difference."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._git("init", "-q", "-b", "main")
        self._git("config", "user.email", "dev@example.com")
        self._git("config", "user.name", "dev")

    def _git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True)
        return done.stdout

    def commit(self, files: Mapping[str, str | None]) -> str:
        for name, content in files.items():
            path = self.root / name
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        self._git("add", "-A")
        self._git("commit", "-q", "-m", "change")
        return self._git("rev-parse", "HEAD").strip()

    def review(self, base: str, *, sizes: bool = True, texts: bool = True) -> list[Finding]:
        diff = self._git("diff", "--no-color", "-M", base, "HEAD")
        tree = frozenset(self._git("ls-files").split())
        snapshot = Snapshot(
            sizes={p: (self.root / p).stat().st_size for p in tree} if sizes else {},
            texts={p: (self.root / p).read_text(encoding="utf-8") for p in tree} if texts else {},
            tree=tree,
            today=dt.date(2026, 11, 26),
        )
        result = review(diff, snapshot=snapshot)
        assert not result.rule_errors, result.rule_errors
        return [*result.findings, *(_as_paid(f) for f in result.paid)]


def _as_paid(finding: Finding) -> Finding:
    return dataclasses.replace(finding, rule=f"paid:{finding.rule}")


def _rules(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.rule == code]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


def _csv(rows: int) -> str:
    return "id,amount,label\n" + "".join(f"{i},{i * 7 % 1000}.25,{i % 2}\n" for i in range(rows - 1))


def test_a_real_dataset_is_measured_by_its_blob_size(repo: Repo) -> None:
    base = repo.commit({"README.md": "churn\n"})
    repo.commit({"data/raw/transactions.csv": _csv(100_000)})
    found = _rules(repo.review(base), "DATA001")
    assert [(f.path, f.severity.value) for f in found] == [("data/raw/transactions.csv", "medium")]
    assert "MB)" in found[0].message


def test_without_sizes_ten_thousand_added_lines_stand_in(repo: Repo) -> None:
    base = repo.commit({"README.md": "churn\n"})
    repo.commit({"data/big.csv": _csv(LINE_PROXY), "data/small.csv": _csv(LINE_PROXY - 1)})
    found = _rules(repo.review(base, sizes=False), "DATA001")
    assert [f.path for f in found] == ["data/big.csv"]
    assert f"{LINE_PROXY:,} added lines" in found[0].message


def test_moving_a_dataset_to_git_lfs_pays_the_debt(repo: Repo) -> None:
    base = repo.commit({"data/big.csv": _csv(LINE_PROXY + 5)})
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 312345\n"
    )
    repo.commit({"data/big.csv": pointer, ".gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n"})
    found = repo.review(base)
    assert _rules(found, "DATA001") == []
    assert [f.path for f in _rules(found, "paid:DATA001")] == ["data/big.csv"]


def test_a_split_added_after_an_existing_fit_is_new_leakage(repo: Repo) -> None:
    start = "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n\n"
    fit = "X = StandardScaler().fit_transform(df.drop(columns=['y']))\ny = df['y']\n"
    base = repo.commit({"src/train.py": start + fit})
    repo.commit({"src/train.py": start + fit + "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"})
    found = _rules(repo.review(base), "DATA005")
    assert [(f.path, f.line, f.severity.value) for f in found] == [("src/train.py", 6, "high")]


def test_existing_leakage_on_unchanged_lines_is_not_this_changes_debt(repo: Repo) -> None:
    leak = "X = StandardScaler().fit_transform(X)\nX_train, X_test = train_test_split(X)\n"
    base = repo.commit({"src/train.py": leak})
    repo.commit({"src/train.py": leak + "print(X_train.shape)\n"})
    assert _rules(repo.review(base), "DATA005") == []


def test_a_handler_changed_to_swallow_errors_of_an_unchanged_try(repo: Repo) -> None:
    head = "rows = []\nfor line in open('data.jsonl'):\n    try:\n        rows.append(json.loads(line))\n"
    base = repo.commit({"src/load.py": head + "    except ValueError:\n        raise\n"})
    repo.commit({"src/load.py": head + "    except Exception:\n        continue\n"})
    found = _rules(repo.review(base), "DATA012")
    assert [(f.line, f.end_line) for f in found] == [(5, 6)]
    assert "json.loads" in found[0].message


def test_a_swallowing_clause_narrowed_in_place_is_no_new_debt(repo: Repo) -> None:
    head = "for path in files:\n    try:\n        row = pd.read_csv(path)\n"
    base = repo.commit({"src/load.py": head + "    except:  # noqa\n        continue\n"})
    repo.commit({"src/load.py": head + "    except Exception:\n        continue\n"})
    assert _rules(repo.review(base), "DATA012") == []


def test_a_swallowing_clause_narrowed_with_the_comment_above_it_is_no_new_debt(repo: Repo) -> None:
    head = "for path in files:\n    try:\n        row = pd.read_csv(path)\n"
    base = repo.commit({"src/load.py": head + "        # bad files\n    except:  # noqa\n        continue\n"})
    repo.commit({"src/load.py": head + "        # unreadable files\n    except Exception:\n        continue\n"})
    assert _rules(repo.review(base), "DATA012") == []


def test_a_read_added_under_a_clause_rewritten_with_it_is_new_debt(repo: Repo) -> None:
    head, tail = "for path in files:\n    try:\n", "        continue\n"
    base = repo.commit({"src/load.py": head + "        row = None\n    except:  # noqa\n" + tail})
    repo.commit({"src/load.py": head + "        row = pd.read_csv(path)\n    except Exception:\n" + tail})
    assert [(f.line, f.end_line) for f in _rules(repo.review(base), "DATA012")] == [(4, 5)]


def test_a_swallowing_body_added_under_a_rewritten_clause_is_new_debt(repo: Repo) -> None:
    head = "for path in files:\n    try:\n        row = pd.read_csv(path)\n"
    base = repo.commit({"src/load.py": head + "    except:  # noqa\n        raise\n"})
    repo.commit({"src/load.py": head + "    except Exception:\n        continue\n"})
    assert [(f.line, f.end_line) for f in _rules(repo.review(base), "DATA012")] == [(4, 5)]


def test_a_deleted_dataset_still_read_on_an_unchanged_line(repo: Repo) -> None:
    train = "import pandas as pd\n\ndf = pd.read_csv('data/iris.csv')\nprint(df.shape)\n"
    base = repo.commit({"data/iris.csv": _csv(20), "src/train.py": train})
    repo.commit({"data/iris.csv": None, "src/train.py": train + "print(df.columns)\n"})
    found = _rules(repo.review(base), "DATA014")
    assert [(f.path, f.line) for f in found] == [("src/train.py", 3)]


def test_a_revision_on_an_unchanged_continuation_line_pins_the_dataset(repo: Repo) -> None:
    call = 'ds = load_dataset(\n    "{}",\n    revision="e6281661ce1c48d982bc483cf8a173c1bbeb5d31",\n)\n'
    base = repo.commit({"src/train.py": "from datasets import load_dataset\n" + call.format("org/churn")})
    repo.commit({"src/train.py": "from datasets import load_dataset\n" + call.format("org/churn-v2")})
    found = repo.review(base)
    assert _rules(found, "DATA004") == []
    assert _rules(found, "paid:DATA004") == []


def test_deleting_a_dataset_pays_the_debt_measured_by_its_removed_text(repo: Repo) -> None:
    base = repo.commit({"data/raw/transactions.csv": _csv(100_000), "data/raw/labels.csv": _csv(50)})
    repo.commit({"data/raw/transactions.csv": None, "data/raw/labels.csv": None})
    found = repo.review(base)  # the head has no blob, so no size, for a deleted file
    assert [f.path for f in _rules(found, "paid:DATA001")] == ["data/raw/transactions.csv"]


def test_the_leakage_prechecks_let_every_known_name_through() -> None:
    # The prechecks skip files cheaply; a name they missed would silently disable the rule for it.
    from checks.rules import data_leakage
    from checks.rules.data_source import SPLIT_FUNCTIONS, SPLITTERS

    missed = [n for n in data_leakage._LEARNING_TRANSFORMERS if not data_leakage._TRANSFORMER_NEEDLES.found_in(n)]
    missed += [n for n in SPLIT_FUNCTIONS | SPLITTERS if not data_leakage._SPLIT_NEEDLES.found_in(f"{n}(")]
    assert missed == []


def _occurrences(text: str, words: tuple[str, ...]) -> set[int]:
    return {i for word in words for i in range(len(text)) if text.startswith(word, i)}


def test_the_head_slice_scan_starts_where_each_literal_does() -> None:
    # Its one `(` pass stands in for a `str.find` pass per call: a start it missed would lose a finding.
    from checks.rules import data_handling

    text = 'df.head(500) x.select(range(20)) split="train[:5]" nrows=5000 .head(.select( head( select( splits'
    expected = _occurrences(text, data_handling._HEAD_SLICE_LITERALS)
    assert data_handling._head_slice_starts(text) == expected


def test_the_validation_scans_find_every_call_they_name() -> None:
    from checks.rules import data_validation

    text = "fit(a) m.fit_generator(b) train(c) Trainer(d) s.score(e) evaluate(f) refit (g) retrain(h) fit_(i)"
    opened = (data_validation._VALIDATED, (*data_validation._VALIDATED, *data_validation._SCORE_CALLS))
    for pattern, calls in zip((data_validation._VALIDATED_OPENS, data_validation._CALL_OPENS), opened, strict=True):
        ends = {m.end() for m in pattern.finditer(text)}
        assert ends == {i + len(call) for i in range(len(text)) for call in calls if text.startswith(call, i)}


def test_a_hub_dataset_load_moved_into_a_branch_is_neither_new_nor_paid(repo: Repo) -> None:
    """The import that tells whose `load_dataset` is called stays on an unchanged line: the removed side reads it in
    the module as it was, as the added side reads it in the module as it is."""
    head = "from datasets import load_dataset\n\n\ndef dump(version, name):\n"
    base = repo.commit({"charlm/dump.py": head + '    dataset = load_dataset("oscar", name)\n    return dataset\n'})
    branched = '    if version:\n        dataset = load_dataset("oscar", name)\n    return dataset\n'
    repo.commit({"charlm/dump.py": head + branched})

    assert _rules(repo.review(base), "DATA004") == []
    assert _rules(repo.review(base), "paid:DATA004") == []
