"""Which rules can find anything in a file, from one pass over its hunks.

A rule may name needles: strings of which one occurs, exactly as written (case matters), in the hunks of
every file where the rule finds something. One Aho–Corasick automaton over every selected rule's needles
reads each file's hunks once, and a rule none of whose needles occurred there is not run on the file. On a
release diff, about 97 of 100 (rule, file) pairs find nothing: scanning the text once for all of them,
instead of once a rule, is most of a review's time.

A rule that matches regardless of case lists the spellings with `any_case("todo")` (all 16 of them) rather
than have every hunk lowercased first, which would cost about as much again as the search.

Python's case-insensitive matching folds four non-ASCII letters onto ASCII ones (KELVIN SIGN is `k`, LONG S
`s`, DOTLESS I and I WITH DOT ABOVE `i`): a rule that ignores case finds `kludge` spelled with a KELVIN SIGN, which
holds no ASCII needle. A file whose hunks hold one of them, or its JSON escape, runs every rule.

The hunks are read as the diff holds them, as UTF-8 bytes (an automaton over bytes reads twice as fast as
one over `str`, which maps every match back to a character index): context lines and `+`/`-` markers
included, a notebook's JSON not decoded. So a needle is printable ASCII without quotes or backslashes (JSON
would escape them), and without a newline (a hunk line starts with its marker).
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING

from ahocorasick_rs import BytesAhoCorasick, Implementation, MatchKind

if TYPE_CHECKING:
    from checks.diff import FilePatch
    from checks.paths import Kind
    from checks.registry import Rule

#: The letters that fold onto ASCII ones, and their JSON escapes: the automaton looks for them too.
_FOLDING = "\u212a\u017f\u0131\u0130"
_FOLDING_NEEDLES = tuple(
    dict.fromkeys(spelled for ch in _FOLDING for spelled in (ch, f"\\u{ord(ch):04x}", f"\\u{ord(ch):04X}"))
)
_ALLOWED = frozenset(string.ascii_letters + string.digits + string.punctuation + " ") - frozenset('"\\')
#: `any_case` of a longer word would list thousands of spellings: a rule names a short part of it instead.
MAX_ANY_CASE_LETTERS = 8
#: Bytes a prefilter reads with its NFA, quick to build, before it builds its DFA, quick to read (about 4 ms more to
#: build, 6 µs less a kilobyte read, for two thousand needles).
DFA_AFTER_BYTES = 512 * 1024


def invalid_needle(needle: str) -> str | None:
    """Why `needle` cannot be one (None when it can)."""
    if not needle:
        return "a needle is never empty"
    bad = sorted(set(needle) - _ALLOWED)
    if bad:
        return f"needle {needle!r} holds {bad!r}: only printable ASCII without quotes, backslashes or newlines"
    return None


def valid_needles(needles: tuple[str, ...]) -> bool:
    """Whether every one of `needles` can be a needle: one set operation for them all, as rules register."""
    return all(needles) and set("".join(needles)) <= _ALLOWED


def any_case(*words: str) -> tuple[str, ...]:
    """Every spelling of each word in upper and lower case letters: `any_case("xxx")` is `XXX`, `XXx`, ... `xxx`."""
    spellings: list[str] = []
    for word in words:
        letters = sum(ch.isalpha() for ch in word)
        if letters > MAX_ANY_CASE_LETTERS:
            raise ValueError(f"any_case({word!r}): at most {MAX_ANY_CASE_LETTERS} letters; name a part of it")
        choices = [(ch.lower(), ch.upper()) if ch.isalpha() else (ch,) for ch in word]
        spellings.extend("".join(p) for p in product(*choices))
    return tuple(dict.fromkeys(spellings))


@lru_cache(maxsize=64)
def prefilter_for(rules: tuple[Rule, ...], kind: Kind | None = None) -> Prefilter:
    """The prefilter of these rules on files of `kind`, built once: a service reviews with the same rules all day.
    A runner asks for one per kind of file, with the rules that read that kind only: a Dockerfile's `FROM`
    needles, in every spelling, would otherwise match every `from` of every Python file."""
    return Prefilter(rules, kind)


class Prefilter:
    """The needles of some rules, and which of those rules may find something in a file."""

    def __init__(self, rules: Iterable[Rule], kind: Kind | None = None) -> None:
        """`kind`: the kind of the files it reads, for the rules that name needles by kind."""
        ids: dict[str, int] = {}
        self._wanted: dict[str, frozenset[int]] = {}
        for r in rules:
            listed = r.needles if kind is None else r.needles_for(kind)
            if listed is not None:
                self._wanted[r.code] = frozenset(ids.setdefault(n, len(ids)) for n in listed)
        self._every = frozenset(ids.values())
        # Ids from here on are the folding letters: finding one means every rule runs.
        self._folding = len(ids)
        self._needles = [n.encode() for n in ids] + [n.encode() for n in _FOLDING_NEEDLES]
        # An NFA first: over two thousand needles it builds in a millisecond where the DFA takes five to eight, and
        # most kinds of file a review meets (a setup.py, a pyproject.toml) hold a few kilobytes. Past
        # DFA_AFTER_BYTES read, the DFA, which reads several times faster (see `found_in`).
        self._automaton = self._build(Implementation.NoncontiguousNFA) if ids else None
        self._read = 0

    def _build(self, implementation: Implementation) -> BytesAhoCorasick:
        # Every match, overlapping ones too (`load(` inside `torch.load(`): any needle may gate a rule.
        return BytesAhoCorasick(self._needles, matchkind=MatchKind.Standard, implementation=implementation)

    def gates(self, rule: Rule) -> bool:
        """Whether the rule runs only where its needles occur."""
        return rule.code in self._wanted

    def found(self, patch: FilePatch) -> frozenset[int]:
        """The needles (by id) that occur in the hunks of `patch`."""
        return self.found_in(h.body for h in patch.hunks)

    def found_in(self, texts: Iterable[str]) -> frozenset[int]:
        automaton = self._automaton
        if automaton is None:
            return frozenset()
        present: set[int] = set()
        folding = self._folding
        for text in texts:
            # surrogatepass: a JSON patch may hold a lone surrogate, which no needle starts with anyway.
            data = text.encode("utf-8", "surrogatepass")
            self._read += len(data)
            if self._read > DFA_AFTER_BYTES and self._read - len(data) <= DFA_AFTER_BYTES:
                automaton = self._automaton = self._build(Implementation.DFA)
            for i, _, _ in automaton.find_matches_as_indexes(data, overlapping=True):
                if i >= folding:
                    return self._every
                present.add(i)
        return frozenset(present)

    def may_find(self, rule: Rule, present: frozenset[int]) -> bool:
        """False when the rule has needles and none of them is in `present`."""
        wanted = self._wanted.get(rule.code)
        return wanted is None or not wanted.isdisjoint(present)
