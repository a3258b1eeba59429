"""Reading matched calls whole: across lines, into unchanged lines, and never inside strings or docstrings."""

from __future__ import annotations

import random
import re
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import review
from checks.config import Config
from checks.diff import LineSet, parse_diff
from checks.rules.model_calls import CallReader, Revision, _Jumps
from checks.rules.model_scan import Scan, _calls_ending, code_matches, continued_quote, in_string, scan
from checks.rules.python_strings import _STRING_TOKEN, triple_quoted_spans
from checks.snapshot import Snapshot
from checks.views import FileView, Match
from tests.rules.casefile import build_diff
from tests.rules.gitrepo import change, init

LOAD = re.compile(r"torch\.load\(")


def _view(added: str, *, text: str | None = None, status: str = "added", removed: str = "") -> FileView:
    path = "src/infer.py"
    diff = parse_diff(build_diff([{"path": path, "status": status, "added": added, "removed": removed}]))
    texts = {path: text} if text is not None else {}
    return FileView(diff.files[0], Snapshot(texts=texts), Config())


def _first(view: FileView, pattern: re.Pattern[str]) -> tuple[CallReader, Match]:
    side = view.added
    return CallReader(view, side), next(side.search(pattern))


def test_a_call_is_read_across_lines_and_keyed_by_its_meaning() -> None:
    view = _view("state = torch.load(\n    path,  # the checkpoint\n    weights_only=True,\n)\n")
    reader, m = _first(view, LOAD)
    call = reader.call(m)
    assert call is not None
    assert call.complete
    assert call.end_line == 4
    assert call.is_true("weights_only")
    assert call.key == "torch.load(path, weights_only=True)"
    one_line = _view("state = torch.load(path, weights_only=True)\n")
    same = CallReader(one_line, one_line.added).call(next(one_line.added.search(LOAD)))
    assert same is not None
    assert same.key == call.key


def test_a_call_continues_into_unchanged_lines_only_when_the_post_change_text_is_known() -> None:
    added = "state = torch.load(path,\n"
    text = "state = torch.load(path,\n                   weights_only=True)\n"
    known = _view(added, text=text, status="modified", removed="state = torch.load(old,\n")
    reader, m = _first(known, LOAD)
    call = reader.call(m)
    assert call is not None
    assert call.complete
    assert call.is_true("weights_only")
    unknown = _view(added, status="modified", removed="state = torch.load(old,\n")
    reader, m = _first(unknown, LOAD)
    cut = reader.call(m)
    assert cut is not None
    assert not cut.complete
    assert cut.node is None


def test_the_enclosing_call_of_a_keyword_and_its_revision() -> None:
    view = _view(
        'm = AutoModel.from_pretrained(\n    "org/x",\n    revision="3f1c9a7e2b4d",\n    trust_remote_code=True,\n)\n'
    )
    reader, m = _first(view, re.compile(r"trust_remote_code"))
    call = reader.enclosing_call(m)
    assert call is not None
    assert call.text.startswith("AutoModel.from_pretrained(")
    assert Revision.of(call) is Revision.HASH


def test_docstrings_and_strings_are_not_code() -> None:
    source = 'def f():\n    """Load it:\n\n        torch.load(p)\n    """\n    return torch.load(p)\n'
    view = _view(source, text=source)
    found = [m.number for _, m in code_matches(view, Scan(LOAD, ("torch.load(",)))]
    assert found == [6]
    assert in_string('x = "torch.load(p)"', 10)
    assert not in_string("x = torch.load(p)  # '", 10)


def test_a_suffix_literal_finds_the_whole_name() -> None:
    view = _view("a = ensemble.RandomForestClassifier(n_estimators=3)\nb = GroupKFold(3)\nc = KFold(3)\n")
    names = re.compile(r"(?:RandomForestClassifier|KFold)\(")
    what = Scan(names, ("Classifier(", "KFold("), word_start=True)
    assert [m.group(0) for m in scan(view.added, what)] == ["RandomForestClassifier(", "KFold("]


def _spans_token_by_token(text: str) -> list[tuple[int, int]]:
    """The plain reading `triple_quoted_spans` must equal: every string and comment token, in order."""
    spans: list[tuple[int, int]] = []
    found = _STRING_TOKEN.search(text)
    while found is not None:
        token, position = found.group(0), found.end()
        if token in ('"""', "'''"):
            end = text.find(token, position)
            position = len(text) if end == -1 else end + 3
            spans.append((found.start(), position))
        found = _STRING_TOKEN.search(text, position)
    return spans


def test_triple_quoted_strings_are_found_only_outside_strings_and_comments() -> None:
    tricky = [
        'x = 1\n"""doc"""\ny = 2\n',
        "s = '\"\"\"'  # not a docstring\n'''real\n\"\"\" still inside\n'''\n",
        '# """ in a comment\nx = """open\n',
        'a = ""\n"""b"""\'\'\'c',
        'x = "unclosed \'\'\'\n"""',
        "x = 'it\\'s'\n'''\\'''\n",
        '""""\n""',
    ]
    for text in tricky:
        assert triple_quoted_spans(text) == _spans_token_by_token(text), text
    rng = random.Random(7)
    pieces = ['"', "'", "#", "\\", "\n", "a", " ", '"""', "'''", '""', "\\\n"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        assert triple_quoted_spans(text) == _spans_token_by_token(text), text


@given(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=30), st.data())
def test_the_first_jump_between_two_offsets_is_the_first_line_out_of_sequence(
    steps: list[int], data: st.DataObject
) -> None:
    numbers = list(accumulate(steps))  # each line's number: one more than the last, or a jump past some
    texts = [f"line {n}" for n in numbers]
    side = LineSet(texts, lambda: numbers)
    jumps = _Jumps(side)
    for _ in range(3):  # one reader asked again and again, mostly further on
        first = data.draw(st.integers(0, len(texts) - 1))
        last = data.draw(st.integers(first, len(texts) - 1))
        start, end = side.start(first) + 2, side.start(last) + 1
        expected = next((i for i in range(first + 1, last + 1) if numbers[i] != numbers[i - 1] + 1), None)
        assert jumps(start, end) == (None if expected is None else side.start(expected))


