"""GitHub's size limits on what debtbot publishes, and how text is cut to fit them (always saying so)."""

from __future__ import annotations

#: `output.summary` and `output.text` of a check run; also the cap kept for comment bodies (GitHub allows 65,536).
MAX_OUTPUT_CHARS = 65_535
#: Annotations in one create or update request; further requests append.
MAX_ANNOTATIONS_PER_REQUEST = 50
#: An annotation's title.
MAX_ANNOTATION_TITLE_CHARS = 255
#: An annotation's `message` and `raw_details` ("64 KB"; counted in UTF-8 bytes to be safe).
MAX_ANNOTATION_BYTES = 64 * 1024 - 1

_ELLIPSIS = "…"


def cut(text: str, limit: int, note: str = "") -> str:
    """`text` in at most `limit` characters: when it is longer, its start followed by `note`."""
    if len(text) <= limit:
        return text
    tail = note or _ELLIPSIS
    return text[: max(0, limit - len(tail))] + tail[:limit]


def cut_bytes(text: str, limit: int, note: str = "") -> str:
    """`text` in at most `limit` UTF-8 bytes, cut on a character boundary and ended by `note`."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    tail = (note or _ELLIPSIS).encode("utf-8")[:limit]
    head = encoded[: max(0, limit - len(tail))].decode("utf-8", "ignore")
    return head + tail.decode("utf-8", "ignore")
