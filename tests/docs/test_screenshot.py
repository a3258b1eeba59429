"""The README's screenshots are rendered from a fresh review: the pages hold what the fake GitHub recorded of it.

Only the rendering runs here (`bench.screenshot_page`); `make screenshot` adds chromium.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from bench.screenshot import COMMENTED_PATH, pull_files, record_review
from bench.screenshot_page import Recorded, check_run_page, comment_page
from tests.worker.world import DEBT_RULES

pytestmark = pytest.mark.anyio


class _Text(HTMLParser):
    """The text a browser shows: tags dropped, entities decoded, comments and the stylesheet left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.parts.append(data)


def shown(html: str) -> tuple[str, list[str]]:
    """The page's visible text with whitespace collapsed, and its tags in order."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.tags


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def recorded(tmp_path: Path) -> Recorded:
    return await record_review(tmp_path)


async def test_the_check_run_page_shows_the_recorded_title_conclusion_summary_and_annotations(
    recorded: Recorded,
) -> None:
    text, tags = shown(check_run_page(recorded))

    assert {a["title"].split()[0] for a in recorded.annotations} == DEBT_RULES
    assert recorded.conclusion == "failure"
    assert words(recorded.title) in text
    assert f"{recorded.check_name} failed on commit {recorded.head_sha[:7]}" in text
    # The summary is rendered, not shown as markdown: its tables are tables, its heading a heading.
    assert tags.count("table") >= 2
    assert "h2" in tags
    assert "|---|" not in text
    assert "debtbot: this change fails the debt policy" in text
    assert f"Annotations {len(recorded.annotations)} warnings" in text
    positions = []
    for a in recorded.annotations:
        where = f"Check {a['annotation_level']} on line {a['start_line']} in {a['path']} {words(a['title'])}"
        assert f"{where} {words(a['message'])}" in text
        positions.append(text.index(where))
    assert positions == sorted(positions)  # in the order the check run has them: most severe first


async def test_the_comment_page_shows_the_review_and_its_inline_comment_under_the_commented_line(
    recorded: Recorded,
) -> None:
    text, _ = shown(comment_page(recorded))

    comment = recorded.comment
    assert comment.path == COMMENTED_PATH
    head_lines = str(pull_files()[comment.path]).splitlines()
    commented = words(head_lines[comment.line - 1])
    following = words(head_lines[comment.line])
    assert words(recorded.review_body.split("[")[0]) in text
    assert f"{comment.path} " in text
    assert commented in text
    assert following not in text  # the diff shown ends at the commented line, as on GitHub
    assert text.index(commented) < text.index("How to fix")
    rule, message = comment.body.split("**")[3], comment.body.splitlines()[2]
    assert f"medium · {rule}" in text
    assert words(message.replace("\\", "")) in text  # the markdown's escapes rendered away
    assert f"{recorded.pull_title} #{recorded.number}" in text
