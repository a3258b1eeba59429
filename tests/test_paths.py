"""Kinds, roles and manifests of paths: the words that let a path skip a pattern never change what the patterns alone
say."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.paths import (
    _KIND_BY_NAME,
    _ROLE_PATTERNS,
    KIND_EXAMPLES,
    ROLE_EXAMPLES,
    Kind,
    Role,
    folders_up,
    kind,
    marked_folders,
    roles,
)
from checks.rules.dependency_imports import _MANIFEST, _MANIFEST_ENDINGS, _NOT_A_MANIFEST_ROLES, is_manifest
from checks.runner import review
from checks.snapshot import Snapshot
from checks.views import HEAD_CHARS, _in_vendored_package, _says_generated, _says_vendored

#: Every word of the patterns and the guards, so generated paths hit and nearly hit each of them.
_PATTERN_WORDS = sorted(
    {w for _, pattern, _ in _KIND_BY_NAME for w in re.findall(r"[A-Za-z0-9_-]{2,}", pattern.pattern)}
    | {w for _, _, pattern in _ROLE_PATTERNS for w in re.findall(r"[A-Za-z0-9_-]{2,}", pattern.pattern)}
    | {w for words, _, _ in _KIND_BY_NAME for w in words}
    | {w for _, words, _ in _ROLE_PATTERNS for w in words}
    | set(re.findall(r"[A-Za-z0-9_-]{2,}", _MANIFEST.pattern))
    | {e.strip(".") for e in _MANIFEST_ENDINGS}
)
_PIECES = st.one_of(
    st.sampled_from(_PATTERN_WORDS),
    st.sampled_from([".", "/", "-", "_", ".github/workflows/", "__", "s", "ed"]),
    st.text(alphabet="abcdeiklmnoprstuxyz._-/ſıİK", max_size=4),  # LONG S, DOTLESS I...: `re` folds them
)


def _randomly_cased(draw: st.DrawFn, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in word)


@st.composite
def paths(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(_PIECES, min_size=1, max_size=6))
    return "".join(_randomly_cased(draw, p) if draw(st.booleans()) else p for p in pieces)


def _kind_by_patterns_alone(path: str) -> Kind:
    return next((k for _, pattern, k in _KIND_BY_NAME if pattern.search(path)), Kind.OTHER)


def _roles_by_patterns_alone(path: str) -> frozenset[Role]:
    return frozenset(role for role, _, pattern in _ROLE_PATTERNS if pattern.search(path))


def _manifest_by_pattern_alone(path: str) -> bool:
    return _MANIFEST.search(path) is not None and not roles(path) & _NOT_A_MANIFEST_ROLES


@settings(max_examples=3000, deadline=None)
@given(paths())
def test_the_words_never_change_a_kind_or_a_role(path: str) -> None:
    assert kind(path) == _kind_by_patterns_alone(path)
    assert roles(path) == _roles_by_patterns_alone(path)
    assert is_manifest(path) == _manifest_by_pattern_alone(path)


def test_the_words_never_change_a_kind_or_a_role_for_any_pattern_word() -> None:
    """Each word of the patterns alone, in a folder, with each ending the patterns read, in three cases."""
    endings = ["", ".yml", ".yaml", ".txt", ".in", ".py", ".lock", ".json", ".md", "/x.py", "/a/b.yaml", "-1.2.yml"]
    for word in _PATTERN_WORDS:
        for cased in {word, word.lower(), word.upper()}:
            for ending in endings:
                for path in (cased + ending, f"src/{cased}{ending}", f"a.{cased}{ending}", f"x_{cased}{ending}"):
                    assert kind(path) == _kind_by_patterns_alone(path), path
                    assert roles(path) == _roles_by_patterns_alone(path), path
                    assert is_manifest(path) == _manifest_by_pattern_alone(path), path
                    assert is_manifest(path + "\n") == _manifest_by_pattern_alone(path + "\n"), path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/train.py", Kind.PYTHON),
        ("setup.py", Kind.SETUP),
        ("requirements-dev.txt", Kind.REQUIREMENTS),
        ("deploy/k8s/app.yaml", Kind.KUBERNETES),
        (".github/workflows/ci.yml", Kind.CI),
        ("ops/Dockerfile.gpu", Kind.DOCKERFILE),
        ("dashboard/assets/dockerfile-DZFCIeNp.js", Kind.C_LIKE),
        ("docs/dockerfile.md", Kind.MARKDOWN),
        ("Jenkinsfile", Kind.CI),
        ("NOTES", Kind.OTHER),
        ("ſetup.py", Kind.PYTHON),  # not SETUP: `setup` is matched with case
    ],
)
def test_kinds(path: str, expected: Kind) -> None:
    assert kind(path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/fixtures/data.csv", {Role.TEST, Role.FIXTURE}),
        ("third_party/lib/x.py", {Role.VENDORED}),
        ("Docs/index.md", {Role.DOCS}),
        ("proto/model_pb2.py", {Role.GENERATED}),
        ("ſite-packages/x.py", {Role.VENDORED}),  # LONG S folds onto `s` when case is ignored
        ("src/model.py", set()),
        ("src/accelerate/test_utils/training.py", {Role.TEST}),
        ("src/pkg/testing_utils/helpers.py", {Role.TEST}),
        ("src/pkg/utils/testing.py", set()),
        ("mmengine/dist/utils.py", set()),  # a package's module (torch.distributed helpers), not build output
        ("pkg/build/__init__.py", set()),
        ("build/lib/pkg/model.py", {Role.GENERATED}),
        ("dist/pkg-1.0.tar.gz", {Role.GENERATED}),
        ("web/dist/app.js", {Role.GENERATED}),
        ("external_libs/fmt/include/fmt/format.h", {Role.VENDORED}),
        ("3rdparty/dmlc-core/src/io.cc", {Role.VENDORED}),
        ("metaflow/_vendor/typeguard/_checkers.py", {Role.VENDORED}),  # pip and setuptools name it so too
        ("src/externalities.py", set()),
        ("extension_templates/forecasting.py", {Role.EXAMPLE, Role.TEMPLATE}),
        ("{{cookiecutter.project_slug}}/src/train.py", {Role.EXAMPLE, Role.TEMPLATE}),
        ("app/templates/index.html", set()),  # a web application's page templates are its code
        ("src/pkg/template.py", set()),
        ("src/anndata/_io/specs/methods.py", set()),  # a package's format specs, not RSpec's `spec/`
        ("spec/models/user_spec.rb", {Role.TEST}),
        ("versioneer.py", {Role.VENDORED}),  # copied in whole from the versioneer project
        ("src/pkg/versioneer_utils.py", set()),
        ("usage_examples/cam_demo.py", {Role.EXAMPLE}),  # a word joined on names examples too (grad-cam)
        ("examples-tf/train.py", {Role.EXAMPLE}),
        ("src/pkg/counterexamples.py", set()),
        ("src/pkg/examples_utils.py", set()),  # a module, not a folder
        ("orbax/checkpoint/_src/handlers/standard_checkpoint_handler_test_utils.py", {Role.TEST}),  # its tests' helpers
        ("src/pkg/contest_utils.py", set()),
    ],
)
def test_roles(path: str, expected: set[Role]) -> None:
    assert roles(path) == expected


def _instance(example: str) -> str:
    """A real path for a documented example: `*` filled in, a folder given a file."""
    path = example.replace("*", "x")
    return f"{path}a.py" if path.endswith("/") else path


@pytest.mark.parametrize(("expected", "example"), [(k, e) for k, examples in KIND_EXAMPLES.items() for e in examples])
def test_the_documented_kinds_hold(expected: Kind, example: str) -> None:
    assert kind(_instance(example)) is expected
    assert kind(f"src/{_instance(example)}") is expected


@pytest.mark.parametrize(("expected", "example"), [(r, e) for r, examples in ROLE_EXAMPLES.items() for e in examples])
def test_the_documented_roles_hold(expected: Role, example: str) -> None:
    assert expected in roles(_instance(example))
    assert expected in roles(f"pkg/{_instance(example)}")


def test_every_kind_and_role_is_documented() -> None:
    assert set(KIND_EXAMPLES) == set(Kind) - {Kind.OTHER}
    assert set(ROLE_EXAMPLES) == set(Role)


def test_the_kinds_are_documented_in_the_order_they_are_tried() -> None:
    # The reference says "the first that fits": `setup.py` is `setup`, not `python`, and must read so.
    tried = list(dict.fromkeys(k for _, _, k in _KIND_BY_NAME))
    assert list(KIND_EXAMPLES) == tried


@pytest.mark.parametrize(
    ("head", "generated"),
    [
        ("// Code generated by protoc-gen-go. DO NOT EDIT.\n", True),
        ('"""DO NOT EDIT.\n\nThis file was autogenerated.\n"""\n', True),
        ("# This file is automatically generated by pip-compile\n", True),
        ("# @generated by Sapling\n", True),
        ("# Autogenerated file, see tools/gen.py\n", True),
        ("/* Generated by Cython 3.0.2 */\n", True),
        ("# -*- coding: utf-8 -*-\n# Generated by Django 4.2.7 on 2023-11-20 10:00\n", True),
        ("# To re-generate the code, run `make style` or `python ./utils/generate_client.py --update`.\n", True),
        ("# To regenerate this file, run scripts/gen.sh\n", True),
        ("# We regenerate the code cache when the worker starts.\n", False),
        ("# The split is then generated by the loader below.\n", False),
        ("class IPUModel:\n    # align the outputs with the ones\n    # generated by the network\n", False),
        ('# coding: utf-8\n\n"""\n    KServe\n\n    Generated by: https://openapi-generator.tech\n"""\n', True),
        ('"""Metrics.\n\n    Generated by: the loader below, from the raw logs.\n"""\n', False),
        ("# Note that not all possible configuration values are present in this autogenerated file.\n", False),
        ('"""Untitled.ipynb\n\nAutomatically generated by Colaboratory.\n"""\n', True),
        ('"""The auto-generated docs of the API are built from this module."""\n', False),
        ("# Generates the training split from the raw logs.\n", False),
        ("var lime =\n/******/ (function(modules) { // webpackBootstrap\n/******/ \t// The module cache\n", True),
        ("// The webpackBootstrap runtime is described in docs/bundling.md\n", False),
        ("", False),
    ],
)
def test_a_generators_mark_in_a_files_first_lines(head: str, generated: bool) -> None:
    assert _says_generated(head) is generated