def test_a_string_continued_with_a_backslash_holds_the_start_of_the_next_line() -> None:
    assert continued_quote('    log("the model needs \\') == '"'
    assert continued_quote("    total = first + \\") == ""  # a line continued outside any string
    assert continued_quote('    log("done")  # ends with a backslash \\') == ""
    line = 'requires `trust_remote_code=True` first", trust_remote_code=True)'
    assert in_string(line, line.index("trust"), continued_quote('log("the model \\'))
    assert not in_string(line, line.rindex("trust"), continued_quote('log("the model \\'))
    assert not in_string(line, line.index("trust"))


def test_a_string_left_open_where_the_lines_jump_ends_there() -> None:
    text = '    """The value.\n    return load(url)\n    x = """closed"""\n'
    side = LineSet(text.split("\n")[:3], lambda: [3, 14, 15])  # a jump from line 3 to line 14
    cut = text.index("    return")
    assert triple_quoted_spans(text)[0] == (4, text.index('"""closed') + 3)
    assert triple_quoted_spans(text, _Jumps(side)) == [
        (4, cut),
        (text.index('"""closed'), len(text) - 1),
    ]
    jumps = _Jumps(side)
    assert jumps(0, len(text)) == cut
    assert jumps(cut, len(text)) is None


_DOCUMENTED = '''import torch


def get(x):
    """{summary}

    Args:
        x: input.
    """
    return x


def load(url):
    return torch.hub.load_state_dict_from_url(url, map_location={where})
'''


@pytest.mark.parametrize("with_texts", [False, True], ids=["diff-only", "with-texts"])
def test_a_call_edited_below_an_edited_docstring_opening_is_carried_over(tmp_path: Path, with_texts: bool) -> None:
    """The removed side holds the docstring's opening quotes but not its closing ones (unchanged): the call below
    them is no string, and its edit carries the old debt over."""
    init(tmp_path, {"pkg/m.py": _DOCUMENTED.format(summary="The value.", where="cpu")})
    edited = change(tmp_path, {"pkg/m.py": _DOCUMENTED.format(summary="Get the value.", where='"cpu"')})
    texts = edited.texts(tmp_path, ["pkg/m.py"]) if with_texts else {}
    result = review(edited.diff, snapshot=Snapshot(texts=texts, tree=edited.tree))
    assert [f.rule for f in result.findings] == []
    assert [f.rule for f in result.carried] == ["MODEL009"]


_EXAMPLE = """from transformers import AutoModel


class HuggingFaceModel:
    \"\"\"Wraps a model.

    Example:

    .. testcode::

        import transformers

        hf_model = transformers.AutoModel.from_pretrained('{hub_id}', num_labels=2)
        model = HuggingFaceModel(hf_model)
    \"\"\"
"""


def test_a_hub_id_edited_in_a_docstring_example_whose_quotes_the_diff_hides_is_neither_new_nor_paid(
    tmp_path: Path,
) -> None:
    """The hunk shows the example's lines without the docstring's opening quotes, far above: the post-change text
    tells the removed lines are in the same string as the kept ones around them."""
    init(tmp_path, {"pkg/m.py": _EXAMPLE.format(hub_id="bert-base-uncased")})
    edited = change(tmp_path, {"pkg/m.py": _EXAMPLE.format(hub_id="google-bert/bert-base-uncased")})
    result = review(edited.diff, snapshot=Snapshot(texts=edited.texts(tmp_path, ["pkg/m.py"]), tree=edited.tree))
    assert [(f.rule, f.line) for f in (*result.findings, *result.paid)] == []


_TWO_SPACES = '''def load():
  """Load the tokenizer.

  Returns: the tokenizer.
  # TODO(bob): cache it
  """
  from transformers import AutoTokenizer
  tokenizer = AutoTokenizer.from_pretrained("seyonec/PubChem10M_SMILES_BPE_450k")
  return tokenizer
'''


def test_a_module_reindented_whole_adds_and_pays_nothing_inside_or_below_its_docstrings(tmp_path: Path) -> None:
    """The blank line in the docstring is kept (it splits the hunks), so the second hunk opens at the docstring's
    closing quotes: read afresh they would open a string, and the call below would read as prose."""
    init(tmp_path, {"pkg/m.py": _TWO_SPACES})
    edited = change(tmp_path, {"pkg/m.py": _TWO_SPACES.replace("\n  ", "\n    ")})
    result = review(edited.diff, snapshot=Snapshot(texts=edited.texts(tmp_path, ["pkg/m.py"]), tree=edited.tree))
    assert [(f.rule, f.line) for f in (*result.findings, *result.paid)] == []


def test_the_call_scan_finds_the_open_of_every_name_it_is_given() -> None:
    # The look-behind at the character before each `(` only turns away what no name could end.
    text = "from_pretrained(a) x.pipeline(b) save( dump(c) a-b( x]( (d) ( e("
    for suffixes in (("from_pretrained", "pipeline", "save", "dump"), ("a-b", "x]"), ("", "e")):
        starts = {m.start() for m in _calls_ending(suffixes).finditer(text)}
        assert starts == {i for i, ch in enumerate(text) if ch == "(" and any(text[:i].endswith(s) for s in suffixes)}
