"""Model debt in training code: uncontrolled randomness, models saved without a version."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

from checks.diff import FileStatus
from checks.finding import Category, Hit, Severity, Side
from checks.languages import comment_start
from checks.lazyre import lazy
from checks.paths import Kind
from checks.registry import Docs, rule
from checks.rules.code_common import DEF, enclosing_def_index, enclosing_function, is_doctest, side_text
from checks.rules.data_source import call_name
from checks.rules.dependency_common import lines_before
from checks.rules.model_calls import Call, literal_str
from checks.rules.model_scan import (
    NOT_PRODUCTION,
    PYTHON_KINDS,
    Scan,
    call_hit,
    called,
    callee,
    char_before,
    code_matches,
    contains_any,
    file_source,
    in_string,
    is_definition,
    is_free_call,
)
from checks.views import FileView, Match, SideView

# --- MODEL010: randomness without a seed ---------------------------------------------------------------------

#: scikit-learn (and umap) objects whose results depend on a random state. XGBoost, LightGBM and CatBoost are
#: not listed: their default seeds are fixed, so their results repeat.
_RANDOM_ESTIMATOR_NAMES = (
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "IsolationForest", "KMeans", "MiniBatchKMeans", "SGDClassifier", "SGDRegressor",
    "SGDOneClassSVM", "MLPClassifier", "MLPRegressor", "TSNE", "UMAP", "ShuffleSplit", "StratifiedShuffleSplit",
    "GroupShuffleSplit", "KFold", "StratifiedKFold", "RepeatedKFold", "RepeatedStratifiedKFold", "BaggingClassifier",
    "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "RandomizedSearchCV", "RandomTreesEmbedding",
)  # fmt: skip
_RANDOM_ESTIMATORS = lazy("(?:" + "|".join(_RANDOM_ESTIMATOR_NAMES) + r")\(")
#: The estimators are found by how their names end (every match is a whole name: `is_free_call` drops the
#: tails of longer names); the split by its literal.
_ESTIMATOR_ENDINGS = (
    "Classifier", "Regressor", "Forest", "KMeans", "SVM", "TSNE", "UMAP", "Split", "KFold", "SearchCV", "Embedding",
)  # fmt: skip
_RANDOM_CALLS = (
    Scan(_RANDOM_ESTIMATORS, word_start=True, call_suffixes=_ESTIMATOR_ENDINGS),
    Scan(lazy(r"train_test_split\("), ("train_test_split(",)),
)
#: A global seed makes scikit-learn's `random_state=None` repeatable (it draws from numpy's global generator).
_GLOBAL_SEED = lazy(
    r"\b(?:np|numpy)\.random\.seed\(|\bseed_everything\(|\bset_seed\(|\bset_random_seed\(|"
    r"\.set_params\([^)]*random_state"
)
_SHUFFLE_OPTIONAL = frozenset({"KFold", "StratifiedKFold"})
_TRAINING_PATH = lazy(r"train", re.IGNORECASE)
#: A torch dataset split, repeatable with `generator=` or a seed for torch's global generator.
_TORCH_SPLIT = Scan(lazy(r"random_split\("), ("random_split(",))
#: Numbers drawn from torch's, numpy's global, the `random` module's or TensorFlow's generator: a seed fixes them.
#: numpy's own generator objects and the seeding calls are not draws; neither is a method of another object.
_DRAWS = Scan(
    lazy(
        r"(?<![\w.])(?:torch\.(?:rand|randn|randint|randperm|rand_like|randn_like|randint_like|normal|bernoulli"
        r"|multinomial|poisson)|(?:np|numpy)\.random\.(?!(?:seed|default_rng|RandomState|Generator|SeedSequence"
        r"|BitGenerator|PCG64\w*|MT19937|Philox|SFC64|get_state|set_state)\()\w+|random\.(?:random|shuffle|choice"
        r"|choices|sample|randint|randrange|uniform|gauss|normalvariate)|tf\.random\.(?!(?:set_seed|Generator"
        r"|get_global_generator|set_global_generator)\()\w+)\("
    ),
    # Where every match begins (`random.` is also found inside `np.random.`, where the look-behind turns it away).
    (
        "torch.rand",
        "torch.normal(",
        "torch.bernoulli(",
        "torch.multinomial(",
        "torch.poisson(",
        "np.random.",
        "numpy.random.",
        "tf.random.",
        "random.",
    ),
)
#: Any seed a file sets (torch's, numpy's, the `random` module's, TensorFlow's, or all at once): drawing without
#: one in a file that also sets one is taken as intended.
_ANY_SEED = lazy(r"manual_seed\(|\bseed\(|seed_everything\(|set_seed\(|set_random_seed\(")
#: A class handing its seed to its base class (`super().__init__(..., random_state=random_state)`): the base seeds.
_SEED_PASSED_UP = lazy(r"super\([\w\s,]*\)\.__init__\((?:[^()]|\([^()]*\))*?\b(?:random_state|seed)\s*=")
#: A training step in the file: the draws there (noise, dropout masks, shuffles) change what is learnt.
_TRAINING_STEPS = ("optimizer.step(", ".fit(", "train_on_batch(", "GradientTape(")
#: `loss.backward()` too, but not when handed a gradient: that is a custom autograd `Function`'s backward pass
#: (`.backward(grad_output)`, the incoming gradients passed on as `*args`, or `torch.autograd.backward(out, grads)`,
#: whose second argument is the gradients).
_BACKWARD = ".backward("
_GRADIENT_PLUMBING = lazy(
    r"\.backward\(\s*(?:grad|\*)|(?<=autograd)\.backward\(\s*[\w.\[\]]+\s*,\s*(?!retain_graph|create_graph|inputs)[\w*]"
)
#: What a dotted callee is made of (`self.model.fit(`): stripped to see what stands before it.
_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."
#: A Hugging Face `Trainer` subclass: the Trainer seeds every generator from `TrainingArguments.seed` when it is
#: built, so its methods draw from seeded generators (Lightning's Trainer does not: no import of transformers).
_HF_TRAINER_CLASS = lazy(r"^class\s+\w+\((?:[\w.]+\.)?\w*Trainer\b", re.MULTILINE)
_HF_IMPORTS = ("from transformers", "import transformers", "from trl", "import trl")
#: A training module by its name: one that starts with it (train.py, training_loop.py, pretrain_bert.py) or ends
#: with a trainer (run_train.py, distill_trainer.py): a hand-written loop has no framework step. Not constraints.py,
#: nor a helper named for what it serves (dynamic_chunk_training.py samples a training option; its caller seeds).
_TRAINING_MODULE = lazy(
    r"(?:^|/)(?:pre|re)?train[\w-]*\.(?:py|ipynb)$|[_-](?:pre|re)?train(?:ers?)?\.(?:py|ipynb)$", re.IGNORECASE
)
#: A draw's value assigned to one name, alone (`noise = ` before `torch.rand(`).
_DRAWN_INTO = lazy(r"[ \t]*([\w.]+)[ \t]*=[ \t]*")
#: Samples of a torch distribution (`Categorical(probs).sample()`), read in files that use torch.distributions.
_DISTRIBUTION_SAMPLES = Scan(lazy(r"\.r?sample\("), (".sample(", ".rsample("))
_DISTRIBUTIONS = ("torch.distributions", "distributions import")


@rule(
    code="MODEL010",
    slug="unseeded-randomness",
    title="Randomness uncontrolled: missing random_state or seed",
    category=Category.MODEL,
    severity=Severity.LOW,
    effort=2,
    remediation="Pass `random_state=<constant>` (or a configured seed), and set global seeds once at program start.",
    docs=Docs(
        what=(
            "Added code builds a scikit-learn splitter or estimator whose result depends on chance "
            "(train_test_split, RandomForest*, KMeans, SGD*, MLP*, ShuffleSplit, KFold with shuffle=True, "
            "TSNE, UMAP...) without `random_state`, or a torch `random_split` without a `generator`; or a training "
            "file (one with a training step: `.backward(`, `.fit(`..., or named for training: `train*.py`, "
            "`*_train.py`, `*_trainer.py`) draws "
            "numbers from torch (distribution samples included), numpy's global generator, `random` or `tf.random` "
            "and sets no seed anywhere (read only when the whole file is known; a gradient handed to `.backward(`, "
            "or a `.backward(` inside a `backward` method, is a custom backward pass, not a training step, nor is a "
            "`.fit(` of a neighbour index, scaler, encoder or imputer made on its line "
            "(`NearestNeighbors(n_neighbors=4).fit(points)`), nor a "
            "`.fit(` whose result is unpacked into several names (`s, R, t = self.bfm.fit(landmark)`: a face model "
            "solved for one input), nor a step a docstring, comment or string mentions, "
            "a Hugging Face `Trainer` subclass is seeded by the Trainer itself, and a class that hands its "
            "`random_state` or `seed` to its base class's `__init__` by that base; draws in a distribution's sampler "
            "(`sample`, `rsample`: drawing is its job, its caller seeds) or in a function decorated to run without "
            "gradients (`@torch.no_grad()`, `@torch.inference_mode()`: sampling, evaluation), or picking a port for a "
            "run's processes (`main_port = random.randint(...)`), change nothing learnt). "
            "The whole call is read across lines; calls passing `**params`, a `generator=` or a `seed=`, splits with "
            "shuffle=False, and files that set a seed are left alone (for scikit-learn, numpy's: `np.random.seed`, "
            "`seed_everything`, `set_seed`; for the rest, any: `torch.manual_seed`, `random.seed`...; a removed call "
            "is judged against the file before the change, when known). A draw assigned to a name is known by it: "
            "`noise = np.random.uniform(...)` ported to `noise = torch.rand(...)` is the same debt. A "
            "`train_test_split` of another package the module imports (`spk.data.train_test_split`), or a method "
            "of that name the module defines, is not scikit-learn's. Medium for train_test_split and random_split "
            "in training code."
        ),
        why=(
            "Unseeded splits and models give different numbers on every run, so a change in a metric cannot be "
            "told apart from noise (dslinter W5508-W5512 randomness-control; Zhang et al. 2022, 'Randomness "
            "Uncontrolled')."
        ),
        example="X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)",
        fix="X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)",
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    # Every match holds one: an estimator's or split's name, or a draw's start (`random.` in numpy's and
    # TensorFlow's too).
    needles=(
        *(f"{name}(" for name in _RANDOM_ESTIMATOR_NAMES),
        "train_test_split(",
        "random_split(",
        *_DRAWS.literals,
        # Not `.sample(` (every VAE's latent_dist.sample() would run the rule): the import of torch.distributions.
        "distributions",
    ),
)
def unseeded_randomness(view: FileView) -> Iterator[Hit]:
    yield from _unseeded_estimators(view)
    yield from _unseeded_torch_splits(view)
    yield from _unseeded_draws(view)


def _source_on(view: FileView, side: SideView) -> str:
    """The file's code on the side's side of the change: after it (see `file_source`), or, for a removed call, the
    module it stood in (a seed the change removed with it seeded it) as far as it is known."""
    if side.side is Side.ADDED or view.kind is Kind.NOTEBOOK:
        return file_source(view)
    return side_text(view, side)


def _unseeded_estimators(view: FileView) -> Iterator[Hit]:
    seeded: dict[Side, bool] = {}
    for reader, m in code_matches(view, *_RANDOM_CALLS, accept=is_free_call):
        call = reader.call(m)
        name = called(m)
        if call is None or not _unseeded(name, call):
            continue
        side = reader.side
        if char_before(m) == "." and _own_method(_source_on(view, side), callee(m, side)):
            continue  # `blocks.train_test_split(train_idx, test_idx)`: the module's own method of that name
        if name == "train_test_split" and _another_librarys(_source_on(view, side), callee(m, side)):
            continue  # `spk.data.train_test_split(dataset, split_file=...)`: schnetpack's, not scikit-learn's
        if side.side not in seeded:
            seeded[side.side] = _GLOBAL_SEED.search(_source_on(view, side)) is not None
        if seeded[side.side]:
            continue
        training = name == "train_test_split" and _TRAINING_PATH.search(view.path) is not None
        keyword = (
            "seed"
            if char_before(m) == "." and _a_values_method(_source_on(view, side), callee(m, side))
            else "random_state"
        )
        yield call_hit(
            reader,
            m,
            f"`{name}` without `{keyword}`: results change from run to run",
            call,
            Severity.MEDIUM if training else None,
        )


def _own_method(source: str, dotted: str) -> bool:
    """Whether `receiver.name` calls a method the module defines, on an object it did not import as a module
    (`model_selection.train_test_split` is scikit-learn's whatever the module defines)."""
    receiver, _, name = dotted.rpartition(".")
    if _imports(source, receiver.partition(".")[0]):
        return False
    return any(found.group(1) == name for found in re.finditer(rf"^{DEF.pattern}\(", source, re.MULTILINE))


def _imports(source: str, name: str) -> bool:
    """Whether a line of `source` imports `name` (or a module of it, `import a.b`, `from x import name`)."""
    line = rf"^[ \t]*(?:from[ \t]+\S+[ \t]+)?import[ \t][^\n]*\b{re.escape(name)}\b"
    return re.search(line, source, re.MULTILINE) is not None


def _a_values_method(source: str, dotted: str) -> bool:
    """Whether `receiver.name` calls a method of a value rather than a module's function: the receiver is not a name
    the module imports (a Hugging Face dataset's `ds["train"].train_test_split(...)`, which takes `seed=`)."""
    receiver = dotted.rpartition(".")[0]
    root = receiver.partition(".")[0]
    if not root:
        return True  # the receiver is an expression (`ds["train"]`, `load()`): a value
    return root not in ("sklearn", "model_selection") and not _imports(source, root)


def _another_librarys(source: str, dotted: str) -> bool:
    """Whether `package.name` calls a function of a package the module imports that is not scikit-learn (`import
    schnetpack as spk` above `spk.data.train_test_split(...)`); not when the import is not in view."""
    receiver, _, _ = dotted.rpartition(".")
    if not receiver:
        return False
    root = re.escape(receiver.partition(".")[0])
    aliased, plain, imported = (
        rf"import[ \t]+[\w.]+[ \t]+as[ \t]+{root}\b",
        rf"import[ \t]+{root}\b",
        rf"from[ \t]+\S+[ \t]+import\b[^\n]*\b{root}\b",
    )
    binding = re.search(rf"^[ \t]*(?:{aliased}|{plain}|{imported})", source, re.MULTILINE)
    return binding is not None and "sklearn" not in binding.group()


def _unseeded_torch_splits(view: FileView) -> Iterator[Hit]:
    """`random_split` without a generator, in a file that seeds nothing: medium in training code, as a split."""
    seeded: dict[Side, bool] = {}
    for reader, m in code_matches(view, _TORCH_SPLIT, accept=is_free_call):
        call = reader.call(m)
        if call is None or _given_a_generator(call, position=2):
            continue
        side = reader.side
        if side.side not in seeded:
            seeded[side.side] = _ANY_SEED.search(_source_on(view, side)) is not None
        if seeded[side.side]:
            continue
        training = _TRAINING_PATH.search(view.path) is not None
        message = "`random_split` without a `generator`, and no seed set in this file: the split changes every run"
        yield call_hit(reader, m, message, call, Severity.MEDIUM if training else None)


def _unseeded_draws(view: FileView) -> Iterator[Hit]:
    """Numbers drawn in a training file (one with a training step) that sets no seed anywhere. Only when the whole
    file is known: a seed may sit on a line the change leaves alone."""
    if view.text is None and view.status is not FileStatus.ADDED:
        return
    source = file_source(view)
    if not _is_training_code(view.path, source):
        return
    unseeded = {side.side: _sets_no_seed(_source_on(view, side)) for side in view.source_sides() if side}
    if not any(unseeded.values()):
        return  # seeded before the change and after it: most training files
    # Samples only where the change's lines name torch.distributions: the rule's needle, so the prefilter
    # never hides what a review without it would find.
    sampled = "distributions" in view.added.lines.text and contains_any(source, _DISTRIBUTIONS)
    scans = (_DRAWS, _DISTRIBUTION_SAMPLES) if sampled else (_DRAWS,)
    for reader, m in code_matches(view, *scans):
        if not unseeded.get(reader.side.side, False):
            continue
        call = reader.call(m)
        if call is None or _given_a_generator(call) or _learns_nothing(view, reader.side, m):
            continue
        if _PORT_DRAWN.search(m.text, 0, reader.side.column(m)):
            continue  # `main_port = random.randint(*port_range)`: the process group's rendezvous, nothing learnt
        # A draw is named by its function; a sample by its method (a distribution's, or a table's `.sample()`).
        drawn = m.group(0).rstrip("(") + "()" if m.group(0).startswith(".") else called(m)
        hit = call_hit(
            reader,
            m,
            f"`{drawn}` in training code, and no seed set in this file: results change from run to run",
            call,
            None,
        )
        # Known by what it feeds: `noise = np.random.uniform(...)` ported to `noise = torch.rand(...)` in a file
        # unseeded before and after is the same draw.
        target = _DRAWN_INTO.fullmatch(m.text[: reader.side.column(m)])
        yield dataclasses.replace(hit, content=f"unseeded draw into {target.group(1)}") if target else hit


#: A distribution's sampler, whose contract is to draw (its caller seeds): `Distribution.sample()`, `rsample()`.
_SAMPLERS = frozenset({"sample", "rsample", "sample_n"})
#: A decorator that runs its function without gradients: generation or evaluation, which learns nothing.
_NO_GRADIENTS = lazy(r"@[\w.]*\b(?:no_grad|inference_mode)\b")
#: How far above a draw its function's `def` (and the def's decorators) are looked for.
_DRAW_DEF_LOOKBACK = 300


#: A draw that picks a network port (`main_port = `, `os.environ["MASTER_PORT"] = str(`) for the processes of a run.
_PORT_DRAWN = lazy(r"(?<![a-z])port\w*[ \t]*=[ \t]*(?:str\()?$|(?<![a-z])port[\"']\][ \t]*=", re.IGNORECASE)


def _learns_nothing(view: FileView, side: SideView, m: Match) -> bool:
    """Whether the draw sits in a function whose draws change nothing a model learns: a distribution's sampler, or one
    decorated to run without gradients (`@torch.no_grad()`, `@torch.inference_mode()`: a diffusion model's sampling
    loop beside its training step)."""
    above = lines_before(view, side.side, m.number, _DRAW_DEF_LOOKBACK)
    at = enclosing_def_index(above, len(m.text) - len(m.text.lstrip()))
    if at is None:
        return False
    found = DEF.match(above[at])
    if found is not None and found.group(1) in _SAMPLERS:
        return True
    indent = len(above[at]) - len(above[at].lstrip())
    while at > 0 and (above[at - 1].lstrip().startswith(("@", ")")) or _indent(above[at - 1]) > indent):
        at -= 1  # up through the def's decorators, each on a line or several (not a nested def's, further in)
        if _indent(above[at]) == indent and _NO_GRADIENTS.match(above[at].lstrip()):
            return True
    return False


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip()) if line.strip() else -1


