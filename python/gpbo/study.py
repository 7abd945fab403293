"""gpbo.Study: ask / tell studies in-process over gpbo's search library (gpbo/search.h).

Thread-safety: a Study may be shared by threads. Its calls into the library are serialized by
a lock of its own (the library wants one thread at a time per study handle), and ctypes releases
the GIL during them, so while one thread asks (a Bayesian proposal fits GPs for a while) the
others run their objectives. ``optimize(n_jobs=k)`` runs k such threads: it helps when the
objective releases the GIL (numpy, PyTorch, a subprocess). Several processes (or machines) may
open one stored study at once, each with its own Study: ids are reserved in the storage and
every worker's running trials are pending points of the others' proposals.

Fork: a Study that has asked runs a heartbeat thread of the library's; a process forked while
it is open (multiprocessing's "fork" start method) must not use gpbo before it execs: use the
"spawn" or "forkserver" start method, or open the study in the child.
"""
import ctypes as C
import datetime
import enum
import inspect
import json
import math
import numbers
import os
import random
import sys
import threading
import time
import warnings
import weakref

from . import _lib, space as _space, suggest as _suggest
from ._lib import DP, check, check_ptr

__all__ = ["Study", "Trial", "TrialRecord", "TrialPruned", "TrialState", "StudyDirection",
           "MedianPruner",
           "HyperbandPruner", "minimize", "create_study", "load_study", "get_all_study_names",
           "get_all_study_summaries", "StudySummary", "DuplicatedStudyError", "copy_study"]

_s = _lib.library("search")
_gp = _lib.library("gp")
_acq = _lib.library("acquisition")
_VP, _SZ = C.c_void_p, C.c_size_t
_SIG = {
    "gpbo_space_new": (_VP, []),
    "gpbo_space_free": (None, [_VP]),
    "gpbo_space_add_float": (C.c_int, [_VP, C.c_char_p, C.c_double, C.c_double, C.c_int]),
    "gpbo_space_add_int": (C.c_int, [_VP, C.c_char_p, C.c_longlong, C.c_longlong, C.c_int]),
    "gpbo_space_add_float_step": (C.c_int, [_VP, C.c_char_p, C.c_double, C.c_double,
                                            C.c_double]),
    "gpbo_space_add_int_step": (C.c_int, [_VP, C.c_char_p, C.c_longlong, C.c_longlong,
                                          C.c_longlong]),
    "gpbo_space_step": (C.c_double, [_VP, _SZ]),
    "gpbo_space_add_categorical": (C.c_int, [_VP, C.c_char_p, _SZ, C.POINTER(C.c_char_p)]),
    "gpbo_space_add_const": (C.c_int, [_VP, C.c_char_p, C.c_double]),
    "gpbo_space_add_condition": (C.c_int, [_VP, C.c_char_p, C.c_char_p, _SZ,
                                           C.POINTER(C.c_double)]),
    "gpbo_space_parent": (_SZ, [_VP, _SZ]),
    "gpbo_space_condition": (_SZ, [_VP, _SZ, C.POINTER(C.POINTER(C.c_double))]),
    "gpbo_space_size": (_SZ, [_VP]),
    "gpbo_space_name": (C.c_char_p, [_VP, _SZ]),
    "gpbo_space_type": (C.c_int, [_VP, _SZ]),
    "gpbo_space_is_log": (C.c_int, [_VP, _SZ]),
    "gpbo_space_lo": (C.c_double, [_VP, _SZ]),
    "gpbo_space_hi": (C.c_double, [_VP, _SZ]),
    "gpbo_space_nchoices": (_SZ, [_VP, _SZ]),
    "gpbo_space_choice": (C.c_char_p, [_VP, _SZ, _SZ]),
    "gpbo_study_options_init": (C.c_int, [_VP, C.c_uint]),
    "gpbo_strategy_name": (C.c_char_p, [_SZ]),
    "gpbo_study_open": (_VP, [C.c_char_p, C.c_char_p, _VP, _VP]),
    "gpbo_study_delete": (C.c_int, [C.c_char_p, C.c_char_p, C.POINTER(_SZ)]),
    "gpbo_study_list": (C.c_int, [C.c_char_p, C.POINTER(C.POINTER(C.c_char_p)),
                                  C.POINTER(_SZ)]),
    "gpbo_study_close": (None, [_VP]),
    "gpbo_study_space": (_VP, [_VP]),
    "gpbo_study_name": (C.c_char_p, [_VP]),
    "gpbo_study_direction": (C.c_int, [_VP]),
    "gpbo_study_get_options": (_VP, [_VP]),
    "gpbo_study_ask": (C.c_int, [_VP, C.POINTER(_SZ), DP]),
    "gpbo_study_sync": (C.c_int, [_VP]),
    "gpbo_study_tell": (C.c_int, [_VP, _SZ, C.c_double]),
    "gpbo_study_tell_ask": (C.c_int, [_VP, _SZ, C.c_double, _SZ, C.POINTER(_SZ), DP,
                                      C.POINTER(C.c_int)]),
    "gpbo_study_tell_failed": (C.c_int, [_VP, _SZ, C.c_char_p]),
    "gpbo_study_tell_pruned": (C.c_int, [_VP, _SZ]),
    "gpbo_study_report": (C.c_int, [_VP, _SZ, C.c_long, C.c_double]),
    "gpbo_study_report_many": (C.c_int, [_VP, _SZ, _SZ, _VP, _VP]),
    "gpbo_study_set_metrics": (C.c_int, [_VP, _SZ, _SZ, C.POINTER(C.c_char_p), DP]),
    "gpbo_study_trial_metrics": (C.c_int, [_VP, _SZ, C.POINTER(_SZ),
                                           C.POINTER(C.POINTER(C.c_char_p)),
                                           C.POINTER(DP)]),
    "gpbo_study_set_user_attr": (C.c_int, [_VP, _SZ, C.c_char_p, C.c_char_p]),
    "gpbo_study_trial_user_attrs": (C.c_int, [_VP, _SZ, C.POINTER(C.c_char_p)]),
    "gpbo_study_enqueue_started": (C.c_int, [_VP, DP, _SZ, C.c_double, C.POINTER(_SZ)]),
    "gpbo_study_trial_queued": (C.c_int, [_VP, _SZ]),
    "gpbo_study_set_attr": (C.c_int, [_VP, C.c_char_p, C.c_char_p]),
    "gpbo_study_attrs": (C.c_int, [_VP, C.POINTER(C.c_char_p)]),
    "gpbo_study_remove_if_empty": (C.c_int, [_VP, C.POINTER(C.c_int)]),
    "gpbo_study_ntrials": (_SZ, [_VP]),
    "gpbo_study_trial": (C.c_int, [_VP, _SZ, _VP]),
    "gpbo_study_best": (C.c_int, [_VP, _VP]),
    "gpbo_study_recommend_capped": (C.c_int, [_VP, _SZ, _VP, C.POINTER(C.c_double),
                                              C.POINTER(_SZ)]),
    "gpbo_study_trial_feasible": (C.c_int, [_VP, _SZ]),
    "gpbo_study_enqueue": (C.c_int, [_VP, DP, _SZ, C.POINTER(_SZ)]),
    "gpbo_trial_result_init": (C.c_int, [_VP, C.c_uint]),
    "gpbo_study_add_trial": (C.c_int, [_VP, DP, _VP, _SZ, C.POINTER(_SZ)]),
    "gpbo_study_nobjectives": (_SZ, [_VP]),
    "gpbo_study_objective_name": (C.c_char_p, [_VP, _SZ]),
    "gpbo_study_objective_direction": (C.c_int, [_VP, _SZ]),
    "gpbo_study_tell_values": (C.c_int, [_VP, _SZ, _SZ, DP]),
    "gpbo_study_trial_objectives": (C.c_int, [_VP, _SZ, DP]),
    "gpbo_study_pareto": (C.c_int, [_VP, C.POINTER(_SZ), _SZ, C.POINTER(_SZ)]),
    "gpbo_pruner_options_init": (C.c_int, [_VP, C.c_uint]),
    "gpbo_pruner_new": (_VP, [_VP]),
    "gpbo_pruner_free": (None, [_VP]),
    "gpbo_pruner_report": (C.c_int, [_VP, _SZ, C.c_long, C.c_double, C.POINTER(C.c_int)]),
    "gpbo_pruner_finish": (C.c_int, [_VP, _SZ, C.c_int]),
    "gpbo_pruner_catch_up": (C.c_int, [_VP, _VP]),
}
for _name, (_res, _args) in _SIG.items():
    _lib.declare(_s, _name, _res, _args)
_lib.declare(_gp, "gpbo_kernel_parse", C.c_int, [C.c_char_p, C.POINTER(C.c_int)])
_lib.declare(_acq, "gpbo_acq_kind_parse", C.c_int, [C.c_char_p, C.POINTER(C.c_int)])

_FLOAT, _INT, _CAT, _CONST = 0, 1, 2, 3
_NOT_FOUND = C.c_size_t(-1).value  # GPBO_SPACE_NOT_FOUND
_NOT_FOUND_RC = -8  # GPBO_ENOTFOUND
_ESTATE, _EXHAUSTED = -9, -11  # GPBO_ESTATE, GPBO_EEXHAUSTED
_RECOMMEND_MAX_OBS = 1000  # GPBO_RECOMMEND_MAX_OBS (search.h): gpbo_study_recommend's exact limit


def _same_member(self, other):
    """`self == other` for gpbo's TrialState and StudyDirection: a string compares as its value
    ("complete"), a member of Optuna's enum of the same class name (left imported in a ported
    script, or compared by Optuna's own integration callbacks: LightGBM's compares
    trial.study.direction with StudyDirection.MINIMIZE) by its name; NotImplemented else."""
    if isinstance(other, enum.Enum) and not isinstance(other, type(self)):
        if type(other).__name__ != type(self).__name__:
            return NotImplemented
        return other.name == self.name
    return str.__eq__(self, other)


def _other_member(self, other):
    same = _same_member(self, other)
    return same if same is NotImplemented else not same


class TrialState(str, enum.Enum):
    """A trial's state, as TrialRecord.state gives it, named as Optuna's TrialState (FAIL is
    "failed"): each member is also its string, so ``record.state == "complete"`` and
    ``record.state == gpbo.TrialState.COMPLETE`` both hold, and a ported Optuna callback
    comparing with ``TrialState.PRUNED`` works once it imports gpbo's (where a state is taken,
    Optuna's own members are taken too, by name). WAITING: enqueued, no worker has taken it yet
    (the library holds it as running), as Optuna's."""

    WAITING = "waiting"
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAIL = "failed"
    # as a str: printed, formatted, hashed (a dict keyed by "complete" finds it) as its value
    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__
    __eq__ = _same_member  # Optuna's TrialState.PRUNED too, by name
    __ne__ = _other_member


