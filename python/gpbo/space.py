"""Search spaces: a dict name -> Uniform, LogUniform, Int, Categorical or Constant.

These are plain descriptions; gpbo.Study turns them into the C library's gpbo_space (in the
dict's order), which stores them with the study, so a study made here is the one `gpbo trials`
reads. Categorical choices may be any Python values with distinct str() forms: the library
stores their str(), and trials made in this process give back the objects themselves; a study
reopened without its space gives back the strings. A Constant that is not a number is stored
as a categorical of one choice (the library's constants are numbers).
"""
import math
import numbers

__all__ = ["Uniform", "LogUniform", "Int", "Categorical", "Constant"]


class _Param:
    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))


def _finite(x, what):
    if not isinstance(x, numbers.Real) or isinstance(x, bool) or not math.isfinite(x):
        raise ValueError("%s must be a finite number, not %r" % (what, x))
    return float(x)


class Uniform(_Param):
    """A float drawn in [lo, hi] on a linear scale."""

    log = False

    def __init__(self, lo, hi):
        self.lo, self.hi = _finite(lo, "lo"), _finite(hi, "hi")
        if self.lo > self.hi:
            raise ValueError("Uniform: lo %r is above hi %r" % (lo, hi))

    def __repr__(self):
        return "%s(%r, %r)" % (type(self).__name__, self.lo, self.hi)


class LogUniform(Uniform):
    """A float in [lo, hi], 0 < lo, on a log scale."""

    log = True

    def __init__(self, lo, hi):
        super().__init__(lo, hi)
        if self.lo <= 0:
            raise ValueError("LogUniform: lo must be > 0, not %r" % (lo,))


class Int(_Param):
    """An integer in [lo, hi] (both included), on a log scale when log=True (lo >= 1)."""

    def __init__(self, lo, hi, log=False):
        for v, what in ((lo, "lo"), (hi, "hi")):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise ValueError("Int: %s must be an integer, not %r" % (what, v))
        self.lo, self.hi, self.log = int(lo), int(hi), bool(log)
        if self.lo > self.hi:
            raise ValueError("Int: lo %r is above hi %r" % (lo, hi))
        if self.log and self.lo < 1:
            raise ValueError("Int: log=True needs lo >= 1, not %r" % (lo,))

    def __repr__(self):
        return "Int(%r, %r%s)" % (self.lo, self.hi, ", log=True" if self.log else "")


class Categorical(_Param):
    """One of a list of choices (any values with distinct str() forms)."""

    def __init__(self, choices):
        self.choices = list(choices)
        if not self.choices:
            raise ValueError("Categorical: the list of choices is empty")
        names = [str(c) for c in self.choices]
        if len(set(names)) != len(names):
            raise ValueError("Categorical: choices must have distinct str() forms: %r" % names)

    def __repr__(self):
        return "Categorical(%r)" % (self.choices,)


class Constant(_Param):
    """A fixed value: it takes no coordinate of the search, and every trial gets it."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "Constant(%r)" % (self.value,)


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
    return items