@pytest.mark.parametrize(
    ("head", "vendored"),
    [
        ("# mypy: ignore-errors\n# taken from https://github.com/sklearn-compat/sklearn-compat\n", True),
        (
            '# Copyright (c) OpenMMLab.\n"""CLIP tokenizer.\n\nCopied from https://github.com/openai/CLIP. MIT\n"""\n',
            True,
        ),
        ('"""Copied verbatim from https://github.com/org/repo/x.py"""\nimport os\n', True),
        ('"""Copied from https://github.com/openai/CLIP.\n\nA docstring longer than the head read', True),
        ('"""Tokenizers.\n\nThe vocabulary was copied from https://x.org/vocab.txt once.\n"""\n', False),
        ("# Copyright 2020 The Authors.\n#\n# Copied verbatim from https://github.com/pytorch/vision/x.py\n", True),
        ("#!/usr/bin/env python\n\n# Vendored from <https://github.com/org/repo>\nimport os\n", True),
        ('"""EMA.\n\nCopy of ``ema.py`` from lucidrains/ema\n(https://github.com/lucidrains/ema).\n"""\n', True),
        ('"""A copy of the weights, see https://x.org/docs for the format."""\nimport os\n', False),
        ("# Copy of tools/ema.py from https://github.com/org/repo\nimport os\n", True),
        ('"""Copy of ema.py from lucidrains/ema (https://github.com/lucidrains/ema)."""\nimport os\n', True),
        ('"""Utilities."""\n# taken from https://github.com/org/repo\n', False),  # after the docstring: a function's
        ("import os\n\n# copied from https://github.com/org/repo/blob/main/utils.py\ndef f(): ...\n", False),
        ("# Adapted from https://github.com/org/repo: our own since\n", False),
        ("# Data taken from http://example.com/data.csv\n", False),
        (
            "# These classes are copied from Minivision's Silent-Face-Anti-Spoofing Repo\n"
            "# licensed under Apache License 2.0\n"
            "# Ref: github.com/minivision-ai/Silent-Face-Anti-Spoofing/blob/master/src/model_lib/MiniFASNet.py\n",
            True,
        ),
        ("# These classes are copied from our old trainer module\nimport os\n", False),
        ("# NOTE: This file is copied from Flax (https://github.com/google/flax).\n# Copyright: its authors.\n", True),
        ("# NOTE: these results were copied from the paper's table\nimport os\n", False),
        ("# Our data is copied from the team's bucket\n# Ref: github.com/org/repo\n", False),
        ("", False),
    ],
)
def test_a_vendored_copys_mark_in_a_files_leading_comments(head: str, vendored: bool) -> None:
    assert _says_vendored(head) is vendored


