"""Where a pull request's findings live on GitHub: blob links at the head commit, the config at the base."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from checks.config import CONFIG_PATH
from checks.registry import find
from checks.report.catalog import anchor

DEFAULT_GITHUB_URL = "https://github.com"


@dataclass(frozen=True)
class Links:
    """The pull request being published to, and how to link into it.

    `github_url` is the web host (GitHub Enterprise Server has its own); `rules_docs_url` is the page
    that documents every rule (docs/rules.md as published), or None to name the rule without a link.
    """

    repo: str
    head_sha: str
    base_ref: str
    head_ref: str
    github_url: str = DEFAULT_GITHUB_URL
    rules_docs_url: str | None = None

    @property
    def _root(self) -> str:
        return f"{self.github_url.rstrip('/')}/{self.repo}"

    def blob(self, path: str, line: int | None = None) -> str:
        """The file at the head commit, at `line` when given."""
        return self._blob(self.head_sha, path, line)

    def config(self, path: str = CONFIG_PATH, line: int | None = None) -> str:
        """The config file on the base branch: the version the review read (a change cannot edit its own)."""
        return self._blob(self.base_ref, path, line)

    def rule_docs(self, code: str) -> str | None:
        """The rule's section in the rules reference (the page itself for a code the catalog lacks)."""
        if self.rules_docs_url is None:
            return None
        found = find(code)
        return f"{self.rules_docs_url}#{anchor(found)}" if found is not None else self.rules_docs_url

    def _blob(self, ref: str, path: str, line: int | None) -> str:
        url = f"{self._root}/blob/{quote(ref, safe='/')}/{quote(path, safe='/')}"
        return f"{url}#L{line}" if line is not None else url