def _is_training_code(path: str, source: str) -> bool:
    """A module named for training, or one with a training step (a gradient handed to `.backward(` is none)."""
    if _TRAINING_MODULE.search(path) is not None:
        return True
    if any(
        _first(at for at in _in_code(source, step) if not _solved(source, at) and not _learns_no_model(source, at))
        for step in _TRAINING_STEPS
    ):
        return True
    return _first(
        at
        for at in _in_code(source, _BACKWARD)
        if _GRADIENT_PLUMBING.match(source, at) is None and _enclosing_def(source, at) != "backward"
    )


#: What stands before a `.fit(` whose result is unpacked into several names (`s, R, t = self.bfm.fit(`): a model of
#: a face or a curve solved for one input's parameters, not a training step (an estimator's fit returns itself).
_UNPACKED_FIT = lazy(r"[ \t]*\(?[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)+\)?[ \t]*=[ \t]*[\w.]*")


def _solved(source: str, at: int) -> bool:
    """Whether the step at `at` is a `.fit(` whose result is unpacked into several names (see `_UNPACKED_FIT`)."""
    if not source.startswith(".fit(", at):
        return False
    return _UNPACKED_FIT.fullmatch(source, source.rfind("\n", 0, at) + 1, at) is not None


#: A constructor whose `.fit(` learns no model that draws would change: a neighbour index, or a scaler, encoder or
#: imputer fitted to its data (`NearestNeighbors(n_neighbors=4).fit(points)`, nerfstudio's lookup of close points).
_NO_MODEL_FITTED = lazy(
    r"\b(?:NearestNeighbors|KDTree|BallTree|cKDTree|\w+Scaler|\w+Encoder|\w+Imputer|Normalizer)"
    r"\((?:[^()\n]|\([^()\n]*\))*\)[ \t]*"
)