@pytest.mark.parametrize(
    ("path", "folders"),
    [
        ("a/b/requirements.txt", ["a/b/", "a/", ""]),
        ("setup.py", [""]),
        ("pkg/tests/unit/test_x.py", ["pkg/tests/unit/", "pkg/tests/", "pkg/", ""]),
    ],
)
def test_folders_up_walks_from_the_file_to_the_root(path: str, folders: list[str]) -> None:
    assert list(folders_up(path)) == folders


_BORROWED = (
    '"""\nThis part of tree structures definition was initially borrowed from\n'
    'https://github.com/scikit-learn/scikit-learn/tree/1.5.2/sklearn/tree\n"""\n\n'
    "from ._classes import BaseDecisionTree\n"
)


@pytest.mark.parametrize(
    ("texts", "path", "vendored"),
    [
        ({"causalml/inference/tree/_tree/__init__.py": _BORROWED}, "causalml/inference/tree/_tree/_splitter.pyx", True),
        ({"pkg/sub/__init__.py": "# Copied from https://github.com/org/repo\n"}, "pkg/sub/deeper/x.py", True),
        ({"pkg/__init__.py": _BORROWED}, "pkg/x.py", False),  # the top-level package: a fork is its own project
        ({"src/pkg/__init__.py": _BORROWED}, "src/pkg/sub/x.py", False),
        ({"src/pkg/sub/__init__.py": _BORROWED}, "src/pkg/sub/x.py", True),
        ({"pkg/sub/__init__.py": _BORROWED}, "pkg/other/x.py", False),
        (
            {"pkg/sub/__init__.py": '"""Trees."""\nimport os\n# borrowed from https://github.com/org/repo\n'},
            "pkg/sub/x.py",
            False,
        ),
        ({}, "causalml/inference/tree/_tree/_splitter.pyx", False),  # the package's text unknown (diff only)
    ],
)
def test_a_subpackage_whose_init_says_it_is_a_copy_is_vendored(
    texts: dict[str, str], path: str, vendored: bool
) -> None:
    assert _in_vendored_package(Snapshot(texts=texts), path) is vendored


