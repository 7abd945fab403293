"""Search spaces: a dict name -> Uniform, LogUniform, Int, Categorical or Constant.

These are plain descriptions; gpbo.Study turns them into the C library's gpbo_space (in the
dict's order), which stores them with the study, so a study made here is the one `gpbo trials`
reads. Categorical choices may be any Python values with distinct str() forms: the library
stores their str(), and trials made in this process give back the objects themselves; a study
reopened without its space gives back the strings. A Constant that is not a number is stored
as a categorical of one choice (the library's constants are numbers).

Uniform(lo, hi, step=q) and Int(lo, hi, step=s) are stepped (Optuna's suggest_float(step=) and
suggest_int(step=)): values lo + k * step only, hi moved down to the last of them.

Conditional parameters: every kind takes ``when={"parent": value}`` or
``when={"parent": [v1, v2]}`` — active only while the parent (a Categorical or an Int, itself
possibly conditional) is active and takes one of those values. An inactive parameter is left out
of a trial's params (and is NaN in the library, null in `gpbo export`).
"""
import math
import numbers

__all__ = ["Uniform", "LogUniform", "Int", "Categorical", "Constant"]


class _Param:
    when = None

    def _set_when(self, when):
        if when is None:
            return
        if not isinstance(when, dict) or len(when) != 1:
            raise ValueError("when is a dict of one parent name -> a value or a list of values, "
                             "not %r" % (when,))
        (parent, vals), = when.items()
        if not isinstance(parent, str) or not parent:
            raise ValueError("when: the parent is a parameter name, not %r" % (parent,))
        vals = list(vals) if isinstance(vals, (list, tuple)) else [vals]
        if not vals:
            raise ValueError("when: the list of values of %r is empty" % (parent,))
        self.when = {parent: vals}

    def _when_repr(self):
        return "" if self.when is None else ", when=%r" % (self.when,)

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))


def _finite(x, what):
    if not isinstance(x, numbers.Real) or isinstance(x, bool) or not math.isfinite(x):
        raise ValueError("%s must be a finite number, not %r" % (what, x))
    return float(x)


def stepped_hi(lo, hi, step):
    """The last point lo + K * step of a stepped float's grid, K = floor((hi - lo) / step), as
    the library computes it (gpbo_space_add_float_step): hi itself when it is that point within
    rounding (0.7 from 0 in steps of 0.1), else lo + K * step (Optuna 3.1 moves high down so
    too, in decimal: 0.9 where this gives 0.8999999999999999 for 0..1 in steps of 0.3)."""
    r = (hi - lo) / step
    k = round(r)
    if abs(r - k) > 1e-9 * max(k, 1):
        return lo + math.floor(r) * step
    return hi


class Uniform(_Param):
    """A float drawn in [lo, hi] on a linear scale; with step (Optuna's suggest_float(step=)),
    one of lo, lo + step, ..., hi being moved down to the last of them (stepped_hi)."""

    log = False

    def __init__(self, lo, hi, when=None, step=None):
        self.lo, self.hi = _finite(lo, "lo"), _finite(hi, "hi")
        if self.lo > self.hi:
            raise ValueError("Uniform: lo %r is above hi %r" % (lo, hi))
        self.step = None
        if step is not None:
            if self.log:
                raise ValueError("LogUniform: a step is not supported on a log scale")
            self.step = _finite(step, "step")
            if self.step <= 0:
                raise ValueError("Uniform: step must be > 0, not %r" % (step,))
            if (self.hi - self.lo) / self.step > 9e15:
                raise ValueError("Uniform: more than 9e15 steps of %r from %r to %r"
                                 % (step, lo, hi))
            self.hi = stepped_hi(self.lo, self.hi, self.step)
        self._set_when(when)

    def __repr__(self):
        return "%s(%r, %r%s%s)" % (type(self).__name__, self.lo, self.hi,
                                   "" if self.step is None else ", step=%r" % self.step,
                                   self._when_repr())


