"""GitHub-like HTML pages of what a review published, as the fake GitHub recorded it: the check run (title,
conclusion, summary rendered from its markdown, annotations) and an inline review comment on its diff lines.

Only rendering: `bench.screenshot` runs the review and takes the screenshots. The markdown is rendered as
GitHub renders it (CommonMark with tables and strikethrough, raw HTML kept for `<details>`); the text is the
review's own, so no sanitizing is needed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markdown_it import MarkdownIt

#: The element the screenshots are cropped to.
SHOT_ID = "shot"
#: Lines of the diff GitHub shows above an inline comment (the commented line is the last).
HUNK_CONTEXT_LINES = 4
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class InlineComment:
    path: str
    line: int
    diff_hunk: str
    body: str


@dataclass(frozen=True)
class Recorded:
    """What the fake GitHub recorded of one review of one pull request."""

    repo: str
    number: int
    pull_title: str
    author: str
    head_ref: str
    base_ref: str
    head_sha: str
    bot: str
    check_name: str
    conclusion: str
    title: str
    summary: str
    annotations: tuple[Mapping[str, Any], ...]
    review_body: str
    comment: InlineComment


_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_html(text: str) -> str:
    html: str = _MARKDOWN.render(text)  # typed Any: a custom renderer may return anything
    return html


# --- icons (drawn here: no icon font or image to fetch) -----------------------------------------------------------

_X_CIRCLE = (
    '<svg class="icon {cls}" viewBox="0 0 16 16" width="{size}" height="{size}" aria-hidden="true">'
    '<circle cx="8" cy="8" r="7.25" fill="currentColor"/>'
    '<path d="M5.5 5.5l5 5m0-5l-5 5" stroke="#fff" stroke-width="1.6" stroke-linecap="round"/></svg>'
)
_CHECK_CIRCLE = (
    '<svg class="icon {cls}" viewBox="0 0 16 16" width="{size}" height="{size}" aria-hidden="true">'
    '<circle cx="8" cy="8" r="7.25" fill="currentColor"/>'
    '<path d="M4.8 8.3l2.1 2.1 4.3-4.5" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/></svg>'
)
_NEUTRAL_SQUARE = (
    '<svg class="icon {cls}" viewBox="0 0 16 16" width="{size}" height="{size}" aria-hidden="true">'
    '<rect x="1" y="1" width="14" height="14" rx="3" fill="currentColor"/>'
    '<path d="M5 8h6" stroke="#fff" stroke-width="1.6" stroke-linecap="round"/></svg>'
)
_TRIANGLE = (
    '<svg class="icon {cls}" viewBox="0 0 16 16" width="{size}" height="{size}" aria-hidden="true">'
    '<path d="M8 1.5l7 12.5H1z" fill="currentColor" stroke="currentColor" stroke-linejoin="round"/>'
    '<path d="M8 6v3.6" stroke="#fff" stroke-width="1.6" stroke-linecap="round"/>'
    '<circle cx="8" cy="11.8" r="0.9" fill="#fff"/></svg>'
)
_INFO = (
    '<svg class="icon {cls}" viewBox="0 0 16 16" width="{size}" height="{size}" aria-hidden="true">'
    '<circle cx="8" cy="8" r="7.25" fill="currentColor"/>'
    '<path d="M8 7.2v4" stroke="#fff" stroke-width="1.6" stroke-linecap="round"/>'
    '<circle cx="8" cy="4.9" r="0.95" fill="#fff"/></svg>'
)
_CONCLUSION = {
    "failure": (_X_CIRCLE, "failure", "failed"),
    "success": (_CHECK_CIRCLE, "success", "succeeded"),
    "neutral": (_NEUTRAL_SQUARE, "neutral", "completed as neutral"),
}
_LEVEL = {"failure": (_X_CIRCLE, "failure"), "warning": (_TRIANGLE, "warning"), "notice": (_INFO, "notice")}


def conclusion_icon(conclusion: str, size: int = 16) -> str:
    icon, cls, _ = _CONCLUSION.get(conclusion, _CONCLUSION["neutral"])
    return icon.format(cls=cls, size=size)


# --- the pages --------------------------------------------------------------------------------------------------

_CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 -apple-system, "Segoe UI", "Liberation Sans",
  "DejaVu Sans", sans-serif, "Noto Color Emoji"; }
code, pre, .mono { font-family: ui-monospace, "Liberation Mono", "DejaVu Sans Mono", monospace, "Noto Color Emoji"; }
#shot { width: 1200px; padding: 16px 24px 24px; }
.icon { vertical-align: text-bottom; flex: none; }
.failure { color: #d1242f; } .success { color: #1a7f37; } .neutral { color: #59636e; }
.warning { color: #9a6700; } .notice { color: #0969da; }
.repo { font-size: 18px; color: #0969da; margin-bottom: 14px; }
.repo b { font-weight: 600; } .repo .sep { color: #59636e; margin: 0 4px; }
.repo .label { font-size: 12px; color: #59636e; border: 1px solid #d0d7de; border-radius: 2em; padding: 0 7px;
  margin-left: 8px; vertical-align: middle; }
h1.pull { font-size: 26px; font-weight: 400; margin: 0 0 8px; } h1.pull .num { color: #59636e; }
.state { color: #59636e; margin-bottom: 16px; }
.state .badge { display: inline-block; background: #1f883d; color: #fff; border-radius: 2em; padding: 4px 12px;
  font-weight: 500; margin-right: 6px; }
.state code { background: #ddf4ff; color: #0969da; border-radius: 6px; padding: 1px 5px; font-size: 12px; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid #d0d7de; margin-bottom: 16px; }
.tabs span { padding: 8px 14px; color: #59636e; }
.tabs .on { color: #1f2328; font-weight: 600; border: 1px solid #d0d7de; border-bottom-color: #fff;
  border-radius: 6px 6px 0 0; margin-bottom: -1px; background: #fff; }
.tabs .count { background: #e8ebef; border-radius: 2em; padding: 0 6px; font-size: 12px; margin-left: 4px; }
.checks { display: flex; gap: 16px; align-items: flex-start; }
.checks aside { width: 200px; flex: none; border: 1px solid #d0d7de; border-radius: 6px; }
.checks aside div { padding: 8px 12px; display: flex; gap: 8px; align-items: center; }
.checks aside .app { font-weight: 600; border-bottom: 1px solid #d0d7de; }
.checks aside .run { background: #f6f8fa; box-shadow: inset 2px 0 #fd8c73; }
.checks section { flex: 1; min-width: 0; border: 1px solid #d0d7de; border-radius: 6px; }
.run-head { display: flex; gap: 10px; align-items: center; padding: 16px; border-bottom: 1px solid #d0d7de; }
.run-head h2 { font-size: 20px; margin: 0; font-weight: 600; }
.run-head .meta { color: #59636e; }
.output { padding: 16px; }
.output > h3 { font-size: 16px; margin: 0 0 12px; }
.markdown-body h2 { font-size: 20px; border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; margin: 8px 0 14px; }
.markdown-body h3 { font-size: 16px; margin: 20px 0 10px; }
.markdown-body p, .markdown-body ul, .markdown-body table, .markdown-body pre,
.markdown-body details { margin: 0 0 12px; }
.markdown-body ul { padding-left: 2em; }
.markdown-body table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 5px 12px; }
.markdown-body th { font-weight: 600; } .markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body code { background: #eff1f3; border-radius: 6px; padding: 0.15em 0.35em; font-size: 85%; }
.markdown-body pre { background: #f6f8fa; border-radius: 6px; padding: 12px 16px; font-size: 85%; line-height: 1.45; }
.markdown-body pre code { background: none; padding: 0; font-size: 100%; }
.markdown-body td code { white-space: nowrap; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body summary { cursor: pointer; }
.annotations { border-top: 1px solid #d0d7de; }
.annotations > header { padding: 12px 16px; background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
.annotations > header b { font-size: 14px; } .annotations > header span { color: #59636e; margin-left: 8px; }
.ann { display: flex; gap: 10px; padding: 12px 16px; border-bottom: 1px solid #d8dee4; }
.ann:last-child { border-bottom: none; }
.ann .where { color: #59636e; } .ann .where b { color: #1f2328; }
.ann .title { font-weight: 600; margin: 2px 0; }
.ann pre { margin: 0; white-space: pre-wrap; font: inherit; }
.timeline { border-left: 2px solid #d0d7de; margin-left: 20px; padding-left: 0; }
.event { position: relative; margin: 0 0 16px -22px; display: flex; gap: 12px; align-items: flex-start; }
.avatar { width: 40px; height: 40px; flex: none; border-radius: 8px; background: #6e40c9; color: #fff;
  font-weight: 700; font-size: 20px; display: flex; align-items: center; justify-content: center; }
.avatar.small { width: 20px; height: 20px; font-size: 11px; border-radius: 4px; }
.box { flex: 1; min-width: 0; border: 1px solid #d0d7de; border-radius: 6px; }
.box > header { background: #f6f8fa; padding: 8px 16px; border-bottom: 1px solid #d0d7de; border-radius: 6px 6px 0 0;
  color: #59636e; }
.box > header b { color: #1f2328; }
.bot { border: 1px solid #d0d7de; border-radius: 2em; font-size: 12px; padding: 0 6px; margin: 0 4px; }
.box > .markdown-body { padding: 12px 16px 0; }
.file { margin: 0 16px 16px; border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
.file > header { background: #f6f8fa; padding: 8px 12px; border-bottom: 1px solid #d0d7de; font-weight: 600; }
table.diff { border-collapse: collapse; width: 100%; font-size: 12px; line-height: 20px; }
table.diff td { padding: 0 8px; white-space: pre; }
table.diff td.n { width: 1%; color: #59636e; text-align: right; font-family: inherit; }
table.diff tr.add { background: #dafbe1; } table.diff tr.add td.n { background: #aceebb; }
table.diff tr.del { background: #ffebe9; } table.diff tr.del td.n { background: #ffcecb; }
.reply { display: flex; gap: 10px; padding: 12px 16px 4px; border-top: 1px solid #d0d7de; }
.reply .who { color: #59636e; margin-bottom: 6px; } .reply .who b { color: #1f2328; }
.reply .markdown-body { padding: 0; }
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<style>{_CSS}</style></head>\n<body><div id="{SHOT_ID}">\n{body}\n</div></body></html>\n'
    )


def _pull_header(rec: Recorded, tab: str, checks: int = 1) -> str:
    owner, name = rec.repo.split("/", 1)
    tabs = [("Conversation", ""), ("Commits", "1"), ("Checks", str(checks)), ("Files changed", "")]
    nav = "".join(
        f'<span class="{"on" if label == tab else ""}">{label}'
        + (f'<span class="count">{count}</span>' if count else "")
        + "</span>"
        for label, count in tabs
    )
    return (
        f'<div class="repo">{escape(owner)}<span class="sep">/</span><b>{escape(name)}</b>'
        '<span class="label">Private</span></div>\n'
        f'<h1 class="pull">{escape(rec.pull_title)} <span class="num">#{rec.number}</span></h1>\n'
        f'<div class="state"><span class="badge">Open</span><b>{escape(rec.author)}</b> wants to merge 1 commit '
        f"into <code>{escape(rec.base_ref)}</code> from <code>{escape(rec.head_ref)}</code></div>\n"
        f'<nav class="tabs">{nav}</nav>'
    )


def _annotation(annotation: Mapping[str, Any]) -> str:
    level = str(annotation["annotation_level"])
    icon, cls = _LEVEL.get(level, _LEVEL["notice"])
    start, end = int(annotation["start_line"]), int(annotation["end_line"])
    lines = f"line {start}" if start == end else f"lines {start}-{end}"
    return (
        f'<div class="ann">{icon.format(cls=cls, size=16)}<div>'
        f'<div class="where"><b>Check {escape(level)}</b> on {lines} in <span class="mono">'
        f"{escape(str(annotation['path']))}</span></div>"
        f'<div class="title">{escape(str(annotation["title"]))}</div>'
        f"<pre>{escape(str(annotation['message']))}</pre></div></div>"
    )


def _annotation_counts(annotations: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for a in annotations:
        counts[str(a["annotation_level"])] = counts.get(str(a["annotation_level"]), 0) + 1
    names = {"failure": "error", "warning": "warning", "notice": "notice"}
    parts = []
    for level in ("failure", "warning", "notice"):
        if n := counts.get(level):
            word = names[level]
            parts.append(f"{n} {word}{'' if n == 1 else 's'}")
    return ", ".join(parts) or "none"


def check_run_page(rec: Recorded) -> str:
    """The pull request's Checks tab with the check run open: icon, name, title, summary, annotations."""
    _, cls, verb = _CONCLUSION.get(rec.conclusion, _CONCLUSION["neutral"])
    icon = conclusion_icon(rec.conclusion)
    annotations = "".join(_annotation(a) for a in rec.annotations)
    body = (
        _pull_header(rec, "Checks")
        + '\n<div class="checks"><aside>'
        + f'<div class="app">{icon}{escape(rec.check_name)}</div>'
        + f'<div class="run">{icon}{escape(rec.check_name)}</div></aside>\n<section>'
        + f'<div class="run-head">{conclusion_icon(rec.conclusion, 24)}<h2>{escape(rec.check_name)}</h2>'
        + f'<span class="meta"><span class="{cls}">{verb}</span> on commit '
        + f'<span class="mono">{escape(rec.head_sha[:7])}</span></span></div>\n'
        + f'<div class="output"><h3>{escape(rec.title)}</h3>\n'
        + f'<div class="markdown-body">{markdown_html(rec.summary)}</div></div>\n'
        + f'<div class="annotations"><header><b>Annotations</b><span>{_annotation_counts(rec.annotations)}'
        + f"</span></header>\n{annotations}</div>"
        + "</section></div>"
    )
    return _page(f"{rec.check_name}: {rec.title}", body)


