"""Sample pull-request diffs that tests of the fake and of the gateway share."""

from __future__ import annotations

#: A pull request touching two files: one hunk in train.py, two in data.py (right-side lines 10-14 and 40-44).
DIFF = """\
diff --git a/train.py b/train.py
index 1111111..2222222 100644
--- a/train.py
+++ b/train.py
@@ -1,3 +1,5 @@
 import torch
+import numpy as np
+SEED = 1
 
 def main():
diff --git a/data.py b/data.py
index 3333333..4444444 100644
--- a/data.py
+++ b/data.py
@@ -10,5 +10,5 @@ def load():
     a = 1
     b = 2
-    c = 3
+    c = 4
     d = 5
     e = 6
@@ -40,4 +40,5 @@ def split():
     x = 1
+    y = 2
     z = 3
     w = 4
"""  # noqa: W293 - the blank context line of a diff is a single space


def many_files_diff(count: int) -> str:
    return "".join(
        f"diff --git a/pkg/f{i:04}.py b/pkg/f{i:04}.py\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/pkg/f{i:04}.py\n@@ -0,0 +1 @@\n+x = {i}\n"
        for i in range(count)
    )