class StudyDirection(str, enum.Enum):
    """A study's direction, as study.direction and study.directions give it, named as Optuna's
    StudyDirection: each member is also its string ("minimize", "maximize"), and compares
    equal to Optuna's member of the same name (a ported ``study.direction ==
    StudyDirection.MAXIMIZE``, Optuna's LightGBM pruning callback's check, held never: the
    direction was a plain string)."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"
    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__
    __eq__ = _same_member
    __ne__ = _other_member


_STATES = (TrialState.RUNNING, TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


def _state(s):
    """s as a TrialState: a member, its string, or a member of the same name of another enum
    (Optuna's TrialState, left imported in a ported script: TrialState(1) said "1 is not a
    valid TrialState"); ValueError naming the states otherwise."""
    if isinstance(s, TrialState):
        return s
    if isinstance(s, enum.Enum) and s.name in TrialState.__members__:
        return TrialState[s.name]
    try:
        return TrialState(s)
    except ValueError:
        raise ValueError("%r is not a trial state: one of %s (gpbo.TrialState, their strings or "
                         "Optuna's TrialState)" % (s, ", ".join(TrialState.__members__))) \
            from None
_OUTCOME = {"complete": 0, "pruned": 1, "failed": 2}  # gpbo_pruner_outcome
_MISSING = object()  # an argument not given (where Optuna's name for it may come instead)


class TrialResult(C.Structure):
    """Mirror of version 2 of gpbo_trial_result (gpbo/search.h, 96 bytes on LP64): how an
    added trial ended, its intermediate values and user attributes."""

    VERSION = 2
    _fields_ = [("version", C.c_uint), ("state", C.c_int), ("values", DP),
                ("reason", C.c_char_p), ("n_metrics", _SZ),
                ("metric_names", C.POINTER(C.c_char_p)), ("metric_values", DP),
                ("n_steps", _SZ), ("steps", C.POINTER(C.c_long)),  # version 2
                ("step_values", DP), ("n_user_attrs", _SZ),
                ("user_attr_keys", C.POINTER(C.c_char_p)),
                ("user_attr_values", C.POINTER(C.c_char_p))]


def _added_steps(intermediate):
    """An added trial's intermediate values (a dict step -> value, Optuna's
    intermediate_values) as the library takes them: (steps, values) of the finite values, a
    NaN or infinite one left out as Trial.report leaves it out. A step that is not an integer
    >= 0, or a value that is not a number: ValueError naming the step."""
    steps, values = [], []
    for step, v in (intermediate or {}).items():
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError("add_trial: intermediate value at step %r: a step is an integer "
                             ">= 0" % (step,))
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError("add_trial: intermediate value at step %d is %r, not a number"
                             % (step, v)) from None
        if math.isfinite(v):
            steps.append(int(step))
            values.append(v)
    return steps, values


def _pruned_shown(value, intermediate, nobj):
    """What an added pruned trial stores to read back with value, as Optuna's add_trial keeps a
    pruned FrozenTrial's value: None when value is what gpbo reads for a pruned trial anyway
    (one objective: its last finite intermediate value, or none when it has none; several:
    none), else the JSON text of the reserved attribute _PRUNED_VALUE (null for a trial added
    without a value, whose intermediate values gpbo would otherwise read as its value). value:
    None, a number, or a sequence of them (several objectives); not finite: ValueError."""
    if value is not None:
        vals = list(value) if isinstance(value, (list, tuple)) else [value]
        try:
            vals = [float(v) for v in vals]
        except (TypeError, ValueError):
            vals = []
        if not vals or not all(map(math.isfinite, vals)):
            raise ValueError("add_trial: a pruned trial's value is None or finite numbers, not "
                             "%r" % (value,))
        value = vals[0] if len(vals) == 1 else vals
    steps = {k: float(v) for k, v in (intermediate or {}).items()
             if isinstance(v, numbers.Real) and math.isfinite(v)}
    read = steps[max(steps)] if steps and nobj < 2 else None
    if value == read:
        return None
    return json.dumps(value)


class Constraint(C.Structure):
    """Mirror of gpbo_constraint (gpbo/search.h)."""

    _fields_ = [("name", C.c_char_p), ("min", C.c_double), ("max", C.c_double)]


class StudyOptions(C.Structure):
    """Mirror of version 6 of gpbo_study_options (gpbo/search.h, 176 bytes on LP64)."""

    VERSION = 6
    _fields_ = [
        ("version", C.c_uint), ("direction", C.c_int), ("strategy", C.c_char_p),
        ("seed", C.c_uint64), ("grid_resolution", _SZ), ("grid_shuffle", C.c_int),
        ("lhs_size", _SZ), ("n_init", _SZ), ("kernel", C.c_int), ("acquisition", C.c_int),
        ("batch", C.c_int), ("refit_every", _SZ), ("failed", C.c_int), ("use_priors", C.c_int),
        ("additive", C.c_int),  # version 2
        ("restart", _SZ),  # version 3
        ("heartbeat", C.c_double), ("grace", C.c_double), ("lost_retries", _SZ),  # version 4
        ("n_constraints", _SZ), ("constraints", C.POINTER(Constraint)),  # version 5
        ("n_objectives", _SZ), ("objective_names", C.POINTER(C.c_char_p)),  # version 6
        ("objective_directions", C.POINTER(C.c_int)), ("mo_acquisition", C.c_int),
    ]


class PrunerOptions(C.Structure):
    """Mirror of version 1 of gpbo_pruner_options (gpbo/pruner.h, 56 bytes on LP64)."""

    VERSION = 1
    _fields_ = [
        ("version", C.c_uint), ("kind", C.c_int), ("startup_trials", _SZ),
        ("warmup_steps", C.c_long), ("interval_steps", C.c_long), ("min_iter", C.c_long),
        ("max_iter", C.c_long), ("eta", C.c_double),
    ]


class TrialInfo(C.Structure):
    """Mirror of gpbo_trial_info (not versioned: its layout is fixed, docs/abi.md)."""

    _fields_ = [
        ("id", _SZ), ("state", C.c_int), ("value", C.c_double), ("values", DP),
        ("reason", C.c_char_p), ("nsteps", _SZ), ("steps", C.POINTER(C.c_long)),
        ("step_values", DP), ("started", C.c_double), ("finished", C.c_double),
    ]


class Recommendation(tuple):
    """Study.recommend()'s answer: the pair (trial, predicted), unpacked as one
    (``trial, predicted = study.recommend()``), with the model's account: observations, those
    its GP held, and total, those the strategy has; capped: observations < total, the
    recommendation of the model of a subset (past 1000 observations, gpbo_study_recommend)."""

    def __new__(cls, trial, predicted, observations, total):
        r = super().__new__(cls, (trial, predicted))
        r.observations, r.total = observations, total
        return r

    trial = property(lambda self: self[0])
    predicted = property(lambda self: self[1])
    capped = property(lambda self: self.observations < self.total)

    def __getnewargs__(self):  # pickle and copy: __new__'s four arguments, not the pair
        return (self[0], self[1], self.observations, self.total)

    def __repr__(self):
        return "Recommendation(trial=%r, predicted=%r, observations=%d, total=%d)" % (
            self[0], self[1], self.observations, self.total)


class TrialPruned(Exception):
    """Raised by an objective (after trial.should_prune()) to end its trial as pruned. Optuna's
    own (optuna.TrialPruned, raised by an objective ported as it is, or by Optuna's framework
    callbacks) prunes too."""


def _optuna_pruned(e):
    """Whether e is Optuna's TrialPruned (looked up only when Optuna is imported already)."""
    mod = sys.modules.get("optuna.exceptions")
    cls = getattr(mod, "TrialPruned", None)
    return isinstance(cls, type) and isinstance(e, cls)


class MedianPruner:
    """The median stopping rule (gpbo/pruner.h): stop a trial whose best value at a step is worse
    than the median of the completed trials' best values up to that step (Optuna's MedianPruner
    takes their values at that step: docs/python.md). Judged from step
    warmup_steps on, every interval_steps steps; a trial whose steps miss those (it reports
    every 3rd epoch, say) is judged at the first step it reports past each, as Optuna's."""

    KIND = 1
    #: Optuna's MedianPruner arguments -> gpbo's (None: no counterpart)
    OPTUNA_NAMES = {"n_startup_trials": "startup_trials", "n_warmup_steps": "warmup_steps",
                    "n_min_trials": None}

    def __init__(self, startup_trials=5, warmup_steps=0, interval_steps=1, **optuna):
        _optuna_pruner_args(self, optuna)
        self.options = dict(startup_trials=startup_trials, warmup_steps=warmup_steps,
                            interval_steps=interval_steps)


class HyperbandPruner:
    """Asynchronous successive halving (ASHA): rungs at steps min_iter * eta^k; a trial goes on
    past a rung only in the top 1/eta of the best values so far recorded there (max_iter 0: no
    limit). Optuna's SuccessiveHalvingPruner(min_resource, reduction_factor), on best values;
    one bracket, where Optuna's HyperbandPruner runs several (docs/python.md)."""

    KIND = 2
    #: Optuna's HyperbandPruner arguments -> gpbo's (its max_resource="auto" is max_iter=0)
    OPTUNA_NAMES = {"min_resource": "min_iter", "max_resource": "max_iter",
                    "reduction_factor": "eta", "bootstrap_count": None}

    def __init__(self, min_iter=1, max_iter=0, eta=3.0, **optuna):
        _optuna_pruner_args(self, optuna)
        self.options = dict(min_iter=min_iter, max_iter=max_iter, eta=eta)


def _optuna_pruner_args(pruner, given):
    """TypeError for arguments a pruner does not take, naming gpbo's own where Optuna's pruner of
    that name was meant (a ported MedianPruner(n_startup_trials=5) got Python's bare "unexpected
    keyword argument", where Study names its own for Optuna's create_study arguments)."""
    if not given:
        return
    cls = type(pruner).__name__
    k = next(iter(given))
    names = type(pruner).OPTUNA_NAMES
    if k not in names:
        raise TypeError("%s() got an unexpected keyword argument %r" % (cls, k))
    if names[k] is None:
        raise TypeError("%s: %r is Optuna's %s argument, which gpbo's has no counterpart of"
                        % (cls, k, cls))
    raise TypeError("%s: %r is Optuna's %s argument; gpbo's takes %s= (its rule differs from "
                    "Optuna's: docs/python.md)" % (cls, k, cls, names[k]))


def _pruner(p):
    """A new gpbo_pruner for a Study's `pruner` argument, or None."""
    if p is None or p == "none":
        return None
    if p == "median":
        p = MedianPruner()
    elif p == "hyperband":
        p = HyperbandPruner()
    if not isinstance(p, (MedianPruner, HyperbandPruner)):
        raise ValueError("pruner must be None, 'median', 'hyperband', a MedianPruner or a "
                         "HyperbandPruner, not %r" % (p,))
    o = PrunerOptions()
    check(_s.gpbo_pruner_options_init(C.byref(o), PrunerOptions.VERSION))
    o.kind = p.KIND
    for k, v in p.options.items():
        try:
            _set_field(o, k, _count(k, v) if k in _COUNTS else v)
        except TypeError as e:  # ctypes' message names no field
            raise TypeError("%s option %s: %s" % (type(p).__name__, k, e)) from None
    return check_ptr(_s.gpbo_pruner_new(C.byref(o)))


def _parse(fn, what, value):
    out = C.c_int()
    if not isinstance(value, str):
        raise ValueError("%s must be a name, not %r" % (what, value))
    check(fn(value.encode(), C.byref(out)))
    return out.value


_CHOICES = {
    "batch": {"kb": 0, "cl_min": 1, "cl_mean": 2, "cl_max": 3, "lp": 4},
    "failed": {"exclude": 0, "worst": 1},
    "mo_acquisition": {"ehvi": 0, "parego": 1},
}
_DIRECTIONS = {"minimize": 0, "maximize": 1}
_NUMERIC = ("grid_resolution", "grid_shuffle", "lhs_size", "n_init", "refit_every", "use_priors",
            "additive", "restart", "heartbeat", "grace", "lost_retries")
_COUNTS = ("grid_resolution", "lhs_size", "n_init", "refit_every", "restart", "lost_retries",
           "startup_trials")  # size_t fields: ctypes wraps a negative one to a huge count


def _c_range(ctype):
    """The integers a ctypes integer type holds: (lowest, highest)."""
    bits = 8 * C.sizeof(ctype)
    signed = ctype(-1).value == -1
    return (-2 ** (bits - 1), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)


_SIZE_MAX = _c_range(_SZ)[1]
_LONG_MIN, _LONG_MAX = _c_range(C.c_long)


def _count(key, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise ValueError("%s must be an integer >= 0, not %r" % (key, value))
    if value > _SIZE_MAX:  # ctypes would keep its low 64 bits: 2**64 + 3 became 3
        raise ValueError("%s must be at most %d, not %d" % (key, _SIZE_MAX, value))
    return int(value)


def _set_field(o, key, value):
    """o.key = value for a ctypes Structure o, refusing a whole number that the field's C type
    cannot hold (ctypes would keep its low bits: warmup_steps=2**64 became 0)."""
    ctype = dict(type(o)._fields_)[key]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and \
            issubclass(ctype, C._SimpleCData) and ctype._type_ in "bBhHiIlLqQ":
        lo, hi = _c_range(ctype)
        if not lo <= value <= hi:
            raise ValueError("%s must be from %d to %d, not %d" % (key, lo, hi, value))
        value = int(value)
    setattr(o, key, value)


def _set_option(o, key, value):
    if key == "kernel":
        o.kernel = _parse(_gp.gpbo_kernel_parse, "kernel", value)
    elif key == "acquisition":
        o.acquisition = _parse(_acq.gpbo_acq_kind_parse, "acquisition", value)
    elif key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ValueError("%s must be one of %s, not %r" % (key, ", ".join(_CHOICES[key]),
                                                              value))
        setattr(o, key, _CHOICES[key][value])
    elif key in _COUNTS:
        setattr(o, key, _count(key, value))
    elif key in _NUMERIC:
        try:
            _set_field(o, key, int(value) if isinstance(value, bool) else value)
        except TypeError as e:  # ctypes' message names no field
            raise TypeError("study option %s: %s" % (key, e)) from None
    elif key in _OPTUNA_ARGS:
        raise TypeError("study option %r is Optuna's create_study argument; gpbo.Study takes %s"
                        % (key, _OPTUNA_ARGS[key]))
    else:
        raise TypeError("unknown study option %r; known: kernel, acquisition, %s, %s"
                        % (key, ", ".join(_CHOICES), ", ".join(_NUMERIC)))


#: Optuna's create_study arguments that gpbo.Study names otherwise (a port's first error)
_OPTUNA_ARGS = {
    "study_name": "name=",
    "sampler": "strategy= ('bayes', 'random', 'sobol', 'lhs', 'grid') and seed=",
    "load_if_exists": "none: a stored study of that name is always opened (load_if_exists=True)",
}


def _set_constraints(o, constraints):
    """Fills o's constraints from a dict name -> (min, max); returns the buffers to keep alive
    until the study is open."""
    if not constraints:
        return []
    if not isinstance(constraints, dict):
        raise ValueError("constraints must be a dict metric name -> (min, max), not %r"
                         % (constraints,))
    arr = (Constraint * len(constraints))()
    names = []
    for k, (name, bounds) in enumerate(constraints.items()):
        try:
            lo, hi = bounds
        except (TypeError, ValueError):
            raise ValueError("constraint %r: bounds must be (min, max), None for no bound, not "
                             "%r" % (name, bounds)) from None
        names.append(str(name).encode("utf-8"))
        arr[k].name = names[-1]
        arr[k].min = -math.inf if lo is None else float(lo)
        arr[k].max = math.inf if hi is None else float(hi)
    o.n_constraints, o.constraints = len(constraints), arr
    return [arr, names]


def _constraint_bounds(lo, hi):
    """A constraint's bounds as the library reads them: NaN or an infinity is no bound (None)."""
    return tuple(None if b is None or math.isnan(b) or math.isinf(b) else float(b)
                 for b in (lo, hi))


def _constraints_shown(cons):
    return "{%s}" % ", ".join("%r: (%r, %r)" % (n, lo, hi) for n, (lo, hi) in cons.items())


def _frozen_trial(t):
    """Whether t is Optuna's FrozenTrial (optuna.trial.create_trial's, an Optuna study's
    trials), which Optuna's add_trial takes: it was taken for a params dict, and its complete
    trial refused with "needs its value"."""
    return not isinstance(t, (dict, TrialRecord)) and all(
        hasattr(t, a) for a in ("params", "distributions", "state", "values"))


def _optuna_direction(d):
    """Optuna's StudyDirection.MINIMIZE / MAXIMIZE, which its create_study takes as it takes
    the strings, as gpbo's string (they were refused); anything else as it is."""
    if type(d).__name__ == "StudyDirection" and getattr(d, "name", None) in ("MINIMIZE",
                                                                             "MAXIMIZE"):
        return d.name.lower()
    return d


def _optuna_directions(direction, objectives, directions):
    """Optuna's create_study(directions=[...]) as gpbo's arguments: (direction, objectives,
    whether they came from directions). One direction is direction=; several are objectives
    named values_0, values_1, ... (the columns of Optuna's trials_dataframe), told in that
    order as Optuna's are. Given with direction or objectives: ValueError, as Optuna's "Specify
    only one of `direction` and `directions`."; not a sequence of directions: ValueError."""
    if directions is None:
        return direction, objectives, False
    if direction is not None or objectives is not None:
        raise ValueError("give directions (Optuna's), direction or objectives, only one of them")
    if isinstance(directions, (str, bytes)) or not isinstance(directions, (list, tuple)) or \
            not directions:
        raise ValueError("directions must be a non-empty list of 'minimize' or 'maximize', "
                         "not %r" % (directions,))
    dirs = [_optuna_direction(d) for d in directions]
    for d in dirs:
        if d not in _DIRECTIONS:
            raise ValueError("directions: each is 'minimize' or 'maximize' (or Optuna's "
                             "StudyDirection), not %r" % (d,))
    if len(dirs) == 1:
        return dirs[0], None, False
    return None, {"values_%d" % j: d for j, d in enumerate(dirs)}, True


def _set_objectives(o, objectives):
    """Fills o's objectives from a dict name -> direction or a list of names (minimized);
    returns the buffers to keep alive until the study is open."""
    if objectives is None:
        return []
    if isinstance(objectives, str) or not isinstance(objectives, (dict, list, tuple)):
        raise ValueError("objectives must be a dict name -> 'minimize'/'maximize' or a list of "
                         "names, not %r" % (objectives,))
    pairs = list(objectives.items()) if isinstance(objectives, dict) else \
        [(n, "minimize") for n in objectives]
    for name, d in pairs:
        if d not in _DIRECTIONS:
            raise ValueError("objective %r: direction must be 'minimize' or 'maximize', not %r"
                             % (name, d))
    names = [str(n).encode("utf-8") for n, _ in pairs]
    carr = (C.c_char_p * max(len(pairs), 1))(*names)
    darr = (C.c_int * max(len(pairs), 1))(*[_DIRECTIONS[d] for _, d in pairs])
    o.n_objectives, o.objective_names, o.objective_directions = len(pairs), carr, darr
    if pairs:
        o.direction = _DIRECTIONS[pairs[0][1]]
    return [names, carr, darr]


def strategies():
    """The strategy names the library knows ("grid", "random", "sobol", "lhs", "bayes")."""
    names, i = [], 0
    while _s.gpbo_strategy_name(i) is not None:
        names.append(_s.gpbo_strategy_name(i).decode())
        i += 1
    return names


class _CSpace:
    """A gpbo_space built from a Python space, freed with it."""

    def __init__(self, items):
        self.h = check_ptr(_s.gpbo_space_new())
        try:
            for name, p in items:
                self._add(name.encode(), p)
            for name, p in items:  # every parameter first: a parent may come after its child
                if p.when is not None:
                    self._add_condition(name, p.when, dict(items))
        except BaseException:
            _s.gpbo_space_free(self.h)
            self.h = None  # else __del__ frees it a second time
            raise

    def _add(self, name, p):
        if isinstance(p, _space.Uniform) and p.step is not None:
            check(_s.gpbo_space_add_float_step(self.h, name, p.lo, p.hi, p.step))
        elif isinstance(p, _space.Uniform):
            check(_s.gpbo_space_add_float(self.h, name, p.lo, p.hi, int(p.log)))
        elif isinstance(p, _space.Int):
            if not -2**63 <= p.lo <= p.hi < 2**63:  # ctypes would wrap them without a word
                raise ValueError("parameter %r: Int bounds %d, %d are beyond 64-bit integers"
                                 % (name.decode(), p.lo, p.hi))
            if p.step != 1:
                check(_s.gpbo_space_add_int_step(self.h, name, p.lo, p.hi, p.step))
            else:
                check(_s.gpbo_space_add_int(self.h, name, p.lo, p.hi, int(p.log)))
        elif isinstance(p, _space.Categorical):
            self._add_choices(name, [str(c) for c in p.choices])
        elif _numeric_const(p):
            check(_s.gpbo_space_add_const(self.h, name, float(p.value)))
        else:  # a constant the library cannot hold as a number: one choice
            self._add_choices(name, [str(p.value)])

    def _add_condition(self, name, when, params):
        (parent, vals), = when.items()
        q = params[parent]
        if isinstance(q, _space.Categorical):
            names = [str(c) for c in q.choices]
            at = [float(names.index(str(v))) for v in vals]
        else:
            at = [float(v) for v in vals]
        arr = (C.c_double * len(at))(*at)
        check(_s.gpbo_space_add_condition(self.h, name.encode(), parent.encode(), len(at), arr))

    def _add_choices(self, name, choices):
        arr = (C.c_char_p * len(choices))(*[c.encode() for c in choices])
        check(_s.gpbo_space_add_categorical(self.h, name, len(choices), arr))

    def __del__(self):
        if self.h:
            _s.gpbo_space_free(self.h)
            self.h = None


def _read_space(sp):
    """The Python description of a study's stored gpbo_space (categories as strings)."""
    items = []
    for i in range(_s.gpbo_space_size(sp)):
        name = _s.gpbo_space_name(sp, i).decode()
        t, lo, hi = _s.gpbo_space_type(sp, i), _s.gpbo_space_lo(sp, i), _s.gpbo_space_hi(sp, i)
        log, step = bool(_s.gpbo_space_is_log(sp, i)), _s.gpbo_space_step(sp, i)
        if t == _FLOAT:
            p = _space.LogUniform(lo, hi) if log else _space.Uniform(lo, hi, step=step or None)
        elif t == _INT:
            p = _space.Int(int(lo), int(hi), log=log, step=int(step) if step else 1)
        elif t == _CAT:
            p = _space.Categorical([_s.gpbo_space_choice(sp, i, k).decode()
                                    for k in range(_s.gpbo_space_nchoices(sp, i))])
        else:
            # the library holds a double: a whole one comes back as an int, as Constant(20)
            # gives 20 in the process that made the space (range(epochs) works in both)
            p = _space.Constant(int(lo) if lo.is_integer() and abs(lo) < 2**53 else lo)
        items.append((name, p))
    for i, (name, p) in enumerate(items):  # conditions: parents as the Python side names them
        parent = _s.gpbo_space_parent(sp, i)
        if parent == _NOT_FOUND:
            continue
        vals = C.POINTER(C.c_double)()
        n = _s.gpbo_space_condition(sp, i, C.byref(vals))
        pname, q = items[parent]
        at = [q.choices[int(vals[k])] if isinstance(q, _space.Categorical) else int(vals[k])
              for k in range(n)]
        p.when = {pname: at}
    return items


def _numeric_const(p):
    """Whether Constant p holds a finite number (the library keeps it as a constant; any other
    value is a categorical of one choice)."""
    v = p.value
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _value(p, v):
    """A parameter's value in Python's type from the library's double."""
    if isinstance(p, _space.Uniform):
        return float(v)
    if isinstance(p, _space.Int):
        return int(round(v))
    if isinstance(p, _space.Categorical):
        return p.choices[int(v)]
    # a Constant: a numeric one is v itself; any other (a string, None, inf, NaN) is the one
    # choice of a categorical, v its index 0, so the value is the Constant's own
    return p.value


def _same_params(a, b):
    """Whether two params dicts hold the same values (skip_if_exists: 1 == 1.0, as Optuna)."""
    return isinstance(b, dict) and a.keys() == b.keys() and all(a[k] == b[k] for k in a)


def _metric_value(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):  # float()'s message names no metric
        raise ValueError("metric %r: %r is not a number" % (name, value)) from None


def _plain(o):
    """json.dumps' default: a numpy scalar or array (np.int64 from argmax, np.float32 from a
    float32 model) or a torch tensor as the Python number or list it holds (Optuna's default
    in-memory storage keeps them; JSON could not hold them); anything else TypeError."""
    if type(o).__module__.split(".")[0] in ("numpy", "torch") and hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


# System attributes (Optuna 3.1's set_system_attr / system_attrs, deprecated there) live with
# the user attributes, their keys behind this prefix: stored, exported and imported with them;
# user_attrs leaves them out and system_attrs gives them back without it.
_SYSTEM = "gpbo.system:"
# A pruned trial whose value is not what gpbo reads for one (its last intermediate value, which
# optimize and tell(state=PRUNED) give it, as Optuna's do): one added without a value (Optuna
# shows None) or with another one. The library keeps no value of a pruned trial (the strategies
# and the pruner read its intermediate values), so add_trial stores the value Optuna would show
# (JSON: null, a number, or a list for several objectives) as this reserved attribute, which
# user_attrs and system_attrs leave out; gpbo export / import carry it as any attribute.
_PRUNED_VALUE = "gpbo.pruned_value"
# The library stores a category as str(choice), so a study reopened with space=None read
# [16, 32], [True, False] or [None, "relu"] back as strings ("False" is true): the study's
# attribute under this reserved key holds, as JSON, the choices of each categorical parameter
# that has choices other than strings (JSON's scalars: None, bools, numbers), and a reopened
# study takes them back (Optuna's stored distributions keep them). Hidden as _PRUNED_VALUE is.
_CHOICES_KEY = "gpbo.categorical_choices"
_RESERVED = (_PRUNED_VALUE, _CHOICES_KEY)
# The params an enqueue gave when it left some out (the others drawn), a study attribute per
# trial (this prefix and its id): enqueue_trial(skip_if_exists=True) compares with them, as
# Optuna compares with an enqueued trial's fixed_params, so a script run again skips the
# configuration it enqueued (its trial's params, the drawn ones included, never matched).
_ENQUEUED = "gpbo.enqueued:"
# Optuna 3.1's messages for a nested optimize and for the deprecated system attributes
_NESTED = "Nested invocation of `Study.optimize` method isn't allowed."
_DEPRECATED = ("%s has been deprecated in v3.1.0. This feature will be removed in v6.0.0. See "
               "https://github.com/optuna/optuna/releases/tag/v3.1.0.")


def _deprecated(name):
    warnings.warn(_DEPRECATED % name, FutureWarning, stacklevel=3)


def _split_attrs(attrs):
    """Attributes as stored (key -> value) into (user attributes, system attributes)."""
    user = {k: v for k, v in attrs.items()
            if not k.startswith((_SYSTEM, _ENQUEUED)) and k not in _RESERVED}
    system = {k[len(_SYSTEM):]: v for k, v in attrs.items() if k.startswith(_SYSTEM)}
    return user, system


def _user_key(key):
    """A user attribute's key, checked: a string outside the system attributes' prefix."""
    if isinstance(key, str) and key.startswith(_SYSTEM):
        raise ValueError("user attribute %r: keys starting with %r hold the system attributes "
                         "(set_system_attr)" % (key, _SYSTEM))
    if key in _RESERVED or isinstance(key, str) and key.startswith(_ENQUEUED):
        raise ValueError("user attribute %r: the key is gpbo's own (an added pruned trial's "
                         "value, a study's categorical choices)" % key)
    return key


# the Studies whose optimize runs in this thread (an objective or a callback of theirs runs
# here): a nested optimize of one of them raises, as Optuna's
_RUNNING = threading.local()


def _optimizing():
    s = getattr(_RUNNING, "studies", None)
    if s is None:
        s = _RUNNING.studies = set()
    return s


def _in_optimize(study, fn):
    """fn, run with study marked as optimizing in the thread that calls it."""
    def run(*args, **kw):
        mine = id(study) not in _optimizing()
        _optimizing().add(id(study))
        try:
            return fn(*args, **kw)
        finally:
            if mine:
                _optimizing().discard(id(study))
    return run


def _attr_json(key, value):
    """The JSON text of user attribute key's value (Optuna stores them as JSON too)."""
    if not isinstance(key, str):
        raise TypeError("a user attribute's key is a string, not %r" % (key,))
    try:  # NaN and inf are not JSON: the storage could not read them back
        return json.dumps(value, allow_nan=False, ensure_ascii=False, default=_plain)
    except (TypeError, ValueError) as e:
        raise type(e)("user attribute %r: %s (its value is stored as JSON)" % (key, e)) \
            from None


class Trial:
    """A trial handed out by Study.ask(): ``id``, ``params`` (a dict of Python values),
    ``metrics`` (the other metrics set with set_metric, told with the trial), ``user_attrs``
    (set_user_attr's).

    suggest_float / suggest_int / suggest_categorical (Optuna's define-by-run) return this
    trial's value of a parameter of the study's space, checking that the declared distribution
    is the space's; in a study's discovery trial (a Study opened with space=None that did not
    exist) they draw the value and record the distribution: the space the study is created
    with when the trial is told."""

    def __init__(self, study, trial_id, params, discovery=False):
        self.study, self.id, self.params = study, trial_id, params
        self.metrics = {}
        self._user_attrs = {}  # key -> JSON text
        self._prune = False
        self._started = time.time()  # a discovery trial's: its trial is stored when told
        # a discovery trial: the distributions suggested (name -> space parameter, in order)
        # and the reports made before the study exists (replayed when it is created)
        self._dists = {} if discovery else None
        self._reports = []
        #: a discovery trial's refused suggest_* call ("Error: message"), and whether the
        #: refused value was its enqueued configuration's: failed, the trial left the space
        #: incomplete, so it does not create the study
        self._refused, self._refused_fixed = None, False
        #: a suggest_* call the study's fixed space refused (a name it lacks, a contradicting
        #: distribution, an inactive parameter): optimize stops at it (_evaluate)
        self._space_refusal = None
        self._dropped = False  # a discovery trial told without creating the study
        self._steps = set()  # the steps reported (a step again is ignored, as Optuna's)
        # the last step of a NaN or infinite report (not stored): told pruned after it, the
        # trial has no value, as Optuna's (whose last intermediate value is that NaN)
        self._diverged_step = None

    def _suggest_dist(self, name, make):
        """What suggest_* returns for the distribution make() builds; a refusal in a discovery
        trial is remembered (see _refused)."""
        try:
            return self.study._suggest(self, name, make())
        except Exception as e:
            if self._dists is not None and self._refused is None:
                self._refused = ("%s: %s" % (type(e).__name__, e)).rstrip(": ")
            raise

    def suggest_float(self, name, low, high, *, step=None, log=False):
        """A float in [low, high] (log=True: on a log scale, low > 0), as Optuna's. With step,
        one of low, low + step, ..., high being moved down to the last of them when high - low
        is no multiple of step (as Optuna 3.1); no step with log=True (ValueError)."""
        return self._suggest_dist(name, lambda: _suggest.float_dist(name, low, high, step, log))

    def suggest_int(self, name, low, high, *, step=1, log=False):
        """An integer in [low, high], both included (log=True: on a log scale, low >= 1), as
        Optuna's; with step, one of low, low + step, ..., high moved down to the last of them
        (no step other than 1 with log=True: ValueError)."""
        return self._suggest_dist(name, lambda: _suggest.int_dist(name, low, high, step, log))

    # Optuna 2's names, deprecated in Optuna 3 (which still runs them): scripts of that time
    def suggest_uniform(self, name, low, high):
        """suggest_float(name, low, high) (Optuna 2's name)."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name, low, high):
        """suggest_float(name, low, high, log=True) (Optuna 2's name)."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name, low, high, q):
        """suggest_float(name, low, high, step=q) (Optuna 2's name)."""
        return self.suggest_float(name, low, high, step=q)

    def suggest_categorical(self, name, choices):
        """One of choices (values with distinct str() forms), as Optuna's."""
        return self._suggest_dist(name, lambda: _suggest.categorical_dist(name, choices))

    def set_metric(self, name, value):
        """Sets another metric of the trial (memory, seconds, accuracy; the metric of an outcome
        constraint), stored when the trial is told, whatever its end: how an objective run by
        optimize(pass_trial=True) gives a constrained study its constraints' metrics (as
        Optuna's set_user_attr feeds its constraints_func)."""
        if not isinstance(name, str) or not name:
            raise ValueError("a metric needs a name (a non-empty string), not %r" % (name,))
        self.metrics[name] = _metric_value(name, value)

    def set_user_attr(self, key, value):
        """Sets user attribute key (a string) to value, any JSON-serializable value (a number,
        a string, a list, a dict...), as Optuna's: stored with the trial (read back as
        TrialRecord.user_attrs, also from another process and after reopening: as JSON gives
        it back, a tuple as a list). Stored in the library at once (a discovery trial's when
        its study is created), in the storage when the trial is told. A value that is not JSON
        (NaN, a set, an object): TypeError or ValueError naming the key."""
        self.study._set_user_attr(self, _user_key(key), _attr_json(key, value))

    @property
    def datetime_start(self):
        """When the trial was asked, a local datetime (Optuna's Trial.datetime_start)."""
        return datetime.datetime.fromtimestamp(self._started)

    @property
    def distributions(self):
        """Optuna's Trial.distributions: name -> the distribution (gpbo.Uniform, LogUniform,
        Int, Categorical, Constant) of each parameter this trial has, suggested so far in a
        study's first define-by-run trial, else the space's (a new dict)."""
        if self._dists is not None:
            return dict(self._dists)
        return {n: p for n, p in self.study._items if n in self.params}

    @property
    def user_attrs(self):
        """The user attributes set on this trial (a new dict; values as JSON gives them back)."""
        return _split_attrs({k: json.loads(v) for k, v in self._user_attrs.items()})[0]

    def set_system_attr(self, key, value):
        """Optuna 3.1's Trial.set_system_attr (deprecated there: FutureWarning, as Optuna's):
        stored as set_user_attr stores a user attribute, under the key "gpbo.system:" + key,
        and read back as system_attrs (here and TrialRecord.system_attrs), not user_attrs."""
        _deprecated("set_system_attr")
        self.study._set_user_attr(self, _SYSTEM + key if isinstance(key, str) else key,
                                  _attr_json(key, value))

    @property
    def system_attrs(self):
        """Optuna 3.1's Trial.system_attrs (deprecated there: FutureWarning): the system
        attributes set on this trial (a new dict)."""
        _deprecated("system_attrs")
        return _split_attrs({k: json.loads(v) for k, v in self._user_attrs.items()})[1]

    def report(self, *args, step=_MISSING, value=_MISSING):
        """Records an intermediate value (a validation loss at an epoch, say) at an integer
        step >= 0, and lets the study's pruner judge the trial. The step comes first (Optuna's
        ``report(value, step)`` is the other way round): a step that is not an integer raises
        TypeError. Optuna's keyword form ``report(value, step=epoch)``, the one its framework
        pruning callbacks (LightGBM, XGBoost, Keras, PyTorch Lightning, ...) call, is taken as
        Optuna takes it (it raised TypeError), and so is ``report(value=v, step=s)``.

        A NaN or infinite value (a diverged training) is taken without an error but not stored
        (the storage keeps finite intermediate values only, as ``gpbo run`` does with a
        ``loss=nan step=N`` line), and with a pruner should_prune() says True, at any step,
        until a later finite value is judged (Optuna's pruners prune such a trial too, in most
        cases): raise TrialPruned to end it as pruned. A step reported again is ignored
        with a RuntimeWarning (Optuna keeps the first value too). An objective that returns
        NaN instead fails its trial, as a NaN last step fails it under ``gpbo run``. Without a
        pruner nothing else happens."""
        given = list(args)
        if step is _MISSING and value is not _MISSING and len(given) == 1:
            step = given.pop()  # report(5, value=0.25)
        elif step is not _MISSING and value is _MISSING and len(given) == 1:
            value = given.pop()  # Optuna's report(0.25, step=5)
        elif step is _MISSING and value is _MISSING and len(given) == 2:
            step, value = given  # gpbo's order
            given = []
        if given or step is _MISSING or value is _MISSING:
            raise TypeError("report() takes a step and a value: report(step, value), or "
                            "Optuna's report(value, step=N)")
        self.study.report(self, step, value)

    def should_prune(self):
        """True when the pruner, at the last report, said this trial should stop."""
        return self._prune

    @property
    def number(self):
        """The trial's id (Optuna's name for it: trials are numbered from 0 in the study)."""
        return self.id

    def __repr__(self):
        return "Trial(id=%d, params=%r)" % (self.id, self.params)


class TrialRecord:
    """A trial as the study holds it: id, state ("running", "complete", "failed", "pruned"),
    value (None when the trial has none, as Optuna's: running, waiting, failed; a pruned
    trial's is its last intermediate value, None when it reported none, or the value it was
    added with, None included), values (one an objective: [value] for a study of one; None
    with no value), params,
    reason (why it failed), intermediate (dict step -> value), metrics (dict name -> value: the
    other metrics told with it), feasible (complete and within the study's constraints),
    started and finished (seconds since the epoch; finished 0 while running), user_attrs (dict
    key -> value, set with Trial.set_user_attr), system_attrs (Trial.set_system_attr's),
    distributions (Optuna's FrozenTrial.distributions: name -> the space's gpbo.Uniform,
    LogUniform, Int, Categorical or Constant, for each parameter in params).
    Optuna's FrozenTrial names: number, datetime_start, datetime_complete, duration,
    intermediate_values, last_step."""

    __slots__ = ("id", "state", "value", "values", "params", "reason", "intermediate",
                 "metrics", "feasible", "started", "finished", "user_attrs", "system_attrs",
                 "distributions")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw[k])

    @property
    def number(self):
        """The trial's id (Optuna's name for it)."""
        return self.id

    def _key(self):
        # NaN (a metric's, say) equal to itself, as a record read twice is equal
        nan = lambda v: "nan" if isinstance(v, float) and math.isnan(v) else v
        return tuple(nan(getattr(self, k)) if k != "values" or self.values is None
                     else [nan(v) for v in self.values] for k in self.__slots__)

    def __eq__(self, other):
        """Equal when every field is (Optuna's FrozenTrial compares so): the record of one
        trial read twice (study.best_trial == record, record in study.best_trials) is equal;
        it compared identities, so such a test never held."""
        if not isinstance(other, TrialRecord):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash((self.id, str(self.state)))

    @property
    def datetime_start(self):
        """When it started, a local datetime (Optuna's FrozenTrial.datetime_start); None while
        it waits in the queue (WAITING: not started, as Optuna's)."""
        if self.state == TrialState.WAITING:
            return None
        return datetime.datetime.fromtimestamp(self.started)

    @property
    def datetime_complete(self):
        """When it ended, a local datetime; None while running (Optuna's)."""
        return datetime.datetime.fromtimestamp(self.finished) if self.finished else None

    @property
    def duration(self):
        """How long it ran, a timedelta; None while running (Optuna's)."""
        return self.datetime_complete - self.datetime_start if self.finished else None

    @property
    def intermediate_values(self):
        """Optuna's name for intermediate (dict step -> value)."""
        return self.intermediate

    @property
    def last_step(self):
        """The largest step it reported, None when it reported none (Optuna's
        FrozenTrial.last_step)."""
        return max(self.intermediate) if self.intermediate else None

    def __repr__(self):
        return "TrialRecord(id=%d, state=%r, value=%r, params=%r)" % (
            self.id, str(self.state), self.value, self.params)


def _close(handle, pruner):
    if pruner:
        _s.gpbo_pruner_free(pruner)
    if handle:
        _s.gpbo_study_close(handle)


class Study:
    """A study: in memory (storage=None) or in any storage the gpbo command takes
    ("sqlite:///path.db", a plain file path or pathlib.Path, "postgresql://..."), created or
    reopened by name (None: "study", so two Studies of one storage without a name are one
    study; Optuna's create_study makes a new random name). Not copied nor pickled (TypeError):
    a study that must outlive its process is stored and opened again by storage and name.

    space: a dict name -> Uniform, LogUniform, Int, Categorical, Constant; None to reopen a
    stored study with its own space, or, when there is no such study (always in memory), to
    run define-by-run as Optuna does: the first trial's suggest_* calls draw at random and make
    the space, and the study is created when that trial is told (see Trial). direction:
    "minimize" (default) or "maximize". strategy: "bayes" (the default for a new study),
    "random", "sobol", "lhs" or "grid". seed: a whole number from 0 to 2**64 - 1, None draws
    one. pruner: None,
    "median", "hyperband", a MedianPruner or a HyperbandPruner.
    constraints: outcome constraints, a dict metric name -> (min, max) (None: unbounded on that
    side); a trial is feasible when it is complete and each such metric, told with it
    (``tell(..., metrics=...)``), lies within its bounds; best_trial is the best feasible one.
    objectives: several objectives instead of one value, a dict name -> "minimize" or
    "maximize" (or a list of names, each minimized); ``tell(trial, [v1, v2, ...])`` in that
    order; best_trials is the Pareto front; ``mo_acquisition="ehvi"`` (default) or "parego".
    directions: Optuna's create_study argument, a list of directions: one is direction=,
    several are objectives named values_0, values_1, ... (a stored study reopened so is
    checked by its directions only, in order).
    Constraints and several objectives go together: best_trials is then the front of the
    feasible trials (Optuna 3.1's best_trials ignores constraints; Optuna 4's keeps the feasible).
    **options: the library's study options (gpbo/search.h): n_init, kernel, acquisition,
    batch, refit_every, failed, use_priors, additive, restart, grid_resolution, grid_shuffle,
    lhs_size, heartbeat, grace, lost_retries, mo_acquisition. A reopened study keeps the
    direction, objectives, constraints, strategy and options it was made with; a direction,
    objectives, constraints, strategy or option given that contradict the stored ones raise
    ValueError (None, or not given: the stored ones; strategy None is "bayes" for a new study;
    constraints={} asks for none).
    """

    def __init__(self, space=None, direction=None, storage=None, name=None,
                 strategy=None, seed=None, pruner=None, constraints=None, objectives=None,
                 directions=None, **options):
        direction, objectives, by_direction = _optuna_directions(direction, objectives,
                                                                 directions)
        direction = _optuna_direction(direction)
        if isinstance(objectives, dict):
            objectives = {n: _optuna_direction(d) for n, d in objectives.items()}
        if direction not in (None, "minimize", "maximize"):
            raise ValueError("direction must be 'minimize' or 'maximize', not %r" % (direction,))
        if objectives is not None and direction is not None:
            raise ValueError("give direction or objectives (each with its direction), not both")
        if strategy is not None and strategy not in strategies():
            raise ValueError("unknown strategy %r; gpbo has %s" % (strategy,
                                                                   ", ".join(strategies())))
        items = None if space is None else _space.check_space(space)
        o = StudyOptions()
        check(_s.gpbo_study_options_init(C.byref(o), StudyOptions.VERSION))
        o.direction = 1 if direction == "maximize" else 0
        strategy_b = (strategy or "bayes").encode()
        o.strategy = strategy_b
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        elif not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise TypeError("seed must be a whole number, not %r" % (seed,))
        elif not 0 <= int(seed) < 2 ** 64:
            raise ValueError("seed must be from 0 to 2**64 - 1, not %d" % (int(seed),))
        o.seed = int(seed)
        for k, v in options.items():
            _set_option(o, k, v)
        keep = _set_constraints(o, constraints) + _set_objectives(o, objectives)
        #: the strategy, options and constraints given, checked against a stored study's
        #: (_opened); constraints None: not given
        self._given = (strategy, {k: (v, getattr(o, k)) for k, v in options.items()},
                       None if constraints is None else {
                           o.constraints[k].name.decode("utf-8"): _constraint_bounds(
                               o.constraints[k].min, o.constraints[k].max)
                           for k in range(o.n_constraints)})
        cspace = None if items is None else _CSpace(items)
        self.name = "study" if name is None else str(name)
        self.storage = storage
        if storage is not None and not isinstance(storage, (str, os.PathLike)):
            # str() of an object (an Optuna RDBStorage, say) named a file after its repr
            raise TypeError("storage is a URL or a path (sqlite:///study.db, "
                            "postgresql://user@host/db), not %r" % (storage,))
        self._storage_b = None if storage is None else os.fsencode(storage)
        self._lock = threading.RLock()
        self._told = threading.Condition(self._lock)  # a discovery trial was told
        self._pruner = _pruner(pruner)
        #: whether the space comes from the study (stored, or found by its first trial):
        #: optimize then hands its objective the Trial (define-by-run)
        self._define_by_run = items is None
        self._h, self._discovering, self._closed = None, None, False
        self._last_refusal = None  # _check_refused_again's memory
        self._running = {}
        self._fill_rng = None  # _filled's generator, made at its first draw
        self._stops = []  # one threading.Event an optimize running: stop() sets them
        try:
            # in memory (None or ":memory:") with space=None: always a new study
            if items is not None or self._storage_b not in (None, b":memory:"):
                self._h = _s.gpbo_study_open(self._storage_b, self.name.encode(),
                                             cspace.h if cspace else None, C.byref(o))
                if not self._h and (items is not None or _lib._loaded["base"].gpbo_error_code()
                                    != _NOT_FOUND_RC):
                    check_ptr(self._h)
        except BaseException:
            _close(None, self._pruner)
            raise
        # closes the study and frees the pruner when the Study goes, or at exit
        self._finalizer = weakref.finalize(self, _close, self._h, self._pruner)
        if not self._h:
            # no such study and no space: its first trial finds the space (define-by-run);
            # the options (and what they point to) wait for it
            self._check_creatable()
            self._check_options(o)
            self._h, self._opts, self._keep, self._items = None, o, keep, []
            self._asked = (direction, objectives)
            self._queued = []  # enqueue()'s (params, max_trials) kept for the study
            self._attrs = {}  # set_user_attr's (key -> JSON text), stored when it is created
            self._rng = random.Random(o.seed)
            self._nobj = len(objectives or ())
            self.direction = StudyDirection("maximize" if o.direction == 1 else "minimize")
            self._sign = -1.0 if self.direction == "maximize" else 1.0
            self.objectives = {} if self._nobj < 2 else (
                dict(objectives) if isinstance(objectives, dict) else
                {str(n): "minimize" for n in objectives})
            return
        del keep  # the library copied the constraints and objectives
        if by_direction:  # Optuna's directions=: a stored study's names are its own
            self._directions_asked, objectives = list(objectives.values()), None
        self._opened(direction, objectives,
                     _read_space(_s.gpbo_study_space(self._h)) if items is None else items)

    def _check_creatable(self):
        """StorageError now when a define-by-run study's SQLite file cannot be made (its folder
        missing or not writable): the file is made only when the first trial is told, and that
        trial's result was lost then. The path as the library reads it (sqlite:///PATH or a
        plain path)."""
        url = None if self._storage_b is None else os.fsdecode(self._storage_b)
        if url is None or url == ":memory:":
            return
        path = url[10:] if url.startswith("sqlite:///") else url if "://" not in url else None
        if not path or os.path.exists(path):
            return
        folder = os.path.dirname(path) or "."
        why = "does not exist" if not os.path.isdir(folder) else \
            "is not writable" if not os.access(folder, os.W_OK | os.X_OK) else None
        if why:
            self.close()
            raise _lib.StorageError(
                "%s: study %r cannot be created there: the folder %r %s (a define-by-run study "
                "is written when its first trial is told, and that trial's result would be "
                "lost)" % (url, self.name, folder, why), -4)

    def _check_options(self, o):
        """Raises now what the library refuses in a define-by-run study's options (refit_every=0,
        say), which it checks only when the study is created, as its first trial is told, whose
        result was then lost: an in-memory study of one parameter is opened with them and
        closed."""
        cs = _CSpace([("x", _space.Uniform(0.0, 1.0))])
        h = _s.gpbo_study_open(None, self.name.encode(), cs.h, C.byref(o))
        if not h:
            self.close()
            check_ptr(h)
        _s.gpbo_study_close(h)

    def _opened(self, direction, objectives, items):
        """Reads what the open study self._h is; raises ValueError (the study closed) when the
        direction or objectives asked for contradict it."""
        self._items = items
        self._typed_choices()
        self.direction = StudyDirection(
            "maximize" if _s.gpbo_study_direction(self._h) == 1 else "minimize")
        self._sign = -1.0 if self.direction == "maximize" else 1.0
        self._nobj = _s.gpbo_study_nobjectives(self._h)
        #: the objectives, a dict name -> direction (several-objective studies; else empty)
        self.objectives = {} if self._nobj < 2 else {
            _s.gpbo_study_objective_name(self._h, j).decode():
                "maximize" if _s.gpbo_study_objective_direction(self._h, j) == 1 else "minimize"
            for j in range(self._nobj)}
        conflict = self._conflict(direction, objectives) or self._options_conflict()
        if conflict:  # a stored study keeps its own; a contrary wish would be ignored silently
            self.close()
            raise ValueError("study %r in %s %s; omit it to take the stored study as it is"
                             % (self.name, self.storage, conflict))
        if self._pruner:
            check(_s.gpbo_pruner_catch_up(self._pruner, self._h))

    def _typed_choices(self):
        """A stored study's categorical choices as the objects they were (_CHOICES_KEY): taken
        back when the space was read from the storage (space=None), and stored when the study
        does not hold them yet and some choice is not a string (a choice that is not one of
        JSON's scalars leaves its parameter's choices strings, as before)."""
        if self._storage_b in (None, b":memory:"):
            return  # the objects given stay in this process
        stored = self._all_attrs().get(_CHOICES_KEY)
        if isinstance(stored, dict):
            if self._define_by_run:
                self._items = [
                    (n, _space.Categorical(stored[n], when=p.when)
                     if isinstance(p, _space.Categorical) and isinstance(stored.get(n), list)
                     and [str(c) for c in stored[n]] == [str(c) for c in p.choices] else p)
                    for n, p in self._items]
            return
        typed = {}
        for n, p in self._items:
            if not isinstance(p, _space.Categorical) or \
                    all(isinstance(c, str) for c in p.choices):
                continue
            objs = [c.item() if type(c).__module__ == "numpy" and hasattr(c, "item") else c
                    for c in p.choices]
            if all(c is None or isinstance(c, (bool, int, float, str)) for c in objs) and \
                    all(isinstance(c, str) or c is None or isinstance(c, bool) or
                        math.isfinite(c) for c in objs):
                typed[n] = objs
        if typed:
            # a storage that refuses the write (read-only, say) still opens: only the types
            # are lost, as before, for the handles that open it later
            _s.gpbo_study_set_attr(self._h, _CHOICES_KEY.encode(), json.dumps(typed).encode())

    def _options_conflict(self):
        """What of the strategy or options given contradicts the opened study's, or None: a
        stored study keeps its own (an Optuna user's load_study(..., sampler=RandomSampler())
        runs that sampler, so strategy="random" silently going on with "bayes" misled)."""
        strategy, given, constraints = self._given
        st = C.cast(_s.gpbo_study_get_options(self._h), C.POINTER(StudyOptions)).contents
        stored = st.strategy.decode() if st.strategy else "bayes"
        if strategy is not None and strategy != stored:
            return "was made with strategy %r, not %r" % (stored, strategy)
        if constraints is not None:
            # the stored ones decide feasibility: others given (another bound, a constraint
            # added to a study made without) were dropped without a word, and best_trial
            # answered for constraints the caller did not ask for
            have = {st.constraints[k].name.decode("utf-8", "replace"): _constraint_bounds(
                st.constraints[k].min, st.constraints[k].max) for k in range(st.n_constraints)}
            if have != constraints:
                return "was made with the constraints %s, not %s" % (
                    _constraints_shown(have) if have else "none", _constraints_shown(constraints))
        for k, (v, field) in given.items():
            if k == "mo_acquisition" and self._nobj < 2:
                continue  # not stored for a study of one objective, which has no use for it
            if getattr(st, k) != field:
                return "was made with another %s than %r" % (k, v)
        return None

    def _conflict(self, direction, objectives):
        """What of the direction or objectives asked for contradicts the opened study, or
        None."""
        if objectives is not None:
            asked = dict(objectives) if isinstance(objectives, dict) else \
                {n: "minimize" for n in objectives}
            asked = {str(n): d for n, d in asked.items()}
            if len(asked) >= 2 and self._nobj < 2:
                return "has one objective (to %s), not %r" % (self.direction, asked)
            if len(asked) == 1 and self._nobj < 2:
                # one objective: its name is stored (NULL for a study stored before it was)
                (name, goal), = asked.items()
                stored = _s.gpbo_study_objective_name(self._h, 0)
                if stored is not None and stored.decode() != name:
                    return "has the objective %r, not %r" % (stored.decode(), name)
                if goal != self.direction:
                    return "was made to %s, not to %s" % (self.direction, goal)
            # in order: values are told in the order of the objectives
            if len(asked) >= 2 and list(asked.items()) != list(self.objectives.items()):
                return "has the objectives %r (in this order), not %r" % (self.objectives,
                                                                          asked)
        elif getattr(self, "_directions_asked", None) is not None:
            have = list(self.objectives.values())
            if have != self._directions_asked:
                return "has the objectives %r, not the directions %r" % (
                    self.objectives or self.direction, self._directions_asked)
        elif direction is not None and self._nobj < 2 and direction != self.direction:
            return "was made to %s, not to %s" % (self.direction, direction)
        elif direction is not None and self._nobj >= 2:
            return "has several objectives %r, not one direction" % (self.objectives,)
        return None

    def set_user_attr(self, key, value):
        """Sets the study's own user attribute key (a string) to value, any JSON-serializable
        value, as Optuna's study.set_user_attr: stored at once (a stored study's, for every
        handle and process; a define-by-run study's before its first trial is told, when that
        trial creates it). A value that is not JSON: TypeError or ValueError naming the key."""
        self._set_attr(_user_key(key), _attr_json(key, value))

    def _set_attr(self, key, text):
        """The study's attribute key set to JSON text."""
        with self._lock:
            if self._undiscovered():
                self._attrs[key] = text
                return
            check(_s.gpbo_study_set_attr(self._handle(), key.encode(), text.encode()))

    @property
    def user_attrs(self):
        """The study's user attributes (a new dict, read from the storage now; values as JSON
        gives them back), as Optuna's study.user_attrs."""
        return _split_attrs(self._all_attrs())[0]

    def _all_attrs(self):
        """The study's attributes as stored, system attributes (prefixed) included."""
        with self._lock:
            if self._undiscovered():
                return {k: json.loads(v) for k, v in self._attrs.items()}
            out = C.c_char_p()
            check(_s.gpbo_study_attrs(self._handle(), C.byref(out)))
            return json.loads(out.value.decode()) if out.value else {}

    def set_system_attr(self, key, value):
        """Optuna 3.1's Study.set_system_attr (deprecated there: FutureWarning, as Optuna's):
        stored as set_user_attr stores one, under the key "gpbo.system:" + key, and read back
        as system_attrs, not user_attrs."""
        _deprecated("set_system_attr")
        self._set_attr(_SYSTEM + key if isinstance(key, str) else key, _attr_json(key, value))

    @property
    def system_attrs(self):
        """Optuna 3.1's Study.system_attrs (deprecated there: FutureWarning): the study's
        system attributes (a new dict)."""
        _deprecated("system_attrs")
        return _split_attrs(self._all_attrs())[1]

    @property
    def directions(self):
        """Each objective's direction in order, a StudyDirection (Optuna's study.directions;
        each also its string, "minimize" or "maximize"): [direction] for a study of one
        objective. ``direction`` alone is the first objective's."""
        return [StudyDirection(d) for d in self.objectives.values()] if self._nobj >= 2 \
            else [self.direction]

    @property
    def study_name(self):
        """The study's name (Optuna's name for ``name``)."""
        return self.name

    @property
    def space(self):
        """The study's space as a dict (the stored one for a study reopened without it; empty
        while the first trial of a define-by-run study has not been told)."""
        return dict(self._items)

    def close(self):
        """Closes the study (everything told is stored; trials still running are handed back
        to other workers of the study). Further calls raise."""
        with self._lock:
            self._close_locked()

    def _close_locked(self):
        self._finalizer()
        self._h, self._closed, self._discovering = None, True, None
        self._told.notify_all()

    def remove_if_empty(self):
        """Removes the study from its storage provided it holds no trial (a trial added
        meanwhile, by any process, keeps it), then closes it, as close() does, removed or not:
        for a program that made a study and then could not store what it was made for, so that
        it leaves nothing behind (gpbo_study_remove_if_empty). True when the study was removed;
        False when it holds a trial, lives in memory, or was never stored (a define-by-run
        study whose first trial was not told). StorageError when the storage fails (the study
        is closed all the same); ValueError when it is closed already."""
        with self._lock:
            if self._undiscovered():
                self._close_locked()
                return False
            h = self._handle()
            removed = C.c_int(0)
            try:
                check(_s.gpbo_study_remove_if_empty(h, C.byref(removed)))
            finally:
                self._close_locked()
            return bool(removed.value)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if self._h is None:
            raise ValueError("the study is closed" if self._closed else
                             "study %r has no space yet: its first trial makes it when it is "
                             "told" % self.name)
        return self._h

    # -- define-by-run -----------------------------------------------------------------------------

    def _undiscovered(self):
        """Whether this is a define-by-run study whose first trial has not been told."""
        return self._h is None and not self._closed

    def _await_first(self):
        """Waits while another thread runs a define-by-run study's first trial (returns at once
        when there is none)."""
        with self._lock:
            t = self._discovering
            while t is not None and self._h is None and t._owner != threading.get_ident():
                self._told.wait()
                t = self._discovering

    def _discovery_trial(self, trial):
        """The running discovery trial that trial (a Trial or an id) names, or None."""
        t = self._discovering
        if t is None or self._h is not None:
            return None
        if trial is t or (not isinstance(trial, (Trial, TrialRecord)) and trial == t.id):
            return t
        return None

    def _suggest(self, trial, name, d):
        """What trial.suggest_* returns for distribution d of parameter name."""
        with self._lock:
            if trial._dists is not None:  # a discovery trial: draw, remember
                if name in trial._dists:
                    why = _suggest.contradiction(name, trial._dists[name], d, declared=True)
                    if why:
                        raise ValueError(why.replace("the study's space", "this trial's earlier "
                                                     "suggestion"))
                    return _suggest.value_for(trial._dists[name], d, trial.params[name])
                if trial is not self._discovering:
                    raise ValueError("trial %d has ended: suggest_* is for a running trial"
                                     % trial.id)
                _CSpace([(name, d)])  # what the library refuses, refused now, not at the tell
                fixed = trial._fixed
                if name in fixed:
                    trial._refused_fixed = True  # until the value is taken
                    v = _suggest.fixed_value(name, d, fixed[name])
                    trial._refused_fixed = False
                else:
                    v = _suggest.draw(self._rng, d)
                trial._dists[name] = d
                trial.params[name] = v
                return v
            space = dict(self._items)
            p = space.get(name)
            if p is None:
                trial._space_refusal = ValueError(self._not_in_space(name, d))
                raise trial._space_refusal
            why = _suggest.contradiction(name, p, d)
            if why:
                trial._space_refusal = ValueError(why)
                raise trial._space_refusal
            if isinstance(p, _space.Categorical) and p.choices != d.choices:
                # a stored space's choices are strings: the declared objects from now on, in
                # the records too (str() forms equal, so the library's indices are the same)
                self._items = [(n, _space.Categorical(d.choices, when=p.when) if n == name
                                else q) for n, q in self._items]
            if name not in trial.params:  # NaN in the library: its when= does not hold
                (parent, vals), = p.when.items()
                trial._space_refusal = ValueError(
                    "parameter %r is inactive in trial %d: its condition when=%r does not hold "
                    "(%r is %s); suggest it only when its condition holds"
                    % (name, trial.id, p.when, parent, repr(trial.params[parent])
                       if parent in trial.params else "itself inactive"))
                raise trial._space_refusal
            v = _suggest.value_for(p, d, trial.params[name])
            trial.params[name] = v  # a category as declared, also in a trial asked before
            return v

    def _not_in_space(self, name, d):
        have = ", ".join(n for n, _ in self._items)
        how = ("declare the space up front, a parameter that only some trials use with when= "
               "(gpbo.Study(space={'opt': gpbo.Categorical(['sgd', 'adam']), 'momentum': "
               "gpbo.Uniform(0, 1, when={'opt': 'sgd'})})), and suggest it only when its "
               "condition holds")
        if self._define_by_run:
            return ("%s: study %r has no parameter %r. gpbo's space is fixed when a study is "
                    "created: by its first trial, which suggested %s. To vary the parameters "
                    "from trial to trial (conditional parameters), %s"
                    % (_suggest.call_repr(name, d), self.name, name, have, how))
        return ("%s: study %r has no parameter %r; its space has %s. For conditional "
                "parameters, %s" % (_suggest.call_repr(name, d), self.name, name, have, how))

    def _create(self, trial):
        """Creates the study with the space discovery trial `trial` suggested, and makes the
        trial its first one (enqueued with those values, asked: trial.id becomes its id).
        Called with the lock held."""
        items = list(trial._dists.items())
        cspace = _CSpace(items)
        h = _s.gpbo_study_open(self._storage_b, self.name.encode(), cspace.h,
                               C.byref(self._opts))
        if not h:  # another worker made it with another space, or the storage failed
            e = _lib.error(_lib._loaded["base"].gpbo_error_code() or -2)
            e.args = ("%s; the result of trial %d, the first trial of this handle, which "
                      "suggested %s, is not recorded" % (e, trial.id, ", ".join(
                          _suggest.call_repr(n, d) for n, d in items)),)
            raise e
        self._finalizer.detach()
        self._h = h
        self._finalizer = weakref.finalize(self, _close, self._h, self._pruner)
        del self._keep, self._opts  # the library copied them
        self._opened(*self._asked, items)
        vals = self._values_of(trial.params)
        arr = (C.c_double * len(vals))(*vals)
        qid, tid = _SZ(), _SZ()
        out = (C.c_double * len(vals))()
        # stored now, it started when it was asked: its duration is its run's
        check(_s.gpbo_study_enqueue_started(h, arr, _NOT_FOUND, min(trial._started, time.time()),
                                            C.byref(qid)))
        check(_s.gpbo_study_ask(h, C.byref(tid), out))
        if tid.value != qid.value:  # another process took it: this ask is another point
            check(_s.gpbo_study_tell_failed(h, tid.value, b"asked while creating the study "
                                            b"from its first trial; not run"))
            raise ValueError("study %r: another worker took the first trial's configuration "
                             "(trial %d) as it was stored; the result of trial %d is not "
                             "recorded" % (self.name, qid.value, trial.id))
        trial.id = tid.value
        self._running[trial.id] = trial
        if self._pruner:
            check(_s.gpbo_pruner_catch_up(self._pruner, h))
        trial._steps = set()  # reported again below, as any trial's
        for step, value in trial._reports:
            self.report(trial, step, value)
        for key, text in trial._user_attrs.items():
            check(_s.gpbo_study_set_user_attr(h, trial.id, key.encode(), text.encode()))
        for key, text in self.__dict__.pop("_attrs", {}).items():
            check(_s.gpbo_study_set_attr(h, key.encode(), text.encode()))
        fixed = getattr(trial, "_fixed", None)
        if fixed and fixed.keys() != trial.params.keys():  # enqueued with some params
            try:
                text = json.dumps(fixed, allow_nan=False, default=_plain)
            except (TypeError, ValueError):
                text = None
            if text is not None:
                check(_s.gpbo_study_set_attr(h, (_ENQUEUED + str(trial.id)).encode(),
                                             text.encode()))

    def _params(self, values):
        # an inactive parameter (its when= does not hold: NaN) is left out
        return {name: _value(p, values[i]) for i, (name, p) in enumerate(self._items)
                if not math.isnan(values[i])}

    def ask(self, fixed_distributions=None):
        """A new trial (or one whose worker was lost) to evaluate. Raises ExhaustedError when the
        strategy has nothing left (a finished grid).

        fixed_distributions (Optuna's define-and-run ask): a dict name -> distribution, Optuna's
        (FloatDistribution, IntDistribution, CategoricalDistribution, and Optuna 2's) or gpbo's
        (Uniform, LogUniform, Int, Categorical); each is suggested in order as its suggest_*
        call would be (a define-by-run study's first trial makes its space of them, a study with
        a space checks them against it), so trial.params holds them. A refused one fails the
        trial (told, with the reason) and raises.

        A define-by-run study that does not exist yet (opened with space=None) first hands out
        one discovery trial, whose suggest_* calls draw at random and make the space; until it
        is told, an ask from another thread waits for it, and one from the thread that asked it
        raises ValueError (it would wait forever)."""
        if fixed_distributions is not None:
            return self._ask_with(fixed_distributions)
        with self._lock:
            while self._h is None and self._discovering is not None:
                if self._discovering._owner == threading.get_ident():
                    raise ValueError(
                        "study %r: its space is not known until its first trial (%d, running) "
                        "is told; tell it before asking for another trial, or declare the "
                        "space (gpbo.Study(space=...))" % (self.name, self._discovering.id))
                self._told.wait()
            if self._h is None and not self._closed:
                trial = Trial(self, 0, {}, discovery=True)
                trial._owner = threading.get_ident()
                trial._fixed = self._queued.pop(0)[0] if self._queued else {}
                self._discovering = trial
                return trial
        n = len(self._items)
        values = (C.c_double * max(n, 1))()
        tid = _SZ(_NOT_FOUND)  # the library writes it only when the ask succeeds
        with self._lock:
            h = self._handle()
            try:
                check(_s.gpbo_study_ask(h, C.byref(tid), values))
                if self._pruner:  # what the other workers' trials did
                    check(_s.gpbo_pruner_catch_up(self._pruner, h))
                trial = Trial(self, tid.value, self._params(values))
                self._running[trial.id] = trial
            except BaseException as e:
                if tid.value != _NOT_FOUND and tid.value not in self._running:
                    self._fail_unrun(h, tid.value, e)
                raise
        return trial

    def _fail_unrun(self, h, tid, e):
        """Fails trial tid, asked from the library but never handed out: e came between the
        ask and the Trial that carries it, most often Ctrl-C (Python raises a SIGINT's
        KeyboardInterrupt as soon as the library's call returns), or a failed pruner catch-up.
        It stayed running: for ever in memory, stored until this handle closed (then handed back
        and run again by the next ask). Errors of this tell are dropped: e is what is raised."""
        reason = ("%s: %s" % (type(e).__name__, e)).rstrip(": ") + " (asked, not run)"
        try:
            _s.gpbo_study_tell_failed(h, tid, reason.encode("utf-8", "replace"))
            if self._pruner:
                _s.gpbo_pruner_finish(self._pruner, tid, _OUTCOME["failed"])
        except BaseException:
            pass

    def _fail_left(self, trial, e):
        """Fails trial when optimize stops with e before the trial was told: a Ctrl-C between
        its ask and its objective (or between its objective and its tell) left it running.
        A trial already told (the library told it, the KeyboardInterrupt came right after) is
        left as it is. Errors of this tell are dropped: e is what is raised."""
        with self._lock:
            left = self._running.get(trial.id) is trial or self._discovering is trial
        if not left or trial._dropped:
            return
        try:
            with warnings.catch_warnings():  # a first trial's drop: e says it
                warnings.simplefilter("ignore", RuntimeWarning)
                self.tell(trial, failed=("%s: %s" % (type(e).__name__, e)).rstrip(": "),
                          skip_if_finished=True)
        except BaseException:
            pass
        with self._lock:
            self._running.pop(trial.id, None)

    def _ask_with(self, dists):
        """ask(fixed_distributions): a trial asked, then each distribution suggested."""
        if not isinstance(dists, dict):
            raise TypeError("fixed_distributions is a dict name -> distribution, not %r"
                            % (dists,))
        calls = [(name, _suggest_call(name, d)) for name, d in dists.items()]
        trial = self.ask()
        try:
            for name, call in calls:
                call(trial)
        except Exception as e:
            with warnings.catch_warnings():  # a first trial's drop: the error says it
                warnings.simplefilter("ignore", RuntimeWarning)
                self.tell(trial, failed=("%s: %s" % (type(e).__name__, e)).rstrip(": "))
            raise
        return trial

    def _check_not_waiting(self, h, tid, what):
        """ValueError when trial tid is enqueued and no worker has asked it (the library would
        end it: a configuration told complete without ever being run), as Optuna's "Cannot
        tell a WAITING trial". The mirror is read again first: another worker may have taken
        it."""
        if _s.gpbo_study_trial_queued(h, tid):
            check(_s.gpbo_study_sync(h))
            if _s.gpbo_study_trial_queued(h, tid):
                raise ValueError("%s: trial %d of study %r is enqueued and no worker has asked "
                                 "it yet (WAITING): ask it first, as Optuna refuses to tell a "
                                 "WAITING trial" % (what, tid, self.name))

    def _id(self, trial):
        """A trial's id from a Trial, a TrialRecord or the id; int() would take 1.7 for trial 1
        and -1 for 2^64 - 1."""
        if isinstance(trial, Trial) and trial.study is not self and not (
                self._storage_b is not None and not self._storage_b.endswith(b":memory:")
                and (trial.study._storage_b, trial.study.name) == (self._storage_b, self.name)):
            # its id names another trial here: that one was told (Optuna's in-memory studies
            # do the same), and the asked one stayed running
            raise ValueError("trial %d was asked from %r, not from this study (%r): tell it, "
                             "report it, prune it there" % (trial.id, trial.study, self))
        if isinstance(trial, (Trial, TrialRecord)):
            return trial.id
        if not isinstance(trial, numbers.Integral) or isinstance(trial, bool) or \
                not 0 <= trial <= _SIZE_MAX:  # ctypes would wrap 2**64 to trial 0
            raise ValueError("a trial is a Trial, a TrialRecord or an integer id >= 0, not %r"
                             % (trial,))
        return int(trial)

    def tell(self, trial, value=None, *, failed=None, pruned=False, metrics=None, state=None,
             values=None, skip_if_finished=False):
        """Ends a trial (a Trial, a TrialRecord or its id): with its value (a study of several
        objectives: a sequence of one value an objective, in the order of ``objectives``, or a
        dict objective name -> value), as failed with a reason (``failed="why"``), or as
        pruned (``pruned=True``: its intermediate values stay). A non-finite value is stored as
        a failure. metrics: a dict name -> number of other metrics (accuracy, seconds, memory,
        the constraints' metrics...) stored with the trial, whatever its end
        (gpbo_study_set_metrics), with those of Trial.set_metric; read back as
        TrialRecord.metrics. A study of one objective takes a sequence of one value (``[v]``,
        a numpy array of one) as that value, as Optuna does.

        Optuna's keywords, for an ask-and-tell loop ported as it is: values= (the value's
        name there), state=TrialState.PRUNED / FAIL (no value, as Optuna's: pruned=True /
        failed) or COMPLETE (with a value), skip_if_finished=True (a trial already told is
        left as it is, with no error)."""
        if values is not None:
            if value is not None:
                raise ValueError("tell takes value or values (Optuna's name for it), not both")
            value = values
        if state is not None:
            state = _state(state)  # ValueError for a string that is no state
            if state in (TrialState.RUNNING, TrialState.WAITING):
                raise ValueError("tell ends a trial: state=%s is not an end" % state.name)
            if state is not TrialState.COMPLETE and value is not None:
                raise ValueError("tell(state=%s) takes no value, as Optuna's" % state.name)
            if state is TrialState.COMPLETE and value is None:
                raise ValueError("tell(state=COMPLETE) needs the trial's value")
            if state is TrialState.PRUNED:
                pruned = True
            elif state is TrialState.FAIL and failed is None:
                failed = "told failed"
        try:
            self._tell(trial, value, failed, pruned, metrics)
        except _lib.GpboError as e:
            if not (skip_if_finished and e.code == _ESTATE):
                raise

    def _tell(self, trial, value, failed, pruned, metrics):
        """tell() with Optuna's keywords resolved."""
        tid = self._id(trial)
        given = (value is not None) + (failed is not None) + bool(pruned)
        if given != 1:
            raise ValueError("tell takes exactly one of a value, failed=... or pruned=True")
        if value is not None:
            value = self._told_values(value)
        if isinstance(trial, Trial) and trial.metrics:  # set_metric's, the ones given win
            metrics = dict(trial.metrics, **(metrics or {}))
        names, vals = self._metrics_arrays(metrics)
        with self._lock:
            first = self._discovery_trial(trial)
            if first is not None:
                try:
                    if not self._tell_first(first, value, failed, pruned):
                        return
                finally:  # created or not, the other workers' asks go on
                    self._discovering = None
                    self._told.notify_all()
                tid = first.id
            h = self._handle()
            self._check_not_waiting(h, tid, "tell")
            if names is not None:
                check(_s.gpbo_study_set_metrics(h, tid, len(vals), names, vals))
            if failed is not None:
                check(_s.gpbo_study_tell_failed(h, tid, str(failed).encode("utf-8", "replace")))
                outcome = "failed"
            elif pruned:
                own = first or (trial if isinstance(trial, Trial) else self._running.get(tid))
                if own is not None and own._diverged_step is not None and \
                        own._diverged_step > max(own._steps, default=-1):
                    # its last report diverged: no value (its last finite one is not it)
                    check(_s.gpbo_study_set_user_attr(h, tid, _PRUNED_VALUE.encode(), b"null"))
                check(_s.gpbo_study_tell_pruned(h, tid))
                outcome = "pruned"
            elif self._nobj >= 2:
                arr = (C.c_double * len(value))(*value)
                check(_s.gpbo_study_tell_values(h, tid, len(value), arr))
                outcome = "complete" if all(map(math.isfinite, value)) else "failed"
            else:
                check(_s.gpbo_study_tell(h, tid, value))
                outcome = "complete" if math.isfinite(value) else "failed"
            if self._pruner:
                check(_s.gpbo_pruner_finish(self._pruner, tid, _OUTCOME[outcome]))
            self._running.pop(tid, None)
            if first is not None:  # before any other worker asks
                self._enqueue_kept()

    def _tell_first(self, trial, value, failed, pruned):
        """Ends discovery trial `trial`: creates the study from its suggestions (True: tell it
        as any trial). One that suggested nothing leaves no space to create: failed or pruned,
        it is dropped with a warning (False); with a value, ValueError (nothing recorded)."""
        refused = trial._refused is not None and (failed is not None or pruned)
        if trial._dists and not refused:
            self._create(trial)
            return True
        trial._dropped = True
        what = ("failed (%s)" % failed) if failed is not None else \
            "pruned" if pruned else "complete"
        if refused:
            # the suggestions after the refused one are unknown: a study created now would
            # lack them, and every later trial would fail at them ("no parameter ...")
            msg = ("study %r: its first trial ended %s after its suggest_* call was refused "
                   "(%s), so its space is incomplete; the study is not created with it, "
                   "nothing is recorded and the next trial is again a first one"
                   % (self.name, what, trial._refused))
            if trial._refused_fixed:
                msg += "; its enqueued configuration %r is dropped" % (trial._fixed,)
        else:
            msg = ("study %r: its first trial ended %s before any suggest_* call, so there is "
                   "no space to create the study with; nothing is recorded and the next trial "
                   "is again a first one" % (self.name, what))
        if trial._fixed and not trial._refused_fixed:  # it goes to the next first trial
            self._queued.insert(0, (trial._fixed, None))
        if failed is not None or pruned:
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
            return False
        raise ValueError(msg + ": call trial.suggest_* in the objective, or declare the space "
                         "(gpbo.Study(space=...))")

    def _told_values(self, value):
        """A told value as a float (one objective) or a list of floats (several)."""
        if self._nobj < 2:
            if getattr(value, "ndim", None) == 0:  # a 0-d numpy array or torch tensor: a number
                return float(value)
            if getattr(value, "size", None) == 1 and hasattr(value, "ndim"):
                return float(value)  # a numpy array of one value, as Optuna takes it
            if hasattr(value, "__len__"):  # a sequence (list, tuple, array) for one objective
                if len(value) == 1 and not isinstance(value, (str, bytes, dict)):
                    # Optuna takes a sequence of one value (`return [loss]`, an array of one)
                    # for one objective: refused, every trial of optimize failed
                    v = value[0]
                    if getattr(v, "ndim", None) == 0 or not hasattr(v, "__len__"):
                        try:
                            return float(v)
                        except (TypeError, ValueError):
                            pass
                raise ValueError("study %r has one objective: tell one number (or a sequence "
                                 "of one), not %r" % (self.name, value))
            return float(value)
        if isinstance(value, dict):  # by name: iterating it gave the names ("could not
            names = list(self.objectives)  # convert string to float: 'err'")
            if set(value) != set(names):
                raise ValueError("study %r has the objectives %s: a dict of values needs exactly "
                                 "those names, not %s" % (self.name, ", ".join(names),
                                                          ", ".join(map(repr, value))))
            value = [value[n] for n in names]
        try:
            vals = [float(v) for v in value]
        except TypeError:
            raise ValueError("study %r has %d objectives (%s): tell a sequence of %d numbers, "
                             "not %r" % (self.name, self._nobj, ", ".join(self.objectives),
                                         self._nobj, value)) from None
        if len(vals) != self._nobj:
            raise ValueError("study %r has %d objectives (%s): got %d values"
                             % (self.name, self._nobj, ", ".join(self.objectives), len(vals)))
        return vals

    def enqueue(self, params, max_trials=None):
        """Puts a configuration first (Optuna's enqueue_trial): params, a dict name -> value
        (an active parameter left out is drawn at random, as Optuna's sampler draws it),
        becomes a trial that the next ask of any worker hands out before any proposal.
        max_trials: only while the study holds fewer trials (so k workers enqueuing the same
        list add each point once: give point i max_trials=i + 1 before asking);
        ExhaustedError otherwise. Returns the trial's id.

        A define-by-run study before its first trial is told keeps the configurations (and
        returns None): the first trial's suggest_* calls return the first one's values (checked
        against the distribution suggested), and the others are enqueued when the study is
        created (one that does not fit its space is dropped with a RuntimeWarning); names not
        suggested are ignored. max_trials then counts the configurations kept."""
        with self._lock:
            if self._undiscovered():
                return self._enqueue_first(params, max_trials)
        filled = self._filled(params)
        vals = self._values_of(filled)
        arr = (C.c_double * max(len(vals), 1))(*vals)
        tid = _SZ()
        cap = _NOT_FOUND if max_trials is None else int(max_trials)
        with self._lock:
            check(_s.gpbo_study_enqueue(self._handle(), arr, cap, C.byref(tid)))
        if filled.keys() != params.keys():
            try:
                text = json.dumps(params, allow_nan=False, default=_plain)
            except (TypeError, ValueError):
                text = None  # not JSON: skip_if_exists compares the trial's params only
            if text is not None:
                self._set_attr(_ENQUEUED + str(tid.value), text)
        return tid.value

    def _filled(self, params):
        """params with each active parameter it leaves out drawn at random (uniform in the
        parameter's scale, as a discovery trial draws), as Optuna's enqueue_trial has its
        sampler draw the parameters a configuration leaves out; parents first, so a
        conditional parameter is drawn only when its condition holds. The draws come from a
        generator seeded with the study's seed (the same seed, the same draws). Anything but a
        dict is left to _values_of to refuse."""
        if not isinstance(params, dict):
            return params
        out = dict(params)
        for name, p in self._items:
            if name in out or isinstance(p, _space.Constant):
                continue
            if p.when is not None:
                (parent, vals), = p.when.items()
                vals = vals if isinstance(vals, (list, tuple)) else [vals]
                if parent not in out or not any(
                        out[parent] == v or str(out[parent]) == str(v) for v in vals):
                    continue  # inactive: left out
            with self._lock:
                if self._fill_rng is None:
                    st = C.cast(_s.gpbo_study_get_options(self._handle()),
                                C.POINTER(StudyOptions)).contents
                    self._fill_rng = random.Random("gpbo enqueue %d" % st.seed)
                out[name] = _suggest.draw(self._fill_rng, p)
        return out

    def add_trial(self, params=_MISSING, value=None, *, values=None, state=None, reason=None,
                  metrics=None, max_trials=None, trial=_MISSING, intermediate_values=None,
                  user_attrs=None):
        """Adds a finished trial evaluated elsewhere (Optuna's add_trial): warm-starts the
        study with what another run, another tool or a run by hand measured. params: a dict
        name -> value for every active parameter (as enqueue takes it), or a TrialRecord (of
        this or another study: its params, value or values, state, reason and metrics are
        taken, so ``study.add_trials(other.trials)`` copies the finished trials of another
        study over the same space, with their intermediate values and user attributes), or
        Optuna's FrozenTrial (``optuna.trial.create_trial``'s, an Optuna study's trials: its
        params, state, values, intermediate values and user attributes). value (values=,
        Optuna's name): the objective's value, or a study of several objectives' sequence or
        dict of them; state: "complete" (with a value, the default), "failed" (with a
        reason, no value) or "pruned" (stored as a trial pruned here, with its intermediate
        values; it reads back with the value given, None when none, as Optuna's; a value not
        finite: ValueError). metrics: other metrics, as tell takes them. intermediate_values: a
        dict step -> value (steps integers >= 0; a NaN or infinite value is left out, as
        Trial.report leaves it out); user_attrs: a dict key -> JSON-serializable value (as
        set_user_attr takes them); given, they replace a TrialRecord's or FrozenTrial's own.
        The Bayesian strategy then takes a complete one as an observation. max_trials: only
        while the study holds fewer trials (ExhaustedError otherwise). Returns the new trial's
        id. The library's gpbo_study_add_trial, intermediate values and user attributes in the
        same call: stored whole in one transaction on SQLite; on PostgreSQL reserved, then
        told with all of them (a process dying between the two leaves it for a worker to
        run)."""
        system_attrs = {}  # a FrozenTrial's or TrialRecord's, carried over as Optuna's
        if trial is not _MISSING:  # Optuna's name: add_trial(trial=create_trial(...))
            if params is not _MISSING:
                raise TypeError("add_trial takes params or trial (Optuna's name), not both")
            params = trial
        if params is _MISSING:
            raise TypeError("add_trial() needs the trial's params (a dict, a TrialRecord or "
                            "Optuna's FrozenTrial)")
        if _frozen_trial(params):  # Optuna's FrozenTrial (create_trial's, a study's trials)
            ft = params
            if value is None and values is None and state is None:
                state = _state(ft.state)  # Optuna's member, by name
                if state is TrialState.COMPLETE:
                    value = list(ft.values) if ft.values and len(ft.values) > 1 else ft.value
                elif state is TrialState.PRUNED:  # None, or Optuna's value of it
                    value = None if not ft.values else \
                        ft.values[0] if len(ft.values) == 1 else list(ft.values)
                elif reason is None:  # where Optuna kept it
                    reason = (getattr(ft, "system_attrs", None) or {}).get("fail_reason")
            if intermediate_values is None:
                intermediate_values = getattr(ft, "intermediate_values", None)
            if user_attrs is None:
                user_attrs = getattr(ft, "user_attrs", None)
            system_attrs = getattr(ft, "system_attrs", None) or {}
            params = dict(ft.params)
        if isinstance(params, TrialRecord):
            rec = params
            if rec.state not in ("complete", "failed", "pruned"):
                raise ValueError("add_trial adds a finished trial: trial %d is %s"
                                 % (rec.id, rec.state))
            if value is None and values is None and state is None:
                state = rec.state
                if rec.state == "complete":
                    value = rec.values if len(rec.values) > 1 else rec.value
                elif rec.state == "pruned":  # the value it reads back with, None included
                    value = rec.values if rec.values and len(rec.values) > 1 else rec.value
                elif reason is None:
                    reason = rec.reason
            if metrics is None:
                metrics = rec.metrics
            if intermediate_values is None:
                intermediate_values = rec.intermediate
            if user_attrs is None:
                user_attrs = rec.user_attrs
            system_attrs = rec.system_attrs
            params = rec.params
        if values is not None:
            if value is not None:
                raise ValueError("add_trial takes value or values (Optuna's name), not both")
            value = values
        state = _state(state if state is not None else "complete")
        if state is TrialState.COMPLETE:
            if value is None:
                raise ValueError("add_trial: a complete trial needs its value")
            told = self._told_values(value)
            told = told if isinstance(told, list) else [told]
            if not all(map(math.isfinite, told)):
                raise ValueError("add_trial: a complete trial's value is finite, not %r"
                                 % (value,))
        elif state is TrialState.FAIL:
            if value is not None:
                raise ValueError("add_trial(state=FAIL) takes no value, as Optuna's")
            told = []
        elif state is TrialState.PRUNED:
            shown = _pruned_shown(value, intermediate_values, self._nobj)
            told = []
        else:
            raise ValueError("add_trial adds a complete, a failed or a pruned trial, not %s"
                             % state.name)
        with self._lock:
            if self._undiscovered():
                raise ValueError("study %r has no space yet: add trials once its first trial "
                                 "is told, or declare the space" % self.name)
        vals = self._values_of(params)
        arr = (C.c_double * max(len(vals), 1))(*vals)
        names, mvals = self._metrics_arrays(metrics)
        steps, svals = _added_steps(intermediate_values)
        attrs = [(_user_key(k).encode("utf-8"), _attr_json(k, v).encode("utf-8"))
                 for k, v in (user_attrs or {}).items()]
        attrs += [((_SYSTEM + k).encode("utf-8"), _attr_json(k, v).encode("utf-8"))
                  for k, v in system_attrs.items() if isinstance(k, str)]
        if state is TrialState.PRUNED and shown is not None:
            attrs.append((_PRUNED_VALUE.encode(), shown.encode()))
        res = TrialResult()
        check(_s.gpbo_trial_result_init(C.byref(res), TrialResult.VERSION))
        if steps:
            res.n_steps = len(steps)
            res.steps = (C.c_long * len(steps))(*steps)
            res.step_values = (C.c_double * len(svals))(*svals)
        if attrs:
            res.n_user_attrs = len(attrs)
            res.user_attr_keys = (C.c_char_p * len(attrs))(*[k for k, _ in attrs])
            res.user_attr_values = (C.c_char_p * len(attrs))(*[v for _, v in attrs])
        res.state = _STATES.index(state)  # gpbo_trial_state
        objs = (C.c_double * max(len(told), 1))(*told)
        res.values = objs if told else None
        why = None if reason is None else str(reason).encode("utf-8", "replace")
        res.reason = why
        if names is not None:
            res.n_metrics, res.metric_names, res.metric_values = len(mvals), names, mvals
        tid = _SZ()
        cap = _NOT_FOUND if max_trials is None else int(max_trials)
        with self._lock:
            check(_s.gpbo_study_add_trial(self._handle(), arr, C.byref(res), cap,
                                          C.byref(tid)))
        return tid.value

    def add_trials(self, trials):
        """add_trial for each of trials (TrialRecords, say another study's ``trials``): the
        complete, failed and pruned ones are added, the others (running, waiting) skipped, as
        Optuna's add_trials adds finished trials (Optuna's FrozenTrials likewise). Returns the
        new ids."""
        return [self.add_trial(t) for t in trials
                if not isinstance(t, TrialRecord) and not _frozen_trial(t)
                or _state(t.state) in (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)]

    def enqueue_trial(self, params, user_attrs=None, skip_if_exists=False):
        """Optuna's Study.enqueue_trial: enqueue(params), or nothing (None) with
        skip_if_exists=True when a trial of the study (any state, the enqueued ones waiting
        included) has exactly these params, or was enqueued with exactly these (the others
        drawn), as Optuna's compares with its fixed_params. Returns enqueue's id. user_attrs is refused
        (NotImplementedError): an enqueued trial is a reservation in the storage, which holds
        a trial's attributes only from its end, so the worker that takes it could not see
        them; set them in the objective (trial.set_user_attr)."""
        if user_attrs:
            raise NotImplementedError(
                "enqueue_trial(user_attrs=...): gpbo stores a trial's user attributes with its "
                "end, so the worker that takes an enqueued trial could not read them; set them "
                "in the objective with trial.set_user_attr")
        if skip_if_exists:
            with self._lock:
                seen = [q for q, _ in self._queued] if self._undiscovered() else \
                    [r.params for r in self.trials] + [
                        v for k, v in self._all_attrs().items() if k.startswith(_ENQUEUED)]
            if any(_same_params(q, params) for q in seen):
                return None
        return self.enqueue(params)

    def _enqueue_first(self, params, max_trials):
        """enqueue() before the study exists: params kept for the first trial, or the study
        once it is created."""
        if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            raise ValueError("params must be a dict name -> value, not %r" % (params,))
        if max_trials is not None and len(self._queued) + (self._discovering is not None) \
                >= _count("max_trials", max_trials):
            raise _lib.ExhaustedError("study %r holds its %d trials" % (self.name, max_trials),
                                      _EXHAUSTED)
        self._queued.append((dict(params), max_trials))
        return None

    def _enqueue_kept(self):
        """Enqueues the configurations kept before the study was created."""
        kept, self._queued = self._queued, []
        names = dict(self._items)
        for params, cap in kept:
            try:  # names the first trial did not suggest are ignored, as in that trial
                self.enqueue({k: v for k, v in params.items() if k in names}, cap)
            except (ValueError, _lib.ExhaustedError) as e:
                warnings.warn("study %r: the configuration %r enqueued before the first trial "
                              "was told is dropped: %s" % (self.name, params, e),
                              RuntimeWarning, stacklevel=4)

    def _values_of(self, params):
        """params (name -> Python value) as the library's values; NaN where absent."""
        if not isinstance(params, dict):
            raise ValueError("params must be a dict name -> value, not %r" % (params,))
        known = dict(self._items)
        unknown = [k for k in params if k not in known]
        if unknown:
            raise ValueError("unknown parameter %r; the space has %s"
                             % (unknown[0], ", ".join(known)))
        out = []
        for name, p in self._items:
            if name not in params and isinstance(p, _space.Constant) and p.when is None:
                out.append(float(p.value) if _numeric_const(p) else 0.0)  # it has one value
            elif name not in params and p.when is None:  # the library said "nan is not ..."
                raise ValueError("parameter %r is missing: give every active parameter a value"
                                 % (name,))
            elif name not in params:
                out.append(math.nan)  # inactive (the library names an active one missing)
            elif isinstance(p, _space.Categorical):
                v = params[name]
                # the choice itself first: with [True, 1] (or [1.0, 1]) 1 == True, yet the
                # choices are distinct
                idx = ([i for i, c in enumerate(p.choices) if type(c) is type(v) and c == v]
                       or [i for i, c in enumerate(p.choices) if str(c) == str(v)]
                       or [i for i, c in enumerate(p.choices) if c == v])
                if not idx:
                    raise ValueError("parameter %r: %r is not one of %r" % (name, v, p.choices))
                out.append(float(idx[0]))
            elif isinstance(p, _space.Constant):
                v = params[name]
                if not (v == p.value or str(v) == str(p.value)):  # it used to be ignored
                    raise ValueError("parameter %r is %r; %r is not its value"
                                     % (name, p, v))
                out.append(float(p.value) if _numeric_const(p) else 0.0)  # one choice: index 0
            else:
                try:
                    out.append(float(params[name]))
                except (TypeError, ValueError):  # float()'s message names no parameter
                    raise ValueError("parameter %r: %r is not a number" % (name, params[name])) \
                        from None
        return out

    @staticmethod
    def _metrics_arrays(metrics):
        """metrics as the C arrays gpbo_study_set_metrics takes; (None, None) for none."""
        if not metrics:
            return None, None
        items = [(str(k), _metric_value(k, v)) for k, v in dict(metrics).items()]
        if any(not k for k, _ in items):
            raise ValueError("a metric needs a name")
        names = (C.c_char_p * len(items))(*[k.encode("utf-8") for k, _ in items])
        vals = (C.c_double * len(items))(*[v for _, v in items])
        return names, vals

    def _set_user_attr(self, trial, key, text):
        """Trial.set_user_attr: key set to JSON text in the library (a discovery trial's when
        the study is created), then in trial.user_attrs."""
        with self._lock:
            if self._discovery_trial(trial) is None:
                check(_s.gpbo_study_set_user_attr(self._handle(), trial.id, key.encode(),
                                                  text.encode()))
            trial._user_attrs[key] = text

    def report(self, trial, step, value):
        """Records trial's intermediate value at step and asks the pruner; see Trial.report."""
        tid = self._id(trial)
        if not isinstance(step, numbers.Integral) or isinstance(step, bool):
            raise TypeError("report(step, value): step must be an integer (an epoch), not %r "
                            "(Optuna's order is report(value, step); gpbo's is step first)"
                            % (step,))
        step, value = int(step), float(value)
        if not _LONG_MIN <= step <= _LONG_MAX:  # ctypes would wrap 2**64 + 3 to step 3
            raise ValueError("report: trial %d: a step is from 0 to %d, not %d"
                             % (tid, _LONG_MAX, step))
        with self._lock:
            t = self._discovery_trial(trial)
            if step < 0 and (t is not None or not math.isfinite(value)):
                raise ValueError("report: trial %d: a step is >= 0, not %d" % (tid, step))
            if not math.isfinite(value):  # diverged: nothing stored, pruned with a pruner
                if t is None:  # refused as a finite value would be (no such trial, ended)
                    check(_s.gpbo_study_report_many(self._handle(), tid, 0, None, None))
                    self._check_not_waiting(self._handle(), tid, "report")
                    t = trial if isinstance(trial, Trial) else self._running.get(tid)
                if t is not None:
                    t._diverged_step = max(step, t._diverged_step or 0)
                if t is not None and self._pruner:
                    t._prune = True
                return
            own = t if t is not None else \
                trial if isinstance(trial, Trial) else self._running.get(tid)
            if own is not None and (t is not None or tid in self._running):
                if step in own._steps:
                    # the storage would replace the value and the pruner keep the first one it
                    # judged: they disagreed; Optuna keeps the first, with a warning
                    warnings.warn("report: trial %d reported step %d already; this value (%r) "
                                  "is ignored, as Optuna ignores it" % (tid, step, value),
                                  RuntimeWarning, stacklevel=3)
                    return
                own._steps.add(step)
            if t is not None:  # no study yet: stored when it is created (the pruner never
                t._reports.append((step, value))  # stops a first trial at a finite value)
                return
            self._check_not_waiting(self._handle(), tid, "report")
            check(_s.gpbo_study_report(self._handle(), tid, step, value))
            prune = C.c_int(0)
            if self._pruner:
                check(_s.gpbo_pruner_report(self._pruner, tid, step, self._sign * value,
                                            C.byref(prune)))
            t = trial if isinstance(trial, Trial) else self._running.get(tid)
            if t is not None:
                t._prune = bool(prune.value)

    def should_prune(self, trial):
        """Study-level twin of Trial.should_prune."""
        t = trial if isinstance(trial, Trial) else self._running.get(self._id(trial))
        return bool(t and t._prune)

    # -- reading the study -----------------------------------------------------------------------

    def _record(self, info):
        n = len(self._items)
        values = [info.values[i] for i in range(n)] if n and info.values else []
        steps = {int(info.steps[k]): float(info.step_values[k]) for k in range(info.nsteps)}
        n, names, vals = _SZ(0), C.POINTER(C.c_char_p)(), DP()
        check(_s.gpbo_study_trial_metrics(self._handle(), info.id, C.byref(n), C.byref(names),
                                          C.byref(vals)))
        metrics = {names[k].decode("utf-8", "replace"): vals[k] for k in range(n.value)}
        attrs = C.c_char_p()
        check(_s.gpbo_study_trial_user_attrs(self._handle(), info.id, C.byref(attrs)))
        attrs = json.loads(attrs.value.decode()) if attrs.value else {}
        state = _STATES[info.state]
        if state is TrialState.RUNNING and _s.gpbo_study_trial_queued(self._handle(), info.id):
            state = TrialState.WAITING  # enqueued, not taken yet
        # Optuna's FrozenTrial: value and values None for a trial without a value (running,
        # waiting, failed, pruned before any report); a pruned trial's value is its last
        # intermediate value, or the one it was added with (None included)
        value, objs = None, None
        shown = attrs.pop(_PRUNED_VALUE, _MISSING)
        if state is TrialState.COMPLETE:
            value, objs = info.value, [info.value]
            if self._nobj >= 2:
                arr = (C.c_double * self._nobj)()
                _s.gpbo_study_trial_objectives(self._handle(), info.id, arr)
                objs = list(arr)
        elif state is TrialState.PRUNED and shown is not _MISSING:
            if isinstance(shown, list):
                objs = [float(v) for v in shown]
            elif isinstance(shown, numbers.Real):
                objs = [float(shown)]
            value = objs[0] if objs else None
        elif state is TrialState.PRUNED and self._nobj < 2 and steps:
            value = steps[max(steps)]
            objs = [value]
        params = self._params(values) if values else {}
        return TrialRecord(id=info.id, state=state, value=value,
                           values=objs, params=params,
                           distributions={n: p for n, p in self._items if n in params},
                           reason=info.reason.decode("utf-8", "replace") if info.reason else None,
                           intermediate=steps, metrics=metrics,
                           feasible=bool(_s.gpbo_study_trial_feasible(self._handle(), info.id)),
                           started=info.started, finished=info.finished,
                           **dict(zip(("user_attrs", "system_attrs"), _split_attrs(attrs))))

    def _record_of(self, trial_id):
        """The TrialRecord of one trial, read from the storage now."""
        with self._lock:
            h = self._handle()
            check(_s.gpbo_study_sync(h))
            info = TrialInfo()
            check(_s.gpbo_study_trial(h, trial_id, C.byref(info)))
            return self._record(info)

    @property
    def trials(self):
        """Every trial of the study (every worker's, read from the storage now), by id. Empty
        before a define-by-run study's first trial is told (it is stored then)."""
        with self._lock:
            if self._undiscovered():
                return []
            h = self._handle()
            check(_s.gpbo_study_sync(h))
            out, info = [], TrialInfo()
            for i in range(_s.gpbo_study_ntrials(h)):
                if _s.gpbo_study_trial(h, i, C.byref(info)) == 0:
                    out.append(self._record(info))
            return out

    def get_trials(self, deepcopy=False, states=None):
        """Optuna's Study.get_trials: the trials (as `trials`), only those in `states` (a
        sequence of TrialState or their strings) when given. deepcopy is Optuna's and changes
        nothing: each call reads new records."""
        trials = self.trials
        if states is None:
            return trials
        if isinstance(states, str):
            states = (states,)
        want = {_state(s) for s in states}  # ValueError names a state that is not one
        return [r for r in trials if r.state in want]

    @property
    def best_trial(self):
        """The best complete (and, with constraints, feasible) trial; ValueError when there is
        none, or when the study has several objectives (see best_trials; then a StateError,
        a RuntimeError too, as Optuna's)."""
        with self._lock:
            if self._undiscovered():
                raise ValueError("study %r has no trial yet" % self.name)
            h = self._handle()
            if self._nobj >= 2:
                # a StateError: a ValueError, and the RuntimeError Optuna raises here, so a
                # ported `except RuntimeError` catches it too
                raise _lib.StateError("study %r has several objectives (%s): its best trials "
                                      "are best_trials, the Pareto front"
                                      % (self.name, ", ".join(self.objectives)), _ESTATE)
            check(_s.gpbo_study_sync(h))
            info = TrialInfo()
            if _s.gpbo_study_best(h, C.byref(info)) != 0:
                raise ValueError(_lib.last_error())  # it names the study
            return self._record(info)

    def recommend(self):
        """The trial the study's model recommends and the model's predicted value of it, as
        (trial, predicted): for a noisy objective the complete (feasible) trial of the best
        posterior mean of the Bayesian strategy's GP, which a lucky draw does not win; the
        best_trial (predicted: its value) when the model sees no noise (gpbo_study_recommend,
        docs/python.md). The GP is that of every observation up to 1000 of them; past 1000 it
        is the model of 1000 (the best half and a space-filling rest, the library's
        gpbo_study_model_capped), so the answer is that capped model's recommendation, among
        every trial. The pair is a Recommendation, which says so: its observations (those the
        GP held) and total (those the strategy has), capped when fewer. ValueError for a
        strategy without a model (random, grid, ...), a study without a complete trial, or one
        of several objectives."""
        with self._lock:
            if self._undiscovered():
                raise ValueError("study %r has no trial yet" % self.name)
            h = self._handle()
            info, predicted, total = TrialInfo(), C.c_double(), _SZ()
            if _s.gpbo_study_recommend_capped(h, _RECOMMEND_MAX_OBS, C.byref(info),
                                              C.byref(predicted), C.byref(total)) != 0:
                raise ValueError(_lib.last_error())
            return Recommendation(self._record(info), predicted.value,
                                  min(total.value, _RECOMMEND_MAX_OBS), total.value)

    @property
    def best_trials(self):
        """The Pareto front (several objectives): the complete trials no other one dominates,
        by id; for a study of one objective, the trials of the best value. With constraints,
        only feasible trials count: an infeasible trial is never among them (Optuna 3.1's
        best_trials ignores its sampler's constraints_func: docs/python.md)."""
        with self._lock:
            if self._undiscovered():
                return []
            h = self._handle()
            check(_s.gpbo_study_sync(h))
            cap = max(_s.gpbo_study_ntrials(h), 1)
            ids, n = (_SZ * cap)(), _SZ()
            check(_s.gpbo_study_pareto(h, ids, cap, C.byref(n)))
            out, info = [], TrialInfo()
            for k in range(n.value):
                check(_s.gpbo_study_trial(h, ids[k], C.byref(info)))
                out.append(self._record(info))
            return out

    @property
    def best_value(self):
        return self.best_trial.value

    _DF_ATTRS = ("number", "value", "datetime_start", "datetime_complete", "duration", "params",
                 "user_attrs", "system_attrs", "state")
    _DF_STATES = {"running": "RUNNING", "complete": "COMPLETE", "failed": "FAIL",
                  "pruned": "PRUNED", "waiting": "WAITING"}

    def trials_dataframe(self, attrs=_DF_ATTRS, multi_index=False):
        """The trials as a pandas DataFrame, one row a trial by number, as Optuna's
        Study.trials_dataframe: columns number, value (values_0, values_1, ... for several
        objectives), datetime_start, datetime_complete, duration, params_NAME, user_attrs_NAME,
        state (COMPLETE, PRUNED, FAIL, RUNNING, WAITING: enqueued, not taken yet), nested
        columns sorted by name; multi_index=True keeps them as (params, NAME) pairs. attrs:
        which of them (also TrialRecord's intermediate_values, metrics, reason, feasible;
        system_attrs: Trial.set_system_attr's). A value is missing (NaN, or None when no
        trial has one) where the record's is None, as in Optuna's; a parameter a trial
        does not have (inactive) is NaN. No trial: an empty DataFrame. Needs pandas (Debian:
        python3-pandas): ImportError otherwise."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Study.trials_dataframe needs pandas, which is not importable "
                              "(%s); on Debian: apt-get install python3-pandas" % e) from None
        attrs = tuple(attrs)
        known = set(self._DF_ATTRS) | {"values", "intermediate_values", "metrics", "reason",
                                       "feasible"}
        unknown = [a for a in attrs if a not in known]
        if unknown:
            raise ValueError("trials_dataframe: unknown attribute %r; known: %s"
                             % (unknown[0], ", ".join(sorted(known))))
        trials = self.trials
        if not trials:
            return pd.DataFrame()
        if self._nobj >= 2:
            attrs = tuple("values" if a == "value" else a for a in attrs)
        records, cols = [], {}
        for r in trials:
            rec = {}
            for a in attrs:
                if a == "state":
                    v = self._DF_STATES[r.state]
                elif a == "values":
                    v = list(r.values) if r.state == "complete" else [None] * max(self._nobj, 1)
                elif a == "system_attrs":
                    v = r.system_attrs
                else:
                    v = getattr(r, a)
                if a == "value" and r.state not in ("complete", "pruned"):
                    v = None
                if isinstance(v, dict):
                    items = v.items()
                elif isinstance(v, list):
                    items = enumerate(v)
                else:
                    items = [("", v)]
                for k, x in items:
                    rec[(a, k)] = x
                    cols.setdefault(a, set()).add((a, k))
            records.append(rec)
        columns = sum((sorted(cols[a], key=lambda c: (str(type(c[1])), c[1])) for a in attrs
                       if a in cols), [])
        df = pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))
        if not multi_index:
            df.columns = ["_".join(str(c) for c in col if c != "") for col in columns]
        return df

    @property
    def best_params(self):
        return self.best_trial.params

    # -- running an objective --------------------------------------------------------------------

    def _tell_ask(self, trial, value):
        """Tells trial's value (one objective) and asks the next trial in one step
        (gpbo_study_tell_ask: on a stored study with a strategy without a model, one
        transaction and one commit instead of two). Returns the next Trial, or None when the
        strategy is exhausted; raises as tell() does when the tell fails (a trial the ask took
        meanwhile, when the trial was told elsewhere, is told failed: it never runs), as ask()
        when the ask does."""
        n = len(self._items)
        values = (C.c_double * max(n, 1))()
        # what the library writes (only when it asks a trial): a KeyboardInterrupt raised as
        # its call returns still finds the trial asked
        tid, ask_rc = _SZ(_NOT_FOUND), C.c_int(1)
        names, vals = self._metrics_arrays(trial.metrics)
        with self._lock:
            h = self._handle()
            try:
                if names is not None:
                    check(_s.gpbo_study_set_metrics(h, trial.id, len(vals), names, vals))
                rc = _s.gpbo_study_tell_ask(h, trial.id, value, _NOT_FOUND, C.byref(tid),
                                            values, C.byref(ask_rc))
                if rc == 0:
                    self._running.pop(trial.id, None)
                if rc == 0 and ask_rc.value == 0:  # told, asked
                    nxt = Trial(self, tid.value, self._params(values))
                    self._running[nxt.id] = nxt
                check(rc)  # told elsewhere (the objective told it): raised, nxt never runs
            except BaseException as e:
                if ask_rc.value == 0 and tid.value != _NOT_FOUND and \
                        tid.value not in self._running:
                    self._fail_unrun(h, tid.value, e)
                raise
            if ask_rc.value == _EXHAUSTED:
                return None
            check(ask_rc.value)
        return nxt

    def _run_chain(self, f, more, pass_trial, catch):
        """optimize() for one thread, one objective, no pruner and no callbacks: as _run_one
        while more() says so, but a value's tell and the next ask are one step (_tell_ask), the
        last trial's tell alone (no trial is asked that would not run)."""
        trial = None
        try:
            while trial is not None or more():
                if trial is None:
                    try:
                        trial = self.ask()
                    except _lib.ExhaustedError:
                        return
                value = self._evaluate(f, trial, pass_trial, catch)
                if value is None:
                    trial = None
                elif trial._dists is not None or not more():  # a first trial makes the study
                    self.tell(trial, value)
                    trial = None
                else:
                    trial = self._tell_ask(trial, value)
                    if trial is None:
                        return
        except BaseException as e:  # Ctrl-C outside the objective: no trial left running
            if trial is not None:
                self._fail_left(trial, e)
            raise

    def _evaluate(self, f, trial, pass_trial, catch):
        """f on trial: its value to tell, or None when the trial was ended here (pruned, or
        failed by an exception of a class in `catch`); any other exception fails the trial and
        is raised."""
        try:
            value = f(trial if pass_trial else trial.params)
            if value is None:  # float(None)'s message would blame gpbo
                raise TypeError("the objective returned None, not a number (no return?)")
            return self._told_values(value)
        except TrialPruned:
            self.tell(trial, pruned=True)
        except BaseException as e:
            if _optuna_pruned(e):
                self.tell(trial, pruned=True)
                return None
            if not pass_trial and isinstance(e, AttributeError) and \
                    "'dict' object has no attribute 'suggest_" in str(e):
                # an Optuna objective given the params: every trial would fail the same way
                e = TypeError("the objective calls trial.suggest_*, but study %r was given a "
                              "space, so optimize hands the objective the params dict: give "
                              "optimize(..., pass_trial=True)" % self.name)
                self.tell(trial, failed="TypeError: %s" % e)
                raise e from None
            self.tell(trial, failed=("%s: %s" % (type(e).__name__, e)).rstrip(": "))
            if not isinstance(e, catch) or isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            if trial._space_refusal is not None:
                # the objective's parameters do not fit the fixed space (a conditional
                # parameter found after the first trial, bounds that change): every trial
                # taking that branch would fail, silently under the default catch, and the
                # search would never see it (Optuna's space varies, its objective runs)
                raise ValueError("study %r: optimize stops, whatever catch= takes: %s"
                                 % (self.name, trial._space_refusal)) from e
            self._check_refused_again(trial, e)
        return None

    def _check_refused_again(self, trial, e):
        """Raises when first trial `trial`, dropped at a refused suggest_* call (not at an
        enqueued value), was refused as the first trial before it: a define-by-run objective
        whose suggest_* the library refuses makes every trial a dropped first trial, and
        optimize ran on recording nothing (without n_trials or timeout, for ever). Optuna
        raises at the first one (its catch is empty by default); a refusal seen once (an
        objective whose first call differs) lets optimize go on."""
        refused = trial._refused if trial._dropped and not trial._refused_fixed else None
        with self._lock:
            again = refused is not None and refused == self._last_refusal
            self._last_refusal = refused
        if again:
            raise ValueError("study %r: its first trial was refused twice in a row at the same "
                             "suggest_* call (%s), so no trial can make its space and "
                             "nothing is recorded; optimize stops (fix the call)"
                             % (self.name, refused)) from e

    def _run_one(self, f, pass_trial, catch, done):
        """Asks, evaluates f and tells, then done(trial_id) (not after an exception that stops
        optimize); False when the strategy is exhausted."""
        try:
            trial = self.ask()
        except _lib.ExhaustedError:
            return False
        try:
            value = self._evaluate(f, trial, pass_trial, catch)
            if value is not None:
                self.tell(trial, value)
        except BaseException as e:  # Ctrl-C outside the objective: no trial left running
            self._fail_left(trial, e)
            raise
        if not trial._dropped:  # a first trial that made no study is not recorded
            done(trial.id)
        return True

    def optimize(self, f=_MISSING, n_trials=None, *args, func=_MISSING, n_jobs=1,
                 catch=(Exception,), pass_trial=None, timeout=None, callbacks=None,
                 gc_after_trial=False, show_progress_bar=False):
        """Runs n_trials more trials: ask, f(params) -> float, tell. An exception of a class in
        `catch` fails its trial with its message and the study goes on; any other stops it
        (the trial is told failed first). TrialPruned ends a trial as pruned. With
        pass_trial=True, f receives the Trial (params, report, should_prune) instead of the
        params. Everything after n_trials is given by keyword (a third positional argument,
        Optuna's timeout, is TypeError). n_jobs threads (-1: one a CPU, as in Optuna) ask and
        evaluate at once; a
        KeyboardInterrupt in the calling thread (Ctrl-C) stops them starting new trials and is
        raised at once (the trials running finish and are told in their threads, also when
        the KeyboardInterrupt ends the program: it exits once they are told). Stops early
        when the strategy is exhausted. timeout: seconds after which no new trial starts (the
        ones running finish), as Optuna's; n_trials None: no limit but the timeout (neither:
        until the strategy is exhausted or Ctrl-C). callbacks: functions called as cb(study,
        record) after each trial ends, record its TrialRecord (Optuna's callbacks, which get
        its FrozenTrial), in the thread that ran it; an exception of a callback stops
        optimize. gc_after_trial: a full garbage collection after each objective call, as
        Optuna's. show_progress_bar: Optuna's tqdm bar on stderr (trials of n_trials, else
        seconds of the timeout; neither: no bar), with the best trial so far; ImportError
        without tqdm. Returns self. With one thread (one objective, no pruner, no callback, no
        bar) each value's tell and the next ask are one step: on a stored study with a strategy
        without a model (random, grid, sobol) one transaction a trial instead of two.

        pass_trial=None (the default): the Trial when the Study was opened with space=None
        (define-by-run: f calls trial.suggest_*, as an Optuna objective), the params when it
        was given a space. A define-by-run study's first trial makes its space: the other
        threads wait until it is told."""
        if func is not _MISSING:  # Optuna's name: optimize(func=objective, n_trials=...)
            if f is not _MISSING:
                raise TypeError("optimize takes the objective as f or func (Optuna's name), "
                                "not both")
            f = func
        if f is _MISSING:
            raise TypeError("optimize() needs the objective: optimize(f, n_trials, ...)")
        if id(self) in _optimizing():  # from its objective or a callback, as Optuna's
            raise RuntimeError(_NESTED)
        if args:
            # Optuna's third is timeout, gpbo's was n_jobs: optimize(f, 100, 600) meant 600
            # seconds and ran 600 threads
            raise TypeError("optimize(f, n_trials, ...) takes the rest by keyword: a third "
                            "positional argument (%r) is Optuna's timeout, which gpbo took as "
                            "n_jobs; give timeout=... or n_jobs=..." % (args[0],))
        if pass_trial is None:
            pass_trial = self._define_by_run
        # a class or an iterable of them (a set, as Optuna takes): checked before any trial
        given = catch
        if isinstance(catch, (type, str)) or not hasattr(catch, "__iter__"):
            catch = (catch,)
        catch = tuple(catch)
        if not all(isinstance(c, type) and issubclass(c, BaseException) for c in catch):
            raise TypeError("catch must be an exception class or a list of them, not %r"
                            % (given,))
        if n_jobs == -1:  # Optuna's (and joblib's) "as many as CPUs"
            n_jobs = os.cpu_count() or 1
        if not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
            raise ValueError("n_jobs must be an integer >= 1, or -1 for one a CPU, not %r"
                             % (n_jobs,))
        if n_trials is not None and (not isinstance(n_trials, numbers.Integral)
                                     or isinstance(n_trials, bool) or n_trials < 0):
            raise ValueError("n_trials must be an integer >= 0 or None, not %r" % (n_trials,))
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(
                timeout, numbers.Real) or not timeout > 0 or not math.isfinite(timeout)):
            raise ValueError("timeout must be a number of seconds > 0 or None, not %r"
                             % (timeout,))
        callbacks = list(callbacks or ())
        for cb in callbacks:
            if not callable(cb):
                raise TypeError("callbacks must be functions cb(study, record), not %r" % (cb,))
        if gc_after_trial:  # Optuna's: a collection after each trial (cycles PyTorch leaves)
            f = _gc_after(f)
        # an objective or callback running in any thread of this optimize marks the study
        f = _in_optimize(self, f)
        callbacks = [_in_optimize(self, cb) for cb in callbacks]
        bar = _progress_bar(self, n_trials, timeout) if show_progress_bar else None
        if bar is not None:
            callbacks.append(bar.update)
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        lock, errors, stop = threading.Lock(), [], threading.Event()
        left = [math.inf if n_trials is None else int(n_trials)]

        def more():
            """Takes one trial of the budget when another may start."""
            with lock:
                if left[0] <= 0 or errors or stop.is_set() or \
                        (deadline and time.monotonic() >= deadline):
                    return False
                left[0] -= 1
                return True

        def done(trial_id):
            if callbacks:
                record = self._record_of(trial_id)
                for cb in callbacks:
                    cb(self, record)

        def worker():
            # a first trial running in another thread: wait for it before taking a trial of
            # the budget, so that the timeout and Ctrl-C are judged once it is told
            while True:
                self._await_first()
                if not more():
                    return
                try:
                    if not self._run_one(f, pass_trial, catch, done):
                        return
                except BaseException as e:
                    with lock:
                        errors.append(e)
                    return

        with self._lock:
            self._stops.append(stop)
        try:
            self._optimize(f, n_jobs, pass_trial, catch, callbacks, more, worker, lock, left,
                           errors)
        finally:
            with self._lock:
                self._stops.remove(stop)
            if bar is not None:
                bar.close()
        return self

    def stop(self):
        """Ends the optimize() running (every one of this Study, in every thread) once the
        trials running finish: no other trial starts, and optimize returns. For an objective
        or a callback of optimize, as Optuna's Study.stop; RuntimeError when no optimize of
        this Study is running."""
        with self._lock:
            if not self._stops:
                raise RuntimeError("Study.stop ends a running optimize: call it from its "
                                   "objective or a callback (as Optuna's); study %r runs none"
                                   % self.name)
            for ev in self._stops:
                ev.set()

    def _optimize(self, f, n_jobs, pass_trial, catch, callbacks, more, worker, lock, left,
                  errors):
        """optimize()'s run, its arguments checked."""
        # the chain asks the next trial before a callback sees the last one: a callback that
        # raised would leave that trial running
        if n_jobs == 1 and self._nobj < 2 and not self._pruner and not callbacks:
            self._run_chain(f, more, pass_trial, catch)
            return
        if n_jobs == 1:
            worker()
        else:
            # not daemons: a Ctrl-C that ends the program (raised here at once) leaves the
            # interpreter to join them, so the trials running finish and are told, as under
            # Optuna's thread pool; daemons were killed at exit, their trials left RUNNING
            # in the storage
            ended = [threading.Event() for _ in range(n_jobs)]

            def run(ev):
                try:
                    worker()
                finally:
                    ev.set()

            threads = [threading.Thread(target=run, args=(ev,)) for ev in ended]
            try:
                for t in threads:
                    t.start()
                for ev in ended:
                    # in short waits: a SIGINT the kernel gave another thread wakes no blocked
                    # wait, and Python runs its handler here only when this thread runs again.
                    # Not Thread.join: Python 3.11's, interrupted, takes a running thread for
                    # ended (it releases the thread's state lock: bpo-45274), so the
                    # interpreter's exit did not wait for it and closed the study under it
                    while not ev.wait(0.1):
                        pass
            except BaseException:  # Ctrl-C in this thread: the workers start no new trial
                with lock:
                    left[0] = 0
                raise
            for t in threads:
                t.join()
        if errors:
            raise errors[0]

    def _not_copied(self, what):
        """Refuses a copy or a pickle: a Study owns a library handle that only it may close
        (copy.copy shared it, so the copy's close or the original's collection freed it under
        the other: a segfault at its next call)."""
        how = ("open the study again by its storage and name: gpbo.Study(storage=%r, name=%r)"
               % (self.storage, self.name)) if self._storage_b is not None and \
            not self._storage_b.endswith(b":memory:") else \
            ("an in-memory study lives in its process only: give it a storage "
             "(gpbo.Study(..., storage='sqlite:///study.db', name=...)) and open it again by "
             "its storage and name")
        raise TypeError("a gpbo.Study cannot be %s (it holds the library's study handle); %s"
                        % (what, how))

    def __copy__(self):
        self._not_copied("copied")

    def __deepcopy__(self, memo):
        self._not_copied("copied")

    def __reduce_ex__(self, protocol):
        self._not_copied("pickled")

    def __repr__(self):
        return "Study(name=%r, storage=%r, direction=%r)" % (self.name, self.storage,
                                                             self.direction)


def _suggest_call(name, d):
    """The suggest_* call (a function of the trial) that declares distribution d, Optuna's or
    gpbo's (ask's fixed_distributions); TypeError for anything else."""
    kind = type(d).__name__ if type(d).__module__.startswith("optuna") else None
    a = getattr(d, "__dict__", {})
    if kind == "FloatDistribution":
        return lambda t: t.suggest_float(name, a["low"], a["high"], step=a["step"], log=a["log"])
    if kind == "IntDistribution":
        return lambda t: t.suggest_int(name, a["low"], a["high"], step=a["step"], log=a["log"])
    if kind == "CategoricalDistribution":
        return lambda t: t.suggest_categorical(name, list(a["choices"]))
    if kind in ("UniformDistribution", "LogUniformDistribution"):  # Optuna 2's
        return lambda t: t.suggest_float(name, a["low"], a["high"],
                                         log=kind == "LogUniformDistribution")
    if kind == "DiscreteUniformDistribution":
        return lambda t: t.suggest_float(name, a["low"], a["high"], step=a["q"])
    if kind in ("IntUniformDistribution", "IntLogUniformDistribution"):
        return lambda t: t.suggest_int(name, a["low"], a["high"], step=a.get("step", 1),
                                       log=kind == "IntLogUniformDistribution")
    if isinstance(d, _space.Uniform) and d.when is None:
        return lambda t: t.suggest_float(name, d.lo, d.hi, step=d.step, log=d.log)
    if isinstance(d, _space.Int) and d.when is None:
        return lambda t: t.suggest_int(name, d.lo, d.hi, step=d.step, log=d.log)
    if isinstance(d, _space.Categorical) and d.when is None:
        return lambda t: t.suggest_categorical(name, d.choices)
    raise TypeError("fixed_distributions: %r is %r, not a distribution (Optuna's "
                    "FloatDistribution, IntDistribution, CategoricalDistribution, or gpbo's "
                    "Uniform, LogUniform, Int, Categorical without when=)" % (name, d))


def _gc_after(f):
    """f, then a full garbage collection, whatever f did (optimize's gc_after_trial)."""
    import gc

    def run(arg):
        try:
            return f(arg)
        finally:
            gc.collect()
    return run


class _ProgressBar:
    """optimize's show_progress_bar, as Optuna draws it with tqdm: trials done of n_trials (or
    seconds of the timeout when only it is given), the best trial and value so far."""

    def __init__(self, tqdm, n_trials, timeout):
        self.n_trials, self.timeout, self.t0, self.shown = n_trials, timeout, time.monotonic(), 0.0
        if n_trials is not None:
            self.bar = tqdm(total=n_trials)
        else:
            fmt = "{desc} {percentage:3.0f}%|{bar}| {elapsed}/" + tqdm.format_interval(timeout)
            self.bar = tqdm(total=timeout, bar_format=fmt)

    def update(self, study, record):
        if study._nobj < 2:
            try:
                best = study.best_trial
                self.bar.set_description("Best trial: %d. Best value: %.6g"
                                         % (best.number, best.value))
            except ValueError:  # no complete trial yet
                pass
        if self.n_trials is not None:
            self.bar.update(1)
        else:
            elapsed = min(time.monotonic() - self.t0, self.timeout)
            self.bar.update(elapsed - self.shown)
            self.shown = elapsed

    def close(self):
        self.bar.close()


def _progress_bar(study, n_trials, timeout):
    """optimize's progress bar, or None when it has no end to show (neither n_trials nor
    timeout: as Optuna, no bar). ImportError naming Debian's package without tqdm."""
    if n_trials is None and timeout is None:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as e:
        raise ImportError("optimize(show_progress_bar=True) draws with tqdm, which is not "
                          "importable (%s); on Debian: apt-get install python3-tqdm" % e) \
            from None
    return _ProgressBar(tqdm, n_trials, timeout)


def minimize(f, space, n_trials=50, **kw):
    """Minimizes f(params) over space in an in-memory (or stored, storage=...) study of
    n_trials trials; returns the study (``.best_params``, ``.best_value``, ``.trials``).
    Other keywords go to Study (strategy, seed, storage, name, pruner, constraints, options) and
    to Study.optimize (n_jobs, catch, pass_trial, timeout, callbacks, gc_after_trial,
    show_progress_bar: every keyword it takes)."""
    if "direction" in kw or "objectives" in kw:
        raise TypeError("minimize() minimizes one objective: give Study(space, direction=...) "
                        "or Study(space, objectives=...) and call its optimize()")
    # optimize's own keywords, read from its signature: timeout= and callbacks= went to Study,
    # which refused them as unknown study options, once optimize had learnt them
    own = [p.name for p in inspect.signature(Study.optimize).parameters.values()
           if p.kind == p.KEYWORD_ONLY]
    run = {k: kw.pop(k) for k in own if k in kw}
    study = Study(space, direction="minimize", **kw)
    return study.optimize(f, n_trials, **run)


# -- Optuna's module-level study functions ---------------------------------------------------------

class DuplicatedStudyError(ValueError):
    """create_study of a name the storage holds already, without load_if_exists=True (Optuna's
    optuna.exceptions.DuplicatedStudyError, with its message)."""


def _storage_url(storage, what):
    if storage is None or storage == ":memory:":
        raise ValueError("%s needs a storage (a URL or a path): an in-memory study lives in its "
                         "Study object only" % what)
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError("storage is a URL or a path (sqlite:///study.db, "
                        "postgresql://user@host/db), not %r" % (storage,))
    return os.fsencode(storage)


def get_all_study_names(storage):
    """The names of the studies stored at storage, in the order they were created (Optuna's
    get_all_study_names); [] when an SQLite file does not exist (nothing is created). A study
    made with space=None is stored once its first trial is told. gpbo_study_list."""
    names, n = C.POINTER(C.c_char_p)(), _SZ()
    rc = _s.gpbo_study_list(_storage_url(storage, "get_all_study_names"), C.byref(names),
                            C.byref(n))
    if rc == _NOT_FOUND_RC:
        return []
    check(rc)
    try:
        return [names[k].decode("utf-8", "replace") for k in range(n.value)]
    finally:
        _lib.library("base").gpbo_free(names)


def delete_study(*, study_name, storage):
    """Optuna's optuna.delete_study: the stored study study_name leaves storage with all its
    trials, in one transaction (gpbo_study_delete); its name is then free for a new study.
    KeyError when the storage does not hold it (an SQLite file that does not exist included:
    nothing is created), as Optuna's. A Study still open on it stores nothing more (its next
    ask or tell raises); trial folders a command made are not the storage's (`gpbo delete`
    moves them aside). Returns None."""
    n = _SZ()
    rc = _s.gpbo_study_delete(_storage_url(storage, "delete_study"),
                              str(study_name).encode(), C.byref(n))
    if rc == _NOT_FOUND_RC:
        raise KeyError("Record does not exist: %s" % _lib.last_error())
    check(rc)


class StudySummary:
    """One stored study as get_all_study_summaries gives it (Optuna's StudySummary):
    study_name, direction and directions (strings), n_trials, best_trial (a TrialRecord, None
    when no complete trial or with include_best_trial=False; None for several objectives, as
    Optuna's), user_attrs, system_attrs, datetime_start (its first trial's start, None with
    no trial)."""

    __slots__ = ("study_name", "direction", "directions", "n_trials", "best_trial",
                 "user_attrs", "system_attrs", "datetime_start")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw[k])

    def __repr__(self):
        return "StudySummary(study_name=%r, n_trials=%d)" % (self.study_name, self.n_trials)