def _learns_no_model(source: str, at: int) -> bool:
    """Whether the step at `at` is a `.fit(` called on a constructor of `_NO_MODEL_FITTED`."""
    if not source.startswith(".fit(", at):
        return False
    line_start = source.rfind("\n", 0, at) + 1
    return any(found.end() == at for found in _NO_MODEL_FITTED.finditer(source, line_start, at))


#: How far above a call its function's `def` is looked for.
_DEF_LOOKBACK_CHARS = 4000


def _enclosing_def(source: str, at: int) -> str | None:
    """The name of the function whose body holds `at`: a `.backward(` inside a `backward` method is a custom backward
    pass handing on the gradient, not a step."""
    start = source.rfind("\n", 0, at) + 1
    above = source[max(0, start - _DEF_LOOKBACK_CHARS) : start].splitlines()
    return enclosing_function(above, len(source[start:at]) - len(source[start:at].lstrip()))


def _first(positions: Iterator[int]) -> bool:
    return next(positions, None) is not None


def _in_code(source: str, needle: str) -> Iterator[int]:
    """Where `needle` occurs as code: not in a comment, an inline string, a doctest or a documentation code span
    (a docstring's "passed to `model.fit()`" trains nothing)."""
    at = source.find(needle)
    while at != -1:
        start = source.rfind("\n", 0, at) + 1
        end = source.find("\n", at)
        line = source[start : end if end != -1 else len(source)]
        column = at - start
        comment = comment_start(line, Kind.PYTHON)
        mentioned = (
            line[:column].rstrip(_NAME_CHARACTERS).endswith("`")
            or (comment is not None and comment <= column)
            or in_string(line, column)
            or is_doctest(line)
        )
        if not mentioned:
            yield at
        at = source.find(needle, at + 1)


