"""Data debt in how code handles data: truncated training sets, swallowed data errors, frozen time windows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence

from checks.finding import Category, Hit, Severity, Side
from checks.lazyre import lazy
from checks.paths import Kind, Role
from checks.registry import Docs, rule
from checks.rules.code_common import in_string_text
from checks.rules.data_common import is_training_path, needles
from checks.views import FileView, Match, SideView

_NOT_OURS = (Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS, Role.VENDORED, Role.GENERATED)

# Literal-led alternatives for a fast scan; what precedes a match (the assignment, the subset's name) is
# checked per match.
_HEAD_SLICE = lazy(
    r"split\s*=\s*[rRfF]?[\"'](?P<split>[\w-]*train[\w-]*)\[\s*:\s*(?P<count>\d+)(?P<percent>%?)\s*\][\"']"
    r"|nrows\s*=\s*(?P<nrows>\d{4,})\b"  # a few rows (nrows=5, 100) are a schema preview
    r"|\.head\(\s*(?P<head>\d{3,})\s*\)"
    r"|\.select\(\s*range\(\s*(?P<select>\d{2,})\s*\)\s*\)"
)
_ASSIGNED = lazy(r"(?<![=!<>])=(?!=)")
_TRAINING_SUBSET = lazy(r"(\w*train\w*)$", re.IGNORECASE)
#: What each `_HEAD_SLICE` alternative starts with: found at `str.find` speed rather than by trying four
#: alternatives at every `.` of the text. Every match holds one, so they are the rule's needles too.
_HEAD_SLICE_LITERALS = ("split", "nrows", ".head(", ".select(")
#: The two calls among them, found in one pass over the `(` behind them rather than a `str.find` pass each.
_HEAD_SLICE_WORDS = ("split", "nrows")
_HEAD_SLICE_CALLS = lazy(r"\((?<=[dt]\()(?:(?<=\.head\()|(?<=\.select\())")
#: Shuffling or random sampling anywhere in the file: the subset may well be drawn after it.
_SHUFFLED = lazy(r"shuffle\(|\.sample\(|permutation\(")
_DISPLAY = lazy(r"^\s*(?:print|display|log\w*|logger\.\w+|st\.\w+)\(")


@rule(
    code="DATA007",
    slug="training-data-head-slice",
    title="Training data truncated to its first rows without shuffling",
    category=Category.DATA,
    severity=Severity.LOW,
    effort=5,
    remediation=(
        "Shuffle with a fixed seed (or sample stratified) before taking a subset, and keep debugging subsets "
        "out of the production training path (make the size a parameter)."
    ),
    docs=Docs(
        what=(
            "Training or data-preparation code (by its path) takes the first N rows of the data: a Hugging Face "
            'split slice (`split="train[:1000]"`, or a percentage below 50%), `read_csv(nrows=N)` with N >= 1000, '
            "an assigned `df.head(N)` with N >= 100, or `train.select(range(N))`, and nothing in the file shuffles "
            "or samples. "
            "Tests, examples and display calls are not reported."
        ),
        why=(
            "Files are often ordered by time, label or source, so the first rows are not a representative "
            "sample; debugging subsets also tend to ship by accident (OBrien et al. 2022: '@todo nrows is for "
            "testing only!'; Foidl et al. 2022 data smells)."
        ),
        example='train = load_dataset("imdb", split="train[:2000]")',
        fix='train = load_dataset("imdb", split="train").shuffle(seed=0).select(range(args.max_samples))',
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=_NOT_OURS,
    needles=_HEAD_SLICE_LITERALS,
)
def training_data_head_slice(view: FileView) -> Iterator[Hit]:
    if not is_training_path(view.path):
        return
    for side in view.source_sides():
        shuffled: bool | None = None
        for m in side.matches_at(_HEAD_SLICE, _head_slice_starts(side.lines.text)):
            if side.in_comment(m) or _DISPLAY.match(m.text):
                continue
            message = _truncation(m, side.column(m), notebook=view.kind is Kind.NOTEBOOK)
            if message is None:
                continue
            if shuffled is None:
                shuffled = _SHUFFLED.search(_context(view, side)) is not None
            if not shuffled:
                yield side.hit(m, message, content=m.group(0))


def _head_slice_starts(text: str) -> set[int]:
    """Where each of `_HEAD_SLICE_LITERALS` occurs: the starts `search_near` would try, in three passes."""
    starts: set[int] = set()
    for word in _HEAD_SLICE_WORDS:
        at = text.find(word)
        while at != -1:
            starts.add(at)
            at = text.find(word, at + 1)
    for m in _HEAD_SLICE_CALLS.finditer(text):
        starts.add(
            m.start() - (len(".head") if text.startswith(".head(", m.start() - len(".head")) else len(".select"))
        )
    return starts


def _truncation(m: Match, column: int, *, notebook: bool) -> str | None:
    before = m.text[:column]
    if m.group("split"):
        count, percent = int(m.group("count")), m.group("percent")
        if percent and count >= 50:
            return None  # train[:90%] with train[90%:] is the usual validation split
        size = f"{count}%" if percent else f"{count} rows"
        return f"Training split cut to its first {size} without shuffling"
    if m.group("nrows"):
        return f"Only the first {m.group('nrows')} rows are read (nrows) and never shuffled"
    if m.group("head"):
        if notebook or not _ASSIGNED.search(before):
            return None  # a notebook's head() is a preview; an unassigned head() is shown, not kept
        return f"Data cut to its first {m.group('head')} rows (head) without shuffling"
    subset = _TRAINING_SUBSET.search(before)
    if subset is None:
        return None  # only the training set matters here
    return f"{subset.group(1)} cut to its first {m.group('select')} rows without shuffling"


def _context(view: FileView, side: SideView) -> str:
    """The whole post-change file for added lines when known, else the lines of the side."""
    if side.side is Side.ADDED and view.text is not None:
        return view.text
    return side.lines.text


# A broad clause: a bare `except:` or `except :` (a wider gap, which no formatter writes, is not read: so every
# clause holds one of the rule's needles), or one naming Exception or BaseException.
_CLAUSE = r"except(?: ?|\b\s*\(?\s*(?:Exception|BaseException)\s*\)?\s*(?:as\s+\w+\s*)?):"
#: A broad clause, found literal-first; `_BROAD_EXCEPT` then checks that it is the whole line.
_EXCEPT = lazy(_CLAUSE + r"[ \t]*(?:pass|continue|\.\.\.)?[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
#: A whole line that is a bare or `except Exception` clause, with its body when on the same line.
_BROAD_EXCEPT = lazy(r"(?P<indent>[ \t]*)" + _CLAUSE + r"[ \t]*(?P<body>pass|continue|\.\.\.)?[ \t]*(?:#.*)?$")
#: Calls that read or parse data: what a swallowed exception around them drops is a record.
_READS_DATA = lazy(
    r"\bread_\w+\(|\.read\(|\b(?:json|yaml|pickle|orjson|ujson|tomllib)\.(?:safe_)?loads?\(|"
    # Any pandas function but a test of a value (`pd.isna(x)`), which reads nothing.
    r"\b(?:np|numpy)\.(?:load|loadtxt|genfromtxt|fromfile)\(|\b(?:pd|pandas)\.(?!(?:isna|isnull|notna|notnull)\()\w+\(|"
    r"\bImage\.open\(|"
    r"\bimread\(|\bimdecode\(|\bliteral_eval\(|\bstrptime\(|\.decode\(|\bload_dataset\(|"
    # Parsing a record, not a version compared (`parse(driver) < parse("550.40")`, `version.parse(v)`), nor a
    # credential, an address or the command line (`parse_api_key_v2(key)`, `parse_url(u)`, `parser.parse_args()`).
    r"(?<!version\.)(?<![<>=]\s)(?<![<>=])\bparse(?!\w*(?:key|token|ur[li]|args))\w*\((?![^)\n]*version)"
    r"(?![^)\n]*\)\s*[<>!=]=?)|"
    r"\bto_(?:numeric|datetime)\(|\bcsv\.(?:reader|DictReader)\(|\bsf\.read\(|\blibrosa\.load\("
)
#: A file opened for reading and writing at once: the code edits it in place.
_OPENED_FOR_UPDATE = lazy(r"""\bopen\([^)\n]*,\s*(?:mode\s*=\s*)?["'][rwa]b?\+b?["']""")
#: A read whose result the statement drops (`pd.to_datetime(column, format=f)` alone on its line): a test of whether
#: the data parses. A handler that only passes then drops nothing; one that `continue`s still skips the record.
_PROBE = lazy(r"[ \t]*(?:await[ \t]+)?[\w.]*\b(?:" + _READS_DATA.pattern + ")")
#: Converting a field is parsing too, when the handler drops the record (`continue`).
_CONVERTS = lazy(r"\b(?:int|float|Decimal|complex)\(")
#: A condition: a conversion it tests keeps nothing, so what the handler skips is a candidate, not a record.
_CONDITION = lazy(r"[ \t]*(?:el)?if\b|[ \t]*while\b")
#: `x = f(x)` or `x = x.decode("utf-8")`: a value converted in place, kept as it was when it does not convert (with
#: a handler that passes).
_IN_PLACE = lazy(r"[ \t]*([\w.]+)[ \t]*=[ \t]*(?:[\w.]+\([ \t]*\1[ \t]*\)|\1\.\w+\([^()\n]*\))[ \t]*(?:#.*)?$")
#: A model fitted in the `try` block: what fails there is a setting tried, not a record read.
_FITS = lazy(r"\.fit(?:_transform|_predict)?\(")
_OPTION_WORDS = ("bad_lines", "coerce")
_OPTIONS = needles(*_OPTION_WORDS)
_SILENT_PANDAS = lazy(
    r"\bon_bad_lines\s*=\s*[\"']skip[\"']|\berror_bad_lines\s*=\s*False\b|\berrors\s*=\s*[\"']coerce[\"']"
)
#: Signs that dropped or coerced records are counted, logged or checked right after.
_ACCOUNTED = lazy(
    r"\b(?:isna|isnull|notna|notnull)\(\)\s*\.\s*(?:sum|any|all|mean)\(|\blog\w*\.|\blogging\.|\bwarn|"
    r"\bassert\b|\braise\b|\bprint\("
    # A coerced scalar tested for the missing value it may have become (`... is not pd.NaT`, `pd.isna(value)`).
    r"|\bNaT\b|\b(?:pd|pandas|np|numpy)\.(?:isna|isnull|notna|notnull|isnan|isnat)\("
)
_TRY_SCAN_LINES = 40


@rule(
    code="DATA012",
    slug="data-errors-swallowed",
    title="Data errors silently swallowed",
    category=Category.DATA,
    severity=Severity.LOW,
    effort=15,
    remediation=(
        "Count, log and bound what is dropped or coerced (fail above a threshold), so data-quality "
        "regressions show up instead of silently shrinking the data."
    ),
    docs=Docs(
        what=(
            "Added code drops bad data without a trace: a bare or `except Exception:` handler whose only "
            "statement is `pass` or `continue` around a call that reads or parses data (not a version compared: "
            '`parse(driver) < parse("550.40")`, nor a score converted where a model is fitted per setting, nor a '
            "read whose result the statement drops under a `pass`: a test of whether the data parses, nor a value "
            "converted in place under a `pass`, `x = f(x)` or `x = x.decode()`, kept as it came when it does not "
            "convert, nor a "
            'conversion only a condition tests, nor a file opened for update, `open(path, "r+")`, read to be '
            "patched in place), "
            '`read_csv(on_bad_lines="skip")` / `error_bad_lines=False`, or `errors="coerce"` with no count, '
            "log or check on the lines that follow (`is not pd.NaT` and `pd.isna(...)` check a coerced value). "
            "Code in a triple-quoted string (a template the module writes out) is text."
        ),
        why=(
            "Silently skipped records and values coerced to NaN hide upstream data problems until the model "
            "degrades (bandit B110/B112; Foidl et al. 2022 data smells: missing and invalid values)."
        ),
        example=(
            "for line in f:\n    try:\n        rows.append(json.loads(line))\n    except Exception:\n        continue"
        ),
        fix=(
            "for line in f:\n    try:\n        rows.append(json.loads(line))\n    except json.JSONDecodeError:\n"
            "        skipped += 1\nlog.warning('skipped %d bad rows', skipped)"
        ),
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK},
    skip_roles=_NOT_OURS,
    # Every hit is on a broad clause's line (`except:`, `except :`, or one naming Exception) or a pandas option.
    needles=("except:", "except :", "Exception", *_OPTION_WORDS),
)
def data_errors_swallowed(view: FileView) -> Iterator[Hit]:
    for side in view.source_sides():
        text = side.lines.text
        handlers = _broad_handlers(side) if "except" in text else []
        options = [m for m in side.search(_SILENT_PANDAS) if not side.in_comment(m)] if _OPTIONS.found_in(text) else []
        # Code in a string the module writes out (an app's template) is text, not this module's code.
        handlers = [(m, h) for m, h in handlers if not in_string_text(view, side, m)]
        options = [m for m in options if not in_string_text(view, side, m)]
        if not handlers and not options:
            continue
        lines, by_number = _lines_of(view, side)
        for m, handler in handlers:
            hit = _swallowing_handler(side, m, handler, lines, m.number - 1 if by_number else m.index)
            if hit is not None and not (by_number and _clause_edited_in_place(view, hit, lines)):
                yield hit
        for m in options:
            at = m.number - 1 if by_number else m.index
            if "coerce" in m.group(0) and _ACCOUNTED.search(" ".join(lines[at : at + 4])):
                continue
            yield side.hit(m, f"Bad records are dropped or coerced silently ({m.group(0)})", content=m.text)


def _clause_edited_in_place(view: FileView, hit: Hit, lines: Sequence[str]) -> bool:
    """The change rewrote only the clause line of a handler that swallowed before (`except:  # noqa` ->
    `except Exception:`): a broad clause removed where the added one stands, and the handler's body and the read
    in its `try` block on lines the change keeps. That debt was there; the change narrows it. `lines`: the
    post-change file."""
    line = hit.line
    if line is None:
        return False
    end = hit.end_line or line
    added = frozenset(view.patch.added.numbers())
    if not any(_BROAD_EXCEPT.match(text) for text in view.patch.replaced(line, added)):
        return False
    read = hit.content.split(" | ", 1)[0]
    above = range(line - 2, max(-1, line - 2 - _TRY_SCAN_LINES), -1)
    read_at = next((index + 1 for index in above if lines[index] == read), None)
    return read_at is not None and read_at not in added and not any(n in added for n in range(line + 1, end + 1))


def _lines_of(view: FileView, side: SideView) -> tuple[Sequence[str], bool]:
    """The lines to read around a match: the post-change file (indexed by line number) or the side's lines."""
    if side.side is Side.ADDED and view.text is not None and view.kind is not Kind.NOTEBOOK:
        return view.text.splitlines(), True
    return side.lines.texts(), False


def _broad_handlers(side: SideView) -> list[tuple[Match, re.Match[str]]]:
    """Each line that is a broad `except` clause, with the clause read as a whole line."""
    found: list[tuple[Match, re.Match[str]]] = []
    last = -1
    for m in side.search(_EXCEPT):
        handler = _BROAD_EXCEPT.match(m.text) if m.index != last else None
        last = m.index
        if handler is not None:
            found.append((m, handler))
    return found


def _reads_data(line: str, *, patched: bool) -> bool:
    """Whether the line reads or parses data; a `.read()` alone does not when the block edits a file in place."""
    found = [m.group() for m in _READS_DATA.finditer(line)]
    return bool(found) and not (patched and set(found) == {".read("})


def _swallowing_handler(side: SideView, m: Match, handler: re.Match[str], lines: Sequence[str], at: int) -> Hit | None:
    indent = len(handler.group("indent").expandtabs())
    body = handler.group("body")
    end = at
    if not body:
        following = _next_code_line(lines, at + 1)
        if following is None:
            return None
        end, text = following
        body = text.strip().split("#", 1)[0].strip()
        if body not in ("pass", "continue", "...") or _indent(text) <= indent:
            return None
        after = _next_code_line(lines, end + 1)
        if after is not None and _indent(after[1]) > indent:
            return None  # the handler does more than pass: it may log or count
    trial = _try_body(lines, at, indent)
    if trial is None:
        return None
    # A loop that fits a model per setting and skips the settings that fail converts scores, not records.
    converts = body == "continue" and not any(map(_FITS.search, trial))
    # A file opened to be edited in place (`open(cutlass, "r+")`, a library's source patched) is read to be written
    # back, not as records.
    patched = any(_OPENED_FOR_UPDATE.search(t) for t in trial)
    call = next((t for t in trial if _reads_data(t, patched=patched) or (converts and _converts_kept(t))), None)
    if call is None or (body != "continue" and (_PROBE.match(call) or _kept_as_it_was(trial))):
        return None
    dropped = "skipped" if body == "continue" else "ignored"
    return side.hit(
        m,
        f"Errors while reading data are {dropped} silently: {call.strip()[:80]}",
        content=f"{call} | {m.text} {body}",
        end_line=m.number + (end - at),
    )


def _converts_kept(line: str) -> bool:
    return _CONVERTS.search(line) is not None and _CONDITION.match(line) is None


def _kept_as_it_was(trial: Sequence[str]) -> bool:
    """A `try` block that only converts a value in place: when it fails, the value stays as it came."""
    code = [line for line in trial if line.strip() and not line.lstrip().startswith("#")]
    return len(code) == 1 and _IN_PLACE.match(code[0]) is not None


def _next_code_line(lines: Sequence[str], start: int) -> tuple[int, str] | None:
    for index in range(start, min(len(lines), start + 5)):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            return index, lines[index]
    return None


def _indent(text: str) -> int:
    return len(text.expandtabs()) - len(text.expandtabs().lstrip())


def _try_body(lines: Sequence[str], at: int, indent: int) -> list[str] | None:
    """The lines of the `try:` block this handler closes, or None when it is not in view."""
    for index in range(at - 1, max(-1, at - 1 - _TRY_SCAN_LINES), -1):
        text = lines[index]
        if not text.strip():
            continue
        level = _indent(text)
        if level < indent:
            return None
        if level == indent and text.strip().startswith("try:"):
            return list(lines[index + 1 : at])
    return None


_DATE = r"(?:19|20)\d\d-[01]\d-[0-3]\d"
#: A date the rule reports is valid, so it holds its month between dashes: the rule's needles.
_MONTHS = tuple(f"-{month:02}-" for month in range(1, 13))
#: Every window has an ISO date; this literal-led pattern finds one fast.
_DATE_HINT = lazy(r"-[01]\d-[0-3]\d")
_WINDOW = lazy(
    rf"\b(?P<name>[A-Za-z_]\w*)[\"']?\s*[:=]\s*[rRbBuU]?[\"'](?P<date>{_DATE})"
    rf"|\b(?P<column>[\w.]*(?:date|time|_at|_ts|day|dt))\s*(?P<op>[<>]=?|between)\s*(?:date\s+|timestamp\s+)?"
    rf"'(?P<bound>{_DATE})",
    re.IGNORECASE,
)
# Which end of the window a name fixes. Only a fixed end makes the data stale (medium once it is old); a fixed
# start is still configuration debt (low): the window never moves and old data weighs in forever.
_END_WORDS = frozenset({"end", "until", "cutoff", "stop"})
_START_WORDS = frozenset({"start", "begin", "since"})
_LOOSE_END_WORDS = frozenset({"to", "max", "last", "latest", "upper"})
_LOOSE_START_WORDS = frozenset({"from", "min", "first", "earliest", "lower"})
_TIME_WORDS = frozenset({"date", "time", "dt", "day", "ts", "timestamp", "period"})
_BACKTEST = lazy(r"backtest|back_test", re.IGNORECASE)
STALE_AFTER_DAYS = 730


@rule(
    code="DATA016",
    slug="hard-coded-training-window",
    title="Hard-coded training time window (stale-data risk)",
    category=Category.DATA,
    severity=Severity.LOW,
    effort=15,
    remediation=(
        "Make the data window a parameter (relative to the run date, e.g. the last 365 days) and record it "
        "with the model, so staleness is visible and retraining uses fresh data."
    ),
    docs=Docs(
        what=(
            "Training or data code (by its path) adds a date literal that bounds the data window: a variable "
            'or argument such as `end_date = "2021-06-30"`, `cutoff="2021-06-30"`, `start_date = "2019-01-01"`, '
            "or a SQL predicate `event_time < '2022-01-01'`. A fixed end more than two years before the review is "
            "medium (the model keeps learning from an old world); a fixed start stays low (the window never "
            "moves). Dates computed at run time, back-testing code, tests, examples and docs are not reported."
        ),
        why=(
            "A frozen window keeps retraining on old data while the world moves on; nobody notices the model "
            "getting stale (ML Test Score Model 4 and Monitor 4: models are not too stale)."
        ),
        example='TRAIN_END_DATE = "2021-12-31"\ndf = df[df.event_date <= TRAIN_END_DATE]',
        fix="train_end = run_date - dt.timedelta(days=config.label_delay_days)",
    ),
    kinds={Kind.PYTHON, Kind.NOTEBOOK, Kind.SQL},
    skip_roles=_NOT_OURS,
    needles=_MONTHS,
)
def hard_coded_training_window(view: FileView) -> Iterator[Hit]:
    if not is_training_path(view.path) or _BACKTEST.search(view.path):
        return
    today = view.snapshot.today
    for side in view.source_sides():
        if not _DATE_HINT.search(side.lines.text) or _BACKTEST.search(_context(view, side)):
            continue
        for m in side.search(_WINDOW):
            bound = _bound(m)
            if bound is None or side.in_comment(m):
                continue
            try:
                day = dt.date.fromisoformat(m.group("date") or m.group("bound"))
            except ValueError:
                continue
            stale = bound == "end" and today is not None and (today - day).days > STALE_AFTER_DAYS
            yield side.hit(
                m,
                f"Training data window {bound} fixed at {day.isoformat()}"
                + (" (more than two years ago)" if stale else ""),
                content=m.group(0),
                severity=Severity.MEDIUM if stale else None,
            )


def _bound(m: Match) -> str | None:
    """Which end of a data window the match fixes ("start" or "end"), or None when it is not a window."""
    if m.group("column"):
        return "start" if m.group("op").startswith(">") else "end"
    words = set(m.group("name").lower().split("_"))
    timed = bool(words & _TIME_WORDS)
    if words & _END_WORDS or (timed and words & _LOOSE_END_WORDS):
        return "end"
    if words & _START_WORDS or (timed and words & _LOOSE_START_WORDS):
        return "start"
    return None