def get_all_study_summaries(storage, include_best_trial=True):
    """A StudySummary of each study stored at storage, in the order they were created (Optuna's
    get_all_study_summaries). Each study is opened, read and closed."""
    out = []
    for name in get_all_study_names(storage):
        with Study(storage=storage, name=name) as st:
            trials = st.trials
            best = None
            if include_best_trial and st._nobj < 2:
                try:
                    best = st.best_trial
                except ValueError:  # no complete (feasible) trial
                    best = None
            starts = [t.datetime_start for t in trials if t.datetime_start is not None]
            out.append(StudySummary(study_name=name, direction=st.direction,
                                    directions=st.directions, n_trials=len(trials),
                                    best_trial=best, user_attrs=st.user_attrs,
                                    system_attrs=_split_attrs(st._all_attrs())[1],
                                    datetime_start=min(starts) if starts else None))
    return out


def create_study(*, storage=None, sampler=None, pruner=None, study_name=None, direction=None,
                 load_if_exists=False, directions=None, **kw):
    """Optuna's optuna.create_study: a new Study. With a storage, a study_name it holds already
    is DuplicatedStudyError unless load_if_exists=True (then it is opened, as gpbo.Study always
    opens it); no study_name is a new name, "no-name-" and a UUID, as Optuna's, so each call
    makes a new study. sampler: gpbo has no Optuna samplers (TypeError naming strategy= and
    seed=); gpbo's own keywords (space, strategy, seed, objectives, constraints, options) go to
    Study."""
    if sampler is not None:
        raise TypeError("create_study(sampler=...): gpbo has no Optuna samplers; give "
                        "strategy= ('bayes', 'random', 'sobol', 'lhs', 'grid') and seed=")
    if study_name is None:
        import uuid

        study_name = "no-name-%s" % uuid.uuid4()
    elif storage is not None and storage != ":memory:" and not load_if_exists and \
            str(study_name) in get_all_study_names(storage):
        raise DuplicatedStudyError(
            "Another study with name %r already exists. Please specify a different name, or "
            "reuse the existing one by setting `load_if_exists`." % (study_name,))
    return Study(storage=storage, name=study_name, direction=direction, directions=directions,
                 pruner=pruner, **kw)