class LogUniform(Uniform):
    """A float in [lo, hi], 0 < lo, on a log scale."""

    log = True

    def __init__(self, lo, hi, when=None):
        super().__init__(lo, hi, when)
        if self.lo <= 0:
            raise ValueError("LogUniform: lo must be > 0, not %r" % (lo,))


class Int(_Param):
    """An integer in [lo, hi] (both included), on a log scale when log=True (lo >= 1); with
    step > 1 (Optuna's suggest_int(step=)), one of lo, lo + step, ..., hi being moved down to
    the last of them."""

    def __init__(self, lo, hi, log=False, when=None, step=1):
        for v, what in ((lo, "lo"), (hi, "hi"), (step, "step")):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise ValueError("Int: %s must be an integer, not %r" % (what, v))
        self.lo, self.hi, self.log, self.step = int(lo), int(hi), bool(log), int(step)
        if self.lo > self.hi:
            raise ValueError("Int: lo %r is above hi %r" % (lo, hi))
        if self.log and self.lo < 1:
            raise ValueError("Int: log=True needs lo >= 1, not %r" % (lo,))
        if self.step < 1:
            raise ValueError("Int: step must be >= 1, not %r" % (step,))
        if self.log and self.step != 1:
            raise ValueError("Int: a step is not supported with log=True")
        self.hi -= (self.hi - self.lo) % self.step
        self._set_when(when)

    def __repr__(self):
        return "Int(%r, %r%s%s%s)" % (self.lo, self.hi, ", log=True" if self.log else "",
                                      ", step=%d" % self.step if self.step != 1 else "",
                                      self._when_repr())


class Categorical(_Param):
    """One of a list of choices (any values with distinct str() forms)."""

    def __init__(self, choices, when=None):
        self._set_when(when)
        self.choices = list(choices)
        if not self.choices:
            raise ValueError("Categorical: the list of choices is empty")
        names = [str(c) for c in self.choices]
        if len(set(names)) != len(names):
            raise ValueError("Categorical: choices must have distinct str() forms: %r" % names)

    def __repr__(self):
        return "Categorical(%r%s)" % (self.choices, self._when_repr())


class Constant(_Param):
    """A fixed value: it takes no coordinate of the search, and every trial gets it."""

    def __init__(self, value, when=None):
        self.value = value
        self._set_when(when)

    def __repr__(self):
        return "Constant(%r%s)" % (self.value, self._when_repr())


def check_space(space):
    """The space as a list of (name, param), validated."""
    if not isinstance(space, dict) or not space:
        raise ValueError("a space is a non-empty dict name -> Uniform, LogUniform, Int, "
                         "Categorical or Constant")
    items = []
    for name, p in space.items():
        if not isinstance(name, str) or not name:
            raise ValueError("parameter names must be non-empty strings, not %r" % (name,))
        if not isinstance(p, _Param):
            raise ValueError("parameter %r: %r is not a Uniform, LogUniform, Int, Categorical or "
                             "Constant" % (name, p))
        items.append((name, p))
    names = dict(items)
    for name, p in items:
        if p.when is None:
            continue
        (parent, vals), = p.when.items()
        q = names.get(parent)
        if not isinstance(q, (Categorical, Int)):
            raise ValueError("parameter %r: when names %r, which is %s" % (
                name, parent, "no parameter" if q is None else "not a Categorical or an Int"))
        for v in vals:
            if isinstance(q, Categorical) and str(v) not in [str(c) for c in q.choices]:
                raise ValueError("parameter %r: %r is not a choice of %r" % (name, v, parent))
            if isinstance(q, Int) and not (isinstance(v, numbers.Integral)
                                           and q.lo <= v <= q.hi and (v - q.lo) % q.step == 0):
                raise ValueError("parameter %r: %r is not a value of %r" % (name, v, parent))
    return items