def _sets_no_seed(source: str) -> bool:
    """Whether a module seeds nothing: no seed call, no Hugging Face Trainer to seed it, no seed handed up."""
    if _ANY_SEED.search(source) is not None or _seeded_by_trainer(source):
        return False
    return "__init__(" not in source or _SEED_PASSED_UP.search(source) is None


def _seeded_by_trainer(source: str) -> bool:
    """Whether the module's code runs inside a Hugging Face Trainer subclass, seeded when the Trainer is built."""
    return contains_any(source, _HF_IMPORTS) and _HF_TRAINER_CLASS.search(source) is not None


def _given_a_generator(call: Call, position: int | None = None) -> bool:
    """Whether the call draws from a generator its caller seeds (`generator=`, TensorFlow's `seed=`), or may: its
    arguments run on past the known lines, or `**kwargs` may carry one."""
    if not call.complete or call.splats:
        return True
    if call.node is None:  # unparseable: judged by the text
        return re.search(r"\b(?:generator|seed)\s*=", call.text) is not None
    return call.argument(position, "generator", "seed") is not None


def _unseeded(name: str, call: Call) -> bool:
    if not call.complete:
        return False  # random_state may sit on the lines the review cannot see
    if call.node is None:
        # Unparseable (Python 2, a template): judge by the text.
        text = call.text
        if re.search(r"random_state|\bseed\s*=|\*\*|shuffle\s*=\s*False", text):
            return False
        return name not in _SHUFFLE_OPTIONAL or re.search(r"shuffle\s*=\s*True", text) is not None
    # `seed=`: a Hugging Face dataset's own `train_test_split(0.2, seed=...)` (scikit-learn's takes none).
    if call.splats or call.has("random_state") or call.has("seed"):
        return False
    if name in _SHUFFLE_OPTIONAL:
        # KFold(n_splits, shuffle, random_state): without shuffling the folds do not depend on chance.
        shuffle = call.argument(1, "shuffle")
        return _is_true(shuffle) and call.positional(2) is None
    shuffle = call.keyword("shuffle")
    return not (isinstance(shuffle, ast.Constant) and shuffle.value is False)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


