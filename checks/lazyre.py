"""Regular expressions compiled when first used.

The rule modules hold about 350 patterns; compiling them all costs a third of the command line's start, and a
review runs only the rules whose needles occur (see `checks.prefilter`), so most of a small change's patterns
are never used. `lazy(...)` stands in for `re.compile(...)` at module level: the pattern is compiled on the
first call of any of its methods, which then go straight to the compiled pattern's.
"""

from __future__ import annotations

import re
from typing import Any, cast

#: What a compiled pattern answers; looked up on the compiled pattern once, then served from the instance.
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_ATTRIBUTES = ("flags", "groups", "groupindex")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        # `pattern` is readable before compiling: other patterns are built from it.
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Called only for names not yet on the instance: the first use compiles, and copies every method
        # and attribute of the compiled pattern onto the instance so that later calls cost nothing extra.
        if name not in _METHODS and name not in _ATTRIBUTES:
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self._flags)
        for each in (*_METHODS, *_ATTRIBUTES):
            setattr(self, each, getattr(compiled, each))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self._flags})"


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used.

    Typed as the compiled pattern it behaves as; it is not one for `isinstance`, nor for the `re` module's
    functions (`re.sub(pattern, ...)`): call its methods.
    """
    return cast("re.Pattern[str]", _LazyPattern(pattern, int(flags)))
