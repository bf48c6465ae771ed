"""A fitted ensemble on disk: its networks as model directories, the rest JSON.

A saved forecaster is a model directory (the best network, with everything
else in its JSON metadata) plus one model directory per further network,
named after the digest of its weights (``member-<sha256 prefix>/``); a
classical member is its model's name and arguments in the metadata (it is
refitted on the history before every forecast, so it has nothing else to
keep). The members are written first and the top-level ``model.json``
last, so a crash or Ctrl-C mid-save leaves the previous forecaster whole;
member folders that the new ``model.json`` no longer names are removed
after it is in place. The metadata records every network's SHA-256, so a
swapped member is refused.

Versions of the metadata (``version``): 2 (this one) lists classical members
as ``{"classical": {...}, "weight", "score"}``; 1 (unrolled 0.1.0, no
``version`` key) saved each of them as a network of one unit with a zero
head over its scaling, ``"refits": true``: :func:`load_members` reads those
as the classical models they stood for.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...engine.validate import is_real
from ..features.covariates import Covariates
from ..io.history import history_from_json, history_to_json
from ..models.classical import from_dict, from_scaling
from ..models.networks import network_class
from ..models.scalings import transform_from_dict
from .covariates import attach
from .intervals import Calibration
from .members import Candidate, ClassicalMember, Member, digest
from .prediction import OLD_NAME

FORMAT = "unrolled.forecaster"  # the metadata's "format"
VERSION = 2  # of the forecaster's metadata (see the module)


def save_members(directory, members: list, meta: dict) -> Path:
    """Write the members (further ones first, the best one last, with ``meta``)."""
    from ...storage.atomic import locked_dir
    from ...storage.files import prepare_dir

    directory = prepare_dir(directory)
    with locked_dir(directory):  # a concurrent save waits: last complete one wins
        return _save_locked(directory, members, dict(meta, version=VERSION))


def save_forecaster(fc, directory, extra: dict | None = None) -> Path:
    """Write a fitted forecaster ``fc`` (see :meth:`.Forecaster.save`)."""
    meta = {
        "format": FORMAT,
        "params": fc.get_params(),
        "config": fc.config_,
        "names": fc.names_,
        "n_train": fc.n_train_,
        "frequency": fc.frequency_,
        "val_score": fc.val_score_,
        "naive_val_score": fc.naive_val_score_,
        "search": [c.__dict__ for c in fc.search_],
        "calibration": fc.calibration_.to_dict(),
        "baseline_val_scores": fc.baseline_val_scores_,
        "selected": fc.selected_,
        "extra": extra or {},
        "history": history_to_json(
            fc.names_,
            [fc.history_[n] for n in fc.names_],
            getattr(fc, "dates_", None),
            fc.frequency_,
            getattr(fc, "pandas_freq_", None),
        ),  # fmt: skip
    }
    if getattr(fc, "covariates_", None) is not None:
        meta["covariates"] = fc.covariates_.to_dict()
    return save_members(directory, fc.members_, meta)


def load_forecaster(cls, directory):
    """A fitted ``cls`` (a Forecaster class) read back from ``directory``."""
    from ...storage.models import ModelFileError, load_model

    model, meta = load_model(directory)
    if meta.get("format") != FORMAT:
        raise ModelFileError(
            f"{directory}: not a forecaster (metadata format "
            f"{meta.get('format')!r}, expected {FORMAT!r})"
        )
    try:
        fc = cls(**{"huber": None, **meta["params"]})
        fc._check_params()
        fc.members_ = load_members(directory, meta, model)
        fc.config_ = dict(meta["config"])
        fc.names_, fc.n_train_ = list(meta["names"]), dict(meta["n_train"])
        fc.frequency_, fc.val_score_ = meta["frequency"], meta["val_score"]
        fc.naive_val_score_ = meta.get("naive_val_score")
        fc.search_ = [Candidate(**c) for c in meta["search"]]
        fc.extra_ = meta.get("extra", {})
        old = {OLD_NAME: fc.alias}  # 0.1.0 named the ensemble "rnn"
        cal = {old.get(k, k): v for k, v in (meta.get("calibration") or {}).items()}
        fc.calibration_ = Calibration.from_dict(cal)
        fc.baseline_val_scores_ = dict(meta.get("baseline_val_scores") or {})
        selected = meta.get("selected", fc.alias)
        fc.selected_ = old.get(selected, selected)
        if "history" in meta:  # saved since 0.1.0: predict needs no --data
            fc.history_data_ = history_from_json(meta["history"], str(directory))
            fc.history_ = {s.name: np.array(s.values) for s in fc.history_data_}
            fc.dates_ = {s.name: s.dates for s in fc.history_data_}
        fc.covariates_ = None
        if "covariates" in meta:  # saved with covariates (names, scalers, rows)
            fc.covariates_ = Covariates.from_dict(meta["covariates"])
            fc.covariates_.use_training(fc.dates_)
            attach(fc.members_, fc.covariates_)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{directory}: bad forecaster metadata ({exc})") from None
    if not fc.members_:
        raise ModelFileError(f"{directory}: bad forecaster metadata (no members)")
    return fc


def _save_locked(directory: Path, members: list, meta: dict) -> Path:
    """Write members, then the top model; on failure remove what this save made."""
    import shutil

    from ...storage.models import CONFIG, save_model

    entries, made = [], []
    try:
        for k, m in enumerate(members):
            entry = m.to_meta()
            if isinstance(m, Member):
                entry["dir"] = "." if k == 0 else f"member-{entry['digest'][:16]}"
            if k and isinstance(m, Member):
                sub = directory / entry["dir"]
                if not sub.exists():
                    made.append(sub)
                save_model(sub, m.model, {"format": "member"})
            entries.append(entry)
        out = save_model(directory, members[0].model, dict(meta, members=entries))
    except BaseException:  # a full disk, Ctrl-C: no orphan member folders
        for sub in made:
            shutil.rmtree(sub, ignore_errors=True)
        raise
    keep = {e.get("dir") for e in entries}
    for old in directory.glob("member-*"):  # members of an earlier save
        if old.name not in keep and (old / CONFIG).is_file():
            shutil.rmtree(old, ignore_errors=True)
    return out


def load_members(directory, meta: dict, best) -> list:
    """Rebuild the members listed in ``meta``; ``best`` is the top-level model."""
    from ...storage.models import ModelFileError

    directory, out = Path(directory), []
    version = meta.get("version", 1)
    if version not in (1, VERSION):
        raise ModelFileError(
            f"{directory}: forecaster metadata version {version!r}, this unrolled "
            f"reads 1 and {VERSION} (a newer unrolled wrote it?)"
        )
    for k, d in enumerate(meta["members"]):
        weight = d.get("weight", 1.0)
        if not (is_real(weight) and 0 < weight < np.inf):
            raise ModelFileError(f"{directory}: bad member weight {weight!r}")
        if k and "classical" in d:
            score = d.get("score")
            score = np.nan if score is None else float(score)
            try:
                model = from_dict(d["classical"])
            except ValueError as exc:
                raise ModelFileError(f"{directory}: member {k}: {exc}") from None
            out.append(ClassicalMember(model, float(weight), score))
            continue
        member = _network(directory, k, d, best)
        refits = d.get("refits", False)  # version 1's classical members
        if not isinstance(refits, bool):
            raise ModelFileError(f"{directory}: bad member refits {refits!r}")
        if refits:
            c = member.candidate
            model = from_scaling(c.scaling, c.season)
            out.append(ClassicalMember(model, float(weight), c.score))
        else:
            member.weight = float(weight)
            out.append(member)
    if not out or not isinstance(out[0], Member):
        raise ModelFileError(f"{directory}: bad forecaster metadata (no network)")
    return out


def _network(directory: Path, k: int, d: dict, best) -> Member:
    """The ``k``-th member, a network saved as a model directory."""
    from ...storage.models import ModelFileError, load_model

    sub = str(d["dir"])
    named = re.fullmatch(r"member-[0-9a-f]{16}", sub) is not None
    if (k == 0 and sub != ".") or (k > 0 and not named):
        raise ModelFileError(f"{directory}: bad member folder name {sub!r}")
    model = best if k == 0 else load_model(directory / sub)[0]
    if digest(model) != d["digest"]:
        raise ModelFileError(
            f"{directory / sub}: weights do not match the digest recorded in "
            f"{directory / 'model.json'} (a stale or swapped member)"
        )
    cand = Candidate(**d["candidate"])
    tfs = {n: transform_from_dict(t, n) for n, t in d["transforms"].items()}
    net = network_class(model.cell_type)(
        cand.scaling, cand.window, cand.hidden, cand.lr, season=cand.season,
        ar=cand.ar, layers=model.num_layers, seed=cand.seed or 0,
    )  # fmt: skip
    return Member(cand, net.restore(model, tfs))