# --- MODEL016: model saved to a fixed file name --------------------------------------------------------------

_SAVE_NAMES = ("save(", "save_model(", "save_weights(", "dump(")
#: The names called, found in one pass over the `(` behind them (`save` alone also finds `save_pretrained`...).
_SAVE_CALL = Scan(lazy(r"(?:save(?:_model|_weights)?|dump)\("), _SAVE_NAMES)
#: Dumps that write a model file; `json.dump` and friends write no model.
_DUMPERS = frozenset({"torch.save", "joblib.dump", "pickle.dump", "cPickle.dump", "dill.dump", "cloudpickle.dump"})
#: A model file's fixed name: the model word in the file's name or a folder's (`../models/baseline.joblib`).
_FIXED_MODEL_FILE = lazy(
    r"^[\w./-]*?(?:model|clf|weights|classifier|regressor|pipeline|estimator|checkpoint|ckpt)[\w./-]*"
    r"\.(?:pkl|pickle|joblib|h5|keras|pt|pth|bin|onnx|sav|ckpt|safetensors)$",
    re.IGNORECASE,
)
#: A tracker or registry that versions the model alongside the local file.
_REGISTRY = lazy(
    r"\bmlflow\.|\bwandb\.(?:log_artifact|Artifact)\b|\.log_artifacts?\(|\blog_model\(|\bdvc\s+add\b|"
    r"\bneptune\b|\bclearml\b|\bcomet_ml\b|\bbentoml\.|\.push_to_hub\(|\bmodel_registry\b|\bsagemaker\b"
)


