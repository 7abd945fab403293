"""gpbo from Python: in-process ask / tell studies and a scikit-learn-compatible GP, through
ctypes over gpbo's shared libraries (no compiler needed; numpy is the one dependency).

    import gpbo
    study = gpbo.Study({"lr": gpbo.LogUniform(1e-4, 1e-1), "layers": gpbo.Int(1, 4)})
    study.optimize(lambda p: train(**p), n_trials=40)
    study = gpbo.Study()       # define-by-run: the first trial's suggest_* make the space
    study.optimize(lambda trial: train(lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True)), 40)
    from gpbo import gp        # the GP alone: loads libgpbo_gp, nothing of the search

The study part (Study, minimize, ...) is loaded on first use, so ``from gpbo import gp`` needs
only libgpbo_base and libgpbo_gp. Thread-safety is stated in gpbo.gp and gpbo.study.
"""
from ._lib import (ExhaustedError, GpboError, InvalidArgumentError, NotFoundError,
                   StateError, StorageError, libdir, version)
from .space import Categorical, Constant, Int, LogUniform, Uniform

__version__ = version()

_LAZY = {
    "GaussianProcessRegressor": "gp", "NotFittedError": "gp",
    "Study": "study", "Trial": "study", "TrialRecord": "study", "TrialPruned": "study",
    "TrialState": "study", "StudyDirection": "study", "Recommendation": "study",
    "MedianPruner": "study", "HyperbandPruner": "study", "minimize": "study",
    "strategies": "study", "create_study": "study", "load_study": "study",
    "get_all_study_names": "study", "get_all_study_summaries": "study", "StudySummary": "study",
    "DuplicatedStudyError": "study", "copy_study": "study", "delete_study": "study",
}

__all__ = ["Uniform", "LogUniform", "Int", "Categorical", "Constant", "GpboError",
           "InvalidArgumentError", "StorageError", "ExhaustedError", "NotFoundError", "StateError",
           "libdir",
           "version"] + list(_LAZY)


def __getattr__(name):
    import importlib

    if name in ("gp", "study"):  # gpbo.gp without `from gpbo import gp` first
        return importlib.import_module("." + name, __name__)
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError("module 'gpbo' has no attribute %r" % name)
    value = getattr(importlib.import_module("." + mod, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