_EIGEN = "sksurv/linear_model/src/eigen/"


_V, _G = Role.VENDORED, Role.GENERATED


@pytest.mark.parametrize(
    ("tree", "marked"),
    [
        # Eigen's sources under a package, with the files a repository keeps at its top.
        ([f"{_EIGEN}.hgeol", f"{_EIGEN}.gitlab/issue_templates/Bug Report.md", f"{_EIGEN}Eigen/Core"], {_EIGEN: _V}),
        (["pkg/lib/.github/workflows/ci.yml", "pkg/lib/.travis.yml", "pkg/x.py"], {"pkg/lib/": _V}),
        (
            ["third/a/.gitlab-ci.yml", "third/b/.hgtags", "third/b/c/.circleci/config.yml"],
            {"third/a/": _V, "third/b/": _V, "third/b/c/": _V},
        ),
        # The repository's own top, and hidden names that are no repository's.
        ([".github/workflows/ci.yml", ".travis.yml", ".hgignore", "pkg/.gitignore", "pkg/.github.py"], {}),
        (["docs/.nojekyll", "pkg/.clang-format", "a/.gitattributes"], {}),
        # A site Sphinx built, at any depth: its `.buildinfo` is at its top.
        (["docs/.buildinfo", "docs/_static/jquery-3.5.1.js", "docs/index.html"], {"docs/": _G}),
        ([".buildinfo", "index.html"], {"": _G}),
        (["docs/.buildinfo/x", "docs/source/.buildinfo.txt"], {}),
        # Another project's distribution (its build manifest and licence) copied inside a package of this one.
        (
            ["pkg/__init__.py", "pkg/kernels/cute/pyproject.toml", "pkg/kernels/cute/LICENSE", "pkg/kernels/cute/a.py"],
            {"pkg/kernels/cute/": _V},
        ),
        (["src/pkg/__init__.py", "src/pkg/ext/setup.py", "src/pkg/ext/AUTHORS"], {"src/pkg/ext/": _V}),
        # A monorepo's own distributions in plain folders, a package's own extension with no licence of its own.
        (["libs/core/pyproject.toml", "libs/core/LICENSE", "libs/core/core/__init__.py"], {}),
        (["pyproject.toml", "LICENSE", "pkg/__init__.py"], {}),
        (["pkg/__init__.py", "pkg/csrc/attn/setup.py", "pkg/csrc/attn/kernel.cu"], {}),
    ],
)
def test_a_folders_files_may_say_what_the_whole_folder_is(tree: list[str], marked: dict[str, Role]) -> None:
    assert marked_folders(frozenset(tree)) == marked


