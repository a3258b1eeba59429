"""`debtbot review`: review a local branch (or a diff file) and print the findings in one of four formats."""

from __future__ import annotations

import argparse
import dataclasses
import mmap
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import parallel
from bot.cli.errors import EXIT_FAIL, EXIT_PASS, CliError
from bot.cli.terminal import use_color
from checks.defaults import CONFIG_PATH, MAX_CONFIG_BYTES
from checks.diff import Diff, DiffError, parse_diff
from checks.policy import Conclusion
from checks.report import Format, render
from checks.runner import ReviewResult
from checks.snapshot import Snapshot

#: `--fail-on` values: a severity, or never.
FAIL_ON = ("info", "low", "medium", "high", "never")

if TYPE_CHECKING:
    from bot.localgit import LocalChange
    from checks.config import LoadedConfig

STDIN = "-"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "review",
        help="review the commits of a branch (or a diff) for new technical debt",
        description=(
            "Review what HEAD (or --head) changed since it forked from the default branch (or --base), "
            "with blob sizes, file contents and the tree from git; or review a diff alone with --diff. "
            "Exit status: 0 when the merge policy passes, 1 when it fails, 2 on a usage or input error."
        ),
    )
    parser.add_argument("--repo", type=Path, help="the repository (default: the current folder)")
    parser.add_argument(
        "--base",
        help="where the change starts (default: the merge-base with origin/HEAD, else main, else master)",
    )
    parser.add_argument("--head", help="where the change ends (default: HEAD)")
    parser.add_argument(
        "--diff",
        metavar="FILE",
        help="review this unified diff instead of a repository ('-' for standard input); no sizes or contents",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help=f"settings file (default: {CONFIG_PATH} as it is at the base, never at the head)",
    )
    parser.add_argument("--format", choices=[f.value for f in Format], default=Format.TEXT.value)
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="fail on any new finding of this severity or above (never: only the debt budget fails), "
        "in place of the config's policy.fail_on",
    )
    # Nothing runs after the review's output: the process may end without freeing the review object by object.
    parser.set_defaults(run=run, exit_at_once=True)


@dataclass(frozen=True)
class _Input:
    #: Bytes: a large diff, parsed in parts while it is reviewed (see `bot.cli.parallel`).
    diff: Diff | parallel.DiffBytes
    snapshot: Snapshot
    change: LocalChange | None
    name: str = ""


def run(args: argparse.Namespace) -> int:
    today = date.today()  # the library has no clock: accepted debt expires by the date given here
    source = _read_input(args, today)
    try:
        loaded, where = _config(args.config, source.change)
    except CliError:
        _parse(source)  # a malformed diff is reported first, whatever its size
        raise
    if args.fail_on is not None:
        loaded = _with_fail_on(loaded, args.fail_on)
    try:
        result = parallel.review(source.diff, snapshot=source.snapshot, config=loaded)
    except DiffError as exc:  # only a large diff is still unparsed here
        raise CliError(f"malformed diff in {source.name}: {exc}") from exc
    _warn_config(loaded, where)
    _warn_rules(result)
    fmt = Format(args.format)
    version = _version() if fmt is Format.SARIF else None  # only SARIF names the tool's version
    sys.stdout.write(
        render(result, fmt, color=use_color(sys.stdout, os.environ), tool_version=version),
    )
    sys.stdout.flush()
    return EXIT_FAIL if result.conclusion is Conclusion.FAILURE else EXIT_PASS


def _read_input(args: argparse.Namespace, today: date) -> _Input:
    if args.diff is not None:
        given = [name for name in ("repo", "base", "head") if getattr(args, name) is not None]
        if given:
            options = ", ".join(f"--{name}" for name in given)
            raise CliError(f"--diff reviews a diff alone: it cannot be combined with {options}")
        name = "standard input" if args.diff == STDIN else args.diff
        data = _read_diff(args.diff)
        if len(data) >= parallel.MIN_PARALLEL_BYTES and parallel.cores() > 1:
            return _Input(data, Snapshot(today=today), None, name)
        return _parse(_Input(data, Snapshot(today=today), None, name))
    # `git` runs here only: a diff alone does not import `subprocess` (4 ms of every `review --diff`).
    from bot.localgit import GitError, Repository, read_change  # noqa: PLC0415

    try:
        repo = Repository(args.repo or Path.cwd())
        change = read_change(repo, base=args.base, head=args.head, today=today)
    except GitError as exc:
        raise CliError(str(exc)) from exc
    except DiffError as exc:  # git's own diff should always parse: say which one did not
        raise CliError(f"could not read the diff git gave: {exc}") from exc
    return _Input(change.diff, change.snapshot, change)