def _diff_rows(hunk: str, line: int) -> str:
    """The hunk's last HUNK_CONTEXT_LINES lines up to the commented (new-side) `line`, as GitHub shows them."""
    rows: list[tuple[str, str, str, str]] = []
    old = new = 0
    for text in hunk.splitlines():
        header = _HUNK_HEADER.match(text)
        if header:
            old, new = int(header.group(1)), int(header.group(2))
            continue
        kind, content = text[:1], text[1:]
        if kind == "-":
            rows.append(("del", str(old), "", "-" + content))
            old += 1
            continue
        if kind == "+":
            rows.append(("add", "", str(new), "+" + content))
        else:
            rows.append(("", str(old), str(new), " " + content))
            old += 1
        if new == line:
            break
        new += 1
    return "".join(
        f'<tr class="{cls}"><td class="n mono">{o}</td><td class="n mono">{n}</td>'
        f'<td class="mono">{escape(content)}</td></tr>'
        for cls, o, n, content in rows[-HUNK_CONTEXT_LINES:]
    )


def comment_page(rec: Recorded) -> str:
    """The pull request's Conversation tab: the review, with its inline comment under the lines it is about."""
    c = rec.comment
    initial = escape(rec.bot[:1].upper())
    bot = escape(rec.bot.removesuffix("[bot]"))
    body = (
        _pull_header(rec, "Conversation")
        + '\n<div class="timeline"><div class="event">'
        + f'<div class="avatar">{initial}</div><div class="box">'
        + f'<header><b>{bot}</b><span class="bot">bot</span> reviewed on commit '
        + f'<span class="mono">{escape(rec.head_sha[:7])}</span></header>'
        + f'<div class="markdown-body">{markdown_html(rec.review_body)}</div>'
        + f'<div class="file"><header class="mono">{escape(c.path)}</header>'
        + f'<table class="diff">{_diff_rows(c.diff_hunk, c.line)}</table>'
        + f'<div class="reply"><div class="avatar small">{initial}</div><div>'
        + f'<div class="who"><b>{bot}</b><span class="bot">bot</span></div>'
        + f'<div class="markdown-body">{markdown_html(c.body)}</div></div></div></div>'
        + "</div></div></div>"
    )
    return _page(f"{rec.pull_title} #{rec.number}", body)