@rule(
    code="MODEL016",
    slug="model-saved-unversioned",
    title="Model saved to a fixed file name with no version or metadata",
    category=Category.MODEL,
    severity=Severity.LOW,
    effort=15,
    remediation=(
        "Version model outputs (run id, data hash or timestamp in the name, or a registry version) and log them "
        "to a registry together with their metrics and training-data version."
    ),
    docs=Docs(
        what=(
            'Added code saves a model to a constant file name (`torch.save(..., "model.pt")`, '
            '`joblib.dump(clf, "clf.pkl")`, `model.save("model.h5")`) and the file logs it to no tracker or '
            "registry (MLflow, W&B artifacts, DVC, BentoML, Neptune, ClearML, Comet, push_to_hub). Names built "
            "from variables or f-strings, and fixed names under a folder a variable holds "
            '(`os.path.join(output_dir, "model.bin")`, `Path(root).joinpath("models", "best.pth")`), are left alone.'
        ),
        why=(
            "Each run overwrites the last model, and nothing records which data, code and metrics produced the "
            "file that ships (ML Test Score, Model 1: model specs are reviewed and versioned)."
        ),
        example='joblib.dump(model, "model.pkl")',
        fix='joblib.dump(model, f"models/model-{run_id}.pkl"); mlflow.sklearn.log_model(model, "model")',
    ),
    kinds=PYTHON_KINDS,
    skip_roles=NOT_PRODUCTION,
    needles=_SAVE_NAMES,  # what `_SAVE_CALL` matches
)
def model_saved_unversioned(view: FileView) -> Iterator[Hit]:
    registered: bool | None = None
    for reader, m in code_matches(view, _SAVE_CALL, accept=_is_model_save):
        call = reader.call(m)
        if call is None or call.node is None:
            continue
        target = _fixed_model_file(call.node)
        if target is None:
            continue
        if registered is None:
            registered = _REGISTRY.search(file_source(view)) is not None
        if registered:
            return
        yield call_hit(reader, m, f"Model saved to the fixed name `{target}`: each run overwrites the last", call, None)


