"""DEP010 behaviour the one-side case files cannot express: a deleted notebook's installs, paid at its severity."""

from __future__ import annotations

import json

from checks import review
from checks.finding import Severity
from tests.rules.whole_files import deleted_file


def _notebook(source: str, *, colab: bool) -> str:
    cell: dict[str, object] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": [source],
    }
    metadata: dict[str, object] = {"colab": {"provenance": []}} if colab else {}
    return json.dumps({"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_a_deleted_colab_notebooks_installs_are_paid_one_level_lower_as_they_were_found() -> None:
    """A Colab notebook has no other way to install: what its deletion pays is what its installs weighed, low for
    an unpinned one, as the notebook added drew; a plain notebook's weighed medium."""
    colab = deleted_file("notebooks/colab_demo.ipynb", _notebook("!pip install diffusers", colab=True))
    plain = deleted_file("notebooks/demo.ipynb", _notebook("!pip install diffusers", colab=False))

    paid = {f.path: f.severity for f in review(colab + plain).paid if f.rule == "DEP010"}

    assert paid == {"notebooks/colab_demo.ipynb": Severity.LOW, "notebooks/demo.ipynb": Severity.MEDIUM}
