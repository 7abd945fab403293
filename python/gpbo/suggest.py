"""Optuna's define-by-run API: the distributions Trial.suggest_float / suggest_int /
suggest_categorical declare, checked as Optuna 3 checks them, compared with a study's space, and
drawn at random for a study's first (discovery) trial.

A declared distribution is one of gpbo's own space parameters (Uniform, LogUniform, Int,
Categorical), so a discovered space is a space like any other. A step (suggest_float(step=),
suggest_int(step=)) is the library's stepped parameter (gpbo_space_add_float_step): values
low + k * step only, high moved down to the last of them as Optuna 3.1 moves it.
"""
import math
import numbers
import sys

from . import space as _space

__all__ = ["float_dist", "int_dist", "categorical_dist", "call_repr", "contradiction", "draw",
           "value_for", "fixed_value"]


def _name(name):
    if not isinstance(name, str):
        raise TypeError("a parameter name is a string, not %r" % (name,))
    if not name:
        raise ValueError("a parameter name must not be empty")
    return name


def _real(x, what):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError("%s must be a number, not %r" % (what, x))
    if not math.isfinite(x):
        raise ValueError("%s must be finite, not %r" % (what, x))
    return float(x)


def _integer(x, what):
    """An integer bound or step: an int, or a float with no fraction (Optuna casts them)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError("%s must be an integer, not %r" % (what, x))
    if isinstance(x, numbers.Integral):
        return int(x)
    if not math.isfinite(x) or x != math.floor(x):
        raise ValueError("%s must be an integer, not %r" % (what, x))
    return int(x)


def float_dist(name, low, high, step, log):
    """suggest_float's distribution (Uniform, stepped with step, or LogUniform); raises as
    Optuna does."""
    _name(name)
    low, high = _real(low, "suggest_float: low"), _real(high, "suggest_float: high")
    if log and step is not None:
        raise ValueError("suggest_float(%r): step is not supported with log=True" % name)
    if low > high:
        raise ValueError("suggest_float(%r): low %r is above high %r" % (name, low, high))
    if log and low <= 0:
        raise ValueError("suggest_float(%r): log=True needs low > 0, not %r" % (name, low))
    if step is not None:
        step = _real(step, "suggest_float: step")
        if step <= 0:
            raise ValueError("suggest_float(%r): step must be > 0, not %r" % (name, step))
    if not math.isfinite(high - low):
        raise ValueError("suggest_float(%r): high - low is beyond a double" % name)
    if log:
        return _space.LogUniform(low, high)
    try:
        return _space.Uniform(low, high, step=step)
    except ValueError as e:  # more steps than the library holds
        raise ValueError("suggest_float(%r): %s" % (name, e)) from None


def int_dist(name, low, high, step, log):
    """suggest_int's distribution (Int, stepped for a step other than 1); raises as Optuna
    does."""
    _name(name)
    low, high = _integer(low, "suggest_int: low"), _integer(high, "suggest_int: high")
    step = _integer(step, "suggest_int: step")
    if log and step != 1:
        raise ValueError("suggest_int(%r): step is not supported with log=True" % name)
    if low > high:
        raise ValueError("suggest_int(%r): low %r is above high %r" % (name, low, high))
    if log and low < 1:
        raise ValueError("suggest_int(%r): log=True needs low >= 1, not %r" % (name, low))
    if step <= 0:
        raise ValueError("suggest_int(%r): step must be > 0, not %r" % (name, step))
    if not -2**63 <= low <= high < 2**63:
        raise ValueError("suggest_int(%r): bounds %d, %d are beyond 64-bit integers"
                         % (name, low, high))
    return _space.Int(low, high, log=log, step=step)


def categorical_dist(name, choices):
    """suggest_categorical's distribution (Categorical)."""
    _name(name)
    if isinstance(choices, (str, bytes)) or not hasattr(choices, "__len__") \
            or not hasattr(choices, "__getitem__"):
        raise TypeError("suggest_categorical(%r): choices is a sequence (a list or a tuple), "
                        "not %r" % (name, choices))
    if len(choices) == 0:
        raise ValueError("suggest_categorical(%r): choices must hold one or more values" % name)
    try:
        return _space.Categorical(list(choices))
    except ValueError as e:  # distinct str(): the library stores them as text
        raise ValueError("suggest_categorical(%r): %s" % (name, e)) from None


def call_repr(name, d):
    """The suggest_* call that declares d, as the user wrote it."""
    if isinstance(d, _space.Categorical):
        return "suggest_categorical(%r, %r)" % (name, d.choices)
    if isinstance(d, _space.Int):
        return "suggest_int(%r, %r, %r%s%s)" % (name, d.lo, d.hi,
                                               ", step=%d" % d.step if d.step != 1 else "",
                                               ", log=True" if d.log else "")
    return "suggest_float(%r, %r, %r%s%s)" % (name, d.lo, d.hi,
                                             ", step=%r" % d.step if d.step is not None else "",
                                             ", log=True" if d.log else "")


def _same_choice(a, b, declared):
    """Whether choice b, declared now, is choice a of the space. A stored space's choices are
    their str() (the library keeps text), so a str a takes any b of that str() unless a was
    declared too (declared: a discovery trial's own earlier call); any other a must also equal b
    (1 and "1", None and "None" are other choices, as Optuna's CategoricalDistribution has
    them; numpy's 16 and 16 are one)."""
    if str(a) != str(b):
        return False
    if isinstance(a, str) and not declared:
        return True
    try:
        return bool(a == b) or (a != a and b != b)  # NaN: equal to itself here
    except Exception:  # objects that do not compare to a truth value (arrays): their str()
        return True