def _is_model_save(m: Match, side: SideView) -> bool:
    """`torch.save(`, `joblib.dump(`..., `x.save(`, `x.save_model(`, `save_model(`; not `autosave(` nor `json.dump(`."""
    name = callee(m, side)
    method = called(m)
    if is_definition(m.text) or (name != method and not name.endswith(f".{method}")):
        return False
    return name in _DUMPERS or not (method == "dump" or (method == "save" and name == "save"))


def _joined_under_a_variable(node: ast.AST) -> bool:
    """A path joined (`os.path.join(d, ...)`, `Path(d, ...)`, `d / ...`, `Path(d).joinpath(...)`) under a folder
    held by a variable, not a module constant (`MODEL_DIR`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _folder_is_variable(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
        return _folder_is_variable(node.func.value)
    if isinstance(node, ast.Call) and call_name(node) in ("join", "Path", "PurePath") and node.args:
        return _folder_is_variable(node.args[0])
    return False


def _folder_is_variable(node: ast.expr) -> bool:
    if isinstance(node, ast.Name | ast.Attribute):
        return not (node.id if isinstance(node, ast.Name) else node.attr).isupper()
    return _joined_under_a_variable(node)


def _fixed_model_file(node: ast.Call) -> str | None:
    """A constant model file name among the call's arguments (`open("clf.pkl", "wb")` included)."""
    pending: list[ast.AST] = [*node.args, *(k.value for k in node.keywords)]
    while pending:
        sub = pending.pop()
        if isinstance(sub, ast.JoinedStr):
            continue  # an f-string's constant parts are pieces of a name built at run time
        if _joined_under_a_variable(sub):
            continue  # `os.path.join(output_dir, "model.bin")`: the caller's folder names each run's file
        value = literal_str(sub) if isinstance(sub, ast.expr) else None
        if value is not None and _FIXED_MODEL_FILE.match(value):
            return value
        pending.extend(ast.iter_child_nodes(sub))
    return None
