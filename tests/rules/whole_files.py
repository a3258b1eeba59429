"""Diffs that add or delete one whole file: what a rule sees of a new module, or of one removed with all its debt."""

from __future__ import annotations


def added_file(path: str, text: str) -> str:
    return _whole_file(path, text, added=True)


def deleted_file(path: str, text: str) -> str:
    return _whole_file(path, text, added=False)


def _whole_file(path: str, text: str, *, added: bool) -> str:
    lines = text.splitlines()
    sign = "+" if added else "-"
    body = "".join(f"{sign}{line}\n" for line in lines)
    if added:
        headers, ranges = f"new file mode 100644\n--- /dev/null\n+++ b/{path}", f"-0,0 +1,{len(lines)}"
    else:
        headers, ranges = f"deleted file mode 100644\n--- a/{path}\n+++ /dev/null", f"-1,{len(lines)} +0,0"
    return f"diff --git a/{path} b/{path}\n{headers}\n@@ {ranges} @@\n{body}"