def _params_equal(p, d, declared=False):
    """Whether space parameter p is the distribution d (its condition aside)."""
    if isinstance(p, _space.Constant):  # a declared constant: a distribution of its one value
        if isinstance(d, _space.Categorical):
            return len(d.choices) == 1 and str(d.choices[0]) == str(p.value)
        return d.lo == d.hi and _space_number(p.value) == d.lo
    if type(p) is not type(d):  # LogUniform is a Uniform: type, not isinstance
        return False
    if isinstance(p, _space.Categorical):
        return len(p.choices) == len(d.choices) and all(
            _same_choice(a, b, declared) for a, b in zip(p.choices, d.choices))
    return ((p.lo, p.hi, getattr(p, "log", False), p.step)
            == (d.lo, d.hi, getattr(d, "log", False), d.step))


def _space_number(v):
    return float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else None


def contradiction(name, p, d, declared=False):
    """Why distribution d contradicts the space's parameter p (both said), or None. declared:
    p was declared in this process (a discovery trial's earlier call), not read back."""
    if _params_equal(p, d, declared):
        return None
    return ("parameter %r: %s contradicts the study's space, where %r is %r (kind, bounds, log, "
            "step and choices must be the same)" % (name, call_repr(name, d), name, p))


def value_for(p, d, v):
    """The value the suggest call of distribution d returns for the space parameter p's value v
    (a Python value, as Study hands them out): a category as d's own choice (a stored space
    gives back strings), a constant as d declares it."""
    if isinstance(d, _space.Categorical):
        return d.choices[[str(c) for c in d.choices].index(str(v))]
    if isinstance(d, _space.Int):
        return int(round(v))
    return float(v)


def draw(rng, d):
    """A value of distribution d drawn with rng (a random.Random): uniform in d's scale; an
    integer on a log scale is drawn on [log lo, log(hi + 1)) and floored; a stepped value is
    one of its grid points, each as likely (the library's lo + k * step, the last one hi)."""
    u = rng.random()
    if isinstance(d, _space.Categorical):
        return d.choices[min(int(u * len(d.choices)), len(d.choices) - 1)]
    if _stepped(d):
        n = _nsteps(d)
        return _grid_value(d, min(int(u * (n + 1)), n))
    if isinstance(d, _space.Int):
        if d.log:
            a, b = math.log(d.lo), math.log(d.hi + 1)
            v = int(math.floor(math.exp(a + u * (b - a))))
        else:
            v = d.lo + int(math.floor(u * (d.hi - d.lo + 1)))
        return min(max(v, d.lo), d.hi)
    if d.log:
        a, b = math.log(d.lo), math.log(d.hi)
        v = math.exp(a + u * (b - a))
    else:
        v = d.lo + u * (d.hi - d.lo)
    return min(max(v, d.lo), d.hi)


def fixed_value(name, d, v):
    """An enqueued value v of parameter name as distribution d's value (a category as d's own
    choice); ValueError when d cannot take it."""
    if isinstance(d, _space.Categorical):
        # the choice itself first: with [True, 1] 1 == True, yet the choices are distinct
        for same in (lambda c: type(c) is type(v) and c == v, lambda c: str(c) == str(v)):
            hit = [c for c in d.choices if same(c)]
            if hit:
                return hit[0]
    elif _stepped(d) and isinstance(v, numbers.Real) and not isinstance(v, bool):
        k = _grid_index(d, v)
        if k is not None:
            return _grid_value(d, k)
    elif isinstance(v, numbers.Real) and not isinstance(v, bool) and d.lo <= v <= d.hi:
        if not isinstance(d, _space.Int):
            return float(v)
        if v == math.floor(v):
            return int(v)
    raise ValueError("parameter %r: the enqueued value %r is not a value of %s"
                     % (name, v, call_repr(name, d)))


def _stepped(d):
    return isinstance(d, (_space.Uniform, _space.Int)) and d.step not in (None, 1)


def _nsteps(d):
    """K: a stepped d's values are k = 0..K."""
    if isinstance(d, _space.Int):
        return (d.hi - d.lo) // d.step
    return int(round((d.hi - d.lo) / d.step))


def _grid_value(d, k):
    """Stepped d's k-th value, computed as the library computes it (lo + k * step, the last
    one hi), so a value drawn here is the one the library stores."""
    if isinstance(d, _space.Int):
        return d.lo + k * d.step
    return d.hi if k >= _nsteps(d) else d.lo + k * d.step


def _grid_index(d, v):
    """The k of stepped d's grid point that v is (within 1e-9 step and 4 ulps of v, the
    library's tolerance; an integer's exactly), or None."""
    if not math.isfinite(v):
        return None
    if isinstance(d, _space.Int):
        if v != math.floor(v) or (int(v) - d.lo) % d.step or not d.lo <= v <= d.hi:
            return None
        return (int(v) - d.lo) // d.step
    k = round((v - d.lo) / d.step)
    if not 0 <= k <= _nsteps(d) or \
            abs(v - _grid_value(d, k)) > 1e-9 * d.step + 4 * sys.float_info.epsilon * abs(v):
        return None
    return k