def _parse(source: _Input) -> _Input:
    if isinstance(source.diff, Diff):
        return source
    try:
        # `[:]`: a mapped file's bytes (the bytes themselves otherwise).
        return _Input(parse_diff(source.diff[:]), source.snapshot, source.change, source.name)
    except DiffError as exc:
        raise CliError(f"malformed diff in {source.name}: {exc}") from exc


def _read_diff(name: str) -> parallel.DiffBytes:
    """The diff's bytes. A large file is mapped, not read: the parts of it each process reviews are copied
    there, at the same time, rather than all of it here first (a release diff's 19 MB take 10 ms to read).
    A pipe or a special file reports no size and is read. (A mapped file cut short by another program while
    it is reviewed ends the process with SIGBUS.)"""
    if name == STDIN:
        return sys.stdin.buffer.read()
    try:
        with Path(name).open("rb") as file:
            if os.fstat(file.fileno()).st_size < parallel.MIN_PARALLEL_BYTES:
                return file.read()
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)  # the mapping outlives the file
    except OSError as exc:
        raise CliError(f"cannot read the diff {name}: {exc.strerror or exc}") from exc


def _config(path: Path | None, change: LocalChange | None) -> tuple[LoadedConfig | None, str]:
    """The settings: --config FILE, else the config file at the base of a local change, else None (the defaults).

    `checks.config`, and with it pydantic and PyYAML, is imported only when there is a file to read.
    """
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read the config {path}: {exc.strerror or exc}") from exc
        return _load(data), str(path)
    if change is None or change.config is None:
        return None, CONFIG_PATH
    where = f"{CONFIG_PATH} (at base {change.base[:12]})"
    if change.config.data is None:
        from checks.config import Config, ConfigError, LoadedConfig  # noqa: PLC0415

        error = ConfigError("file", f"larger than {MAX_CONFIG_BYTES} bytes ({change.config.size} bytes)")
        return LoadedConfig(Config(), (error,)), where
    return _load(change.config.data), where


def _load(data: bytes) -> LoadedConfig:
    from checks.config import load_config  # noqa: PLC0415  (see `_config`)

    return load_config(data)


def _with_fail_on(loaded: LoadedConfig | None, fail_on: str) -> LoadedConfig:
    """The settings with `policy.fail_on` replaced (the rest, and any error found reading them, kept)."""
    from checks.config import Config, LoadedConfig  # noqa: PLC0415  (see `_config`)
    from checks.finding import Severity  # noqa: PLC0415

    base = loaded if loaded is not None else LoadedConfig(Config())
    value = "never" if fail_on == "never" else Severity(fail_on)
    policy = base.config.policy.model_copy(update={"fail_on": value})
    return dataclasses.replace(base, config=base.config.model_copy(update={"policy": policy}))


def _warn_config(loaded: LoadedConfig | None, where: str) -> None:
    if loaded is None:
        return
    from checks.config import Config  # noqa: PLC0415  (imported already: `loaded` was read by it)

    for error in loaded.errors:
        print(f"warning: {where}: {error.location}: {error.message}", file=sys.stderr)
    if loaded.errors and loaded.config == Config():
        print(f"warning: {where} is not used: this review uses the default settings", file=sys.stderr)


def _warn_rules(result: ReviewResult) -> None:
    for error in result.rule_errors:
        on = f" on {error.path}" if error.path else ""
        print(f"warning: rule {error.rule} failed{on}: {error.message}", file=sys.stderr)


def _version() -> str | None:
    from importlib import metadata  # noqa: PLC0415  (finding the installed version takes a scan of sys.path)

    try:
        return metadata.version("debtbot")
    except metadata.PackageNotFoundError:
        return None