def load_study(*, study_name, storage, sampler=None, pruner=None, **kw):
    """Optuna's optuna.load_study: the stored study study_name; KeyError when the storage
    does not hold it (gpbo.Study(storage=, name=) would start a new study of that name), as
    Optuna's "Record does not exist."; study_name None: the storage's one study (ValueError
    when it holds another number of them). sampler as create_study's."""
    if sampler is not None:
        raise TypeError("load_study(sampler=...): gpbo has no Optuna samplers; a stored study "
                        "keeps the strategy it was made with")
    names = get_all_study_names(storage)
    if study_name is None:
        if len(names) != 1:
            raise ValueError("Could not determine the study name since the storage %s does not "
                             "contain exactly 1 study. Specify `study_name`." % (storage,))
        study_name = names[0]
    if str(study_name) not in names:
        raise KeyError("Record does not exist: no study %r in %s" % (study_name, storage))
    return Study(storage=storage, name=study_name, pruner=pruner, **kw)


def copy_study(*, from_study_name, from_storage, to_storage, to_study_name=None):
    """Optuna's optuna.copy_study: a new study to_study_name (from_study_name by default) at
    to_storage, made with the stored study's space and options (direction or objectives,
    constraints, strategy, seed: gpbo_study_get_options'), its study attributes, and its
    complete, failed and pruned trials (add_trials: parameters, values, intermediate values,
    metrics, user attributes; running and waiting ones are left out, and the copies are
    numbered from 0). KeyError when from_storage does not hold from_study_name,
    DuplicatedStudyError when to_storage holds to_study_name already. Returns None, as
    Optuna's. `gpbo export | gpbo import` copies a study on the command line."""
    name = from_study_name if to_study_name is None else to_study_name
    dst_b = _storage_url(to_storage, "copy_study")
    with load_study(study_name=from_study_name, storage=from_storage) as src:
        if str(name) in get_all_study_names(to_storage):
            raise DuplicatedStudyError(
                "Another study with name %r already exists. Please specify a different name, "
                "or reuse the existing one by setting `load_if_exists`." % (name,))
        cspace = _CSpace(src._items)
        h = _s.gpbo_study_open(dst_b, str(name).encode(), cspace.h,
                               _s.gpbo_study_get_options(src._handle()))
        check_ptr(h)
        try:
            for key, value in src._all_attrs().items():  # gpbo's own (choices) included
                check(_s.gpbo_study_set_attr(h, key.encode(), json.dumps(value).encode()))
        finally:
            _s.gpbo_study_close(h)
        with Study(storage=to_storage, name=name) as dst:
            dst.add_trials(src.trials)