def test_every_file_of_a_marked_folder_takes_its_role_when_the_tree_is_known() -> None:
    tree = frozenset({f"{_EIGEN}.hgeol", f"{_EIGEN}Eigen/src/Core/Matrix.h", "sksurv/linear_model/coxnet.py"})
    with_tree = Snapshot(tree=tree | {"docs/.buildinfo", "docs/_static/jquery.js"})
    assert with_tree.folder_roles(f"{_EIGEN}Eigen/src/Core/Matrix.h") == {_V}
    assert with_tree.folder_roles(f"{_EIGEN}.hgeol") == {_V}
    assert with_tree.folder_roles("docs/_static/jquery.js") == {_G}
    assert not with_tree.folder_roles("sksurv/linear_model/coxnet.py")
    assert not with_tree.folder_roles("sksurv/linear_model/src/eigen_helpers.h")
    assert not Snapshot().folder_roles(f"{_EIGEN}Eigen/src/Core/Matrix.h")  # diff only: not known


def test_a_copied_repositorys_or_a_built_sites_debt_is_not_the_projects() -> None:
    todo = "// TODO: this is a workaround until the compiler is fixed\nint x = 0;\n"
    copy, site, own = f"{_EIGEN}Eigen/src/Core/Matrix.h", "docs/_static/jquery.js", "sksurv/linear_model/src/coxnet.h"
    diff = "".join(
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,2 @@\n"
        + "".join(f"+{line}\n" for line in todo.splitlines())
        for path in (copy, site, own)
    )
    tree = frozenset({f"{_EIGEN}.hgeol", "docs/.buildinfo", copy, site, own})
    assert {f.path for f in review(diff, snapshot=Snapshot(tree=tree)).findings} == {own}
    # Without the tree neither is known, and their debt is read as the project's.
    assert {f.path for f in review(diff).findings} == {copy, site, own}


_LICENCE = "".join(
    f"# Copyright {year} The Authors. Licensed under the Apache License, Version 2.0; see LICENSE.\n"
    for year in range(2000, 2020)
)


@pytest.mark.parametrize(
    ("docstring", "vendored"),
    [
        (
            '"""CNN14 models.\n\nVendored from the PANNs reference implementation at\nhttps://github.com/qiuqiangkong/audioset_tagging_cnn\n"""\n',
            True,
        ),
        (
            '"""CNN14 models, our own.\n\nSee https://github.com/qiuqiangkong/audioset_tagging_cnn.\n"""\n',
            False,
        ),
        ('import os\n"""Vendored from https://github.com/org/repo"""\n', False),  # after code: a string, not a note
    ],
)
def test_a_vendored_note_below_licence_headers_past_the_head_is_read_with_the_text(
    docstring: str, vendored: bool
) -> None:
    """Two licence headers stacked (the project's over its source's) push the note past the head a file is read for."""
    text = _LICENCE + _LICENCE + docstring + "x = load()  # noqa\n"
    assert len(_LICENCE * 2) > HEAD_CHARS
    path = "nemo_curator/models/sed/cnn14.py"
    diff = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    diff += f"@@ -0,0 +1,{text.count(chr(10))} @@\n" + "".join(f"+{line}\n" for line in text.splitlines())
    findings = review(diff, snapshot=Snapshot(texts={path: text})).findings
    assert ("CODE018" in {f.rule for f in findings}) is not vendored
