"""Model debt in experiment tracking: run stores (mlruns/, wandb/, TensorBoard events...) committed to Git."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.paths import Role, roles
from checks.registry import Docs, Scope, rule
from checks.rules.model_paths import RunStore, run_store
from checks.views import ChangeView

# --- MODEL004: experiment-tracker run stores ---------------------------------------------------------------

_CURATED = frozenset({Role.TEST, Role.FIXTURE, Role.EXAMPLE, Role.DOCS, Role.VENDORED})


@rule(
    code="MODEL004",
    slug="experiment-runs-committed",
    title="Experiment-tracking or run artifacts committed",
    category=Category.MODEL,
    severity=Severity.MEDIUM,
    effort=10,
    remediation=(
        "Point the tracker at a remote or ignored store, add its folder to .gitignore and remove it from Git; "
        "reference runs by id."
    ),
    docs=Docs(
        what=(
            "The change adds files of an experiment tracker's local store: mlruns/ or mlflow.db (MLflow), wandb/ "
            "run folders, lightning_logs/version_N/, TensorBoard event files, Hydra outputs/ and multirun/ with "
            "their .hydra/ folder, .neptune/, .aim/, or a runs/ folder that holds event files, MLflow meta.yaml "
            "or an Ultralytics run. One finding per store, however many files it holds."
        ),
        why=(
            "Run stores grow with every experiment, bloat the repository and go stale at once; they belong in the "
            "tracker (mllint `git-no-big-files`; Sculley et al. 2015 §7, process management debt). A folder "
            "named runs/ holding source code is not a store; curated example runs under docs/ or examples/ are fine."
        ),
        example="mlruns/0/3f2a.../metrics/loss, mlruns/0/3f2a.../meta.yaml added",
        fix="echo 'mlruns/' >> .gitignore && git rm -r --cached mlruns",
    ),
    scope=Scope.CHANGE,
    skip_roles=(),
    reads_lines=False,  # paths and statuses only
)
def experiment_runs_committed(change: ChangeView) -> Iterator[Hit]:
    added: dict[str, tuple[RunStore, list[str]]] = {}
    removed: dict[str, tuple[RunStore, list[str]]] = {}
    existing: set[str] = set()
    for patch in change.patches:
        store = run_store(patch.path)
        # Curated by where the store sits (docs/, examples/), not by a file in it (a run's requirements.txt).
        if store is None or roles(store.root + "/") & _CURATED:
            continue
        if patch.status is FileStatus.MODIFIED:
            existing.add(store.root)  # the store was committed before: adding to it is no new debt
        elif patch.status is FileStatus.REMOVED:
            removed.setdefault(store.root, (store, []))[1].append(patch.path)
        else:
            old = run_store(patch.old_path) if patch.old_path else None
            if old is None or old.root != store.root:
                added.setdefault(store.root, (store, []))[1].append(patch.path)
            if old is not None and old.root != store.root and patch.status is FileStatus.RENAMED:
                removed.setdefault(old.root, (old, []))[1].append(patch.old_path or patch.path)
    tree = change.snapshot.tree
    new_paths = [p.path for p in change.patches if p.status not in (FileStatus.MODIFIED, FileStatus.REMOVED)]
    for root, (store, paths) in added.items():
        if root in existing or root in removed or _existed(root, tree, new_paths):
            continue
        count = f"{len(paths)} files" if len(paths) > 1 else "1 file"
        yield Hit(
            side=Side.ADDED,
            path=min(paths),
            line=None,
            content=root,
            message=f"{store.tracker} run store `{root}` committed ({count}): keep runs in the tracker, not Git",
        )
    for root, (store, paths) in removed.items():
        if root in added or (tree is not None and _existed(root, tree, ())):
            continue  # part of a store that stays is no paid debt
        yield Hit(
            side=Side.REMOVED,
            path=min(paths),
            line=None,
            content=root,
            message=f"{store.tracker} run store `{root}` removed from Git",
        )


def _existed(root: str, tree: frozenset[str] | None, added: Iterable[str]) -> bool:
    """True when the tree holds files of the store that this change did not add (the store was there before)."""
    if tree is None:
        return False
    prefix = root + "/"
    new = set(added)
    return any(p.startswith(prefix) and p not in new for p in tree)
