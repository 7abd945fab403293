"""gpbo.gp: a scikit-learn-compatible Gaussian-process regressor over gpbo's GP library.

``from gpbo import gp`` loads libgpbo_base and libgpbo_gp only. scikit-learn is not needed; the
estimator follows its conventions (get_params / set_params, fit / predict / score, fitted
attributes ending in ``_``) so that ``sklearn.base.clone``, ``cross_val_score`` and pipelines
work with it.

Thread-safety: each ``fit`` builds a new model and publishes it when it is complete, and
predict / sample_y / score only read the published model (const calls of the C library, which
may run concurrently), so one estimator may predict from several threads, also while another
thread fits it (a prediction then sees the old or the new model, never a half-fitted one).
Two fits of one estimator at once are allowed too; the last to finish wins, with all of its
fitted attributes (assigned together under a lock). ctypes releases the GIL during the C calls,
so fits and predictions of distinct estimators run in parallel.
"""
import ctypes as C
import numbers
import sys
import threading
import warnings

import numpy as np

from . import _lib
from ._lib import DP, check, check_ptr, ptr

__all__ = ["GaussianProcessRegressor", "NotFittedError", "KERNELS"]

_gp = _lib.library("gp")
_base = _lib.library("base")
_SIG = {
    "gpbo_kernel_name": (C.c_char_p, [C.c_int]),
    "gpbo_kernel_parse": (C.c_int, [C.c_char_p, C.POINTER(C.c_int)]),
    "gpbo_gp_new": (C.c_void_p, [C.c_int, C.c_size_t]),
    "gpbo_gp_free": (None, [C.c_void_p]),
    "gpbo_gp_copy": (C.c_void_p, [C.c_void_p]),
    "gpbo_gp_dim": (C.c_size_t, [C.c_void_p]),
    "gpbo_gp_n": (C.c_size_t, [C.c_void_p]),
    "gpbo_gp_nparams": (C.c_size_t, [C.c_void_p]),
    "gpbo_gp_kernel_name": (C.c_char_p, [C.c_void_p]),
    "gpbo_gp_set_data": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP]),
    "gpbo_gp_set_obs_noise": (C.c_int, [C.c_void_p, DP]),
    "gpbo_gp_set_normalize": (C.c_int, [C.c_void_p, C.c_int]),
    "gpbo_gp_set_additive": (C.c_int, [C.c_void_p, C.c_int]),
    "gpbo_gp_get_params": (C.c_int, [C.c_void_p, DP]),
    "gpbo_gp_set_params": (C.c_int, [C.c_void_p, DP]),
    "gpbo_gp_noise_variance": (C.c_double, [C.c_void_p]),
    "gpbo_gp_log_likelihood": (C.c_double, [C.c_void_p, DP]),
    "gpbo_gp_fit_options_init": (C.c_int, [C.c_void_p, C.c_uint]),
    "gpbo_gp_fit": (C.c_int, [C.c_void_p, C.c_void_p]),
    "gpbo_gp_predict": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP, DP]),
    "gpbo_gp_predict_cov": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP, DP]),
    "gpbo_gp_sample": (C.c_int, [C.c_void_p, C.c_size_t, DP, C.c_size_t, C.c_void_p, DP]),
    "gpbo_gp_to_string": (C.c_void_p, [C.c_void_p]),
    "gpbo_gp_from_string": (C.c_void_p, [C.c_char_p]),
}
for _name, (_res, _args) in _SIG.items():
    _lib.declare(_gp, _name, _res, _args)


def _kernel_names():
    names, k = [], 0
    while True:
        s = _gp.gpbo_kernel_name(k)
        if s is None:
            return tuple(names)
        names.append(s.decode())
        k += 1


KERNELS = _kernel_names()


class FitOptions(C.Structure):
    """Mirror of version 2 of gpbo_gp_fit_options (gpbo/gp.h); gpbo_gp_fit_options_init writes
    exactly this version's fields (docs/abi.md)."""

    VERSION = 2
    _fields_ = [
        ("version", C.c_uint),
        ("restarts", C.c_size_t),
        ("max_evals", C.c_size_t),
        ("lengthscale_bounds", C.c_double * 2),
        ("signal_bounds", C.c_double * 2),
        ("noise_bounds", C.c_double * 2),
        ("learn_noise", C.c_int),
        ("use_priors", C.c_int),
        ("lengthscale_prior", C.c_double * 2),
        ("noise_prior", C.c_double * 2),
        ("seed", C.c_uint64),
        ("ftol_rel", C.c_double),
        ("subset_min", C.c_size_t),  # version 2
    ]


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before fit (as scikit-learn's NotFittedError). When scikit-learn
    is loaded, the error raised is also an instance of its NotFittedError, so that ``except
    sklearn.exceptions.NotFittedError`` catches it (importing scikit-learn here would cost
    half a second to every ``from gpbo import gp``)."""


_not_fitted_classes = {}
# Held while a fit's results are assigned to its estimator, so that two fits of one estimator
# finishing together leave one fit's attributes and model, never a mix of both.
_publish_lock = threading.Lock()


def _not_fitted(message):
    """A NotFittedError, one of scikit-learn's too when sklearn.exceptions is loaded (code
    that names sklearn's class has loaded it)."""
    sk = sys.modules.get("sklearn.exceptions")
    base = getattr(sk, "NotFittedError", None)
    if not isinstance(base, type) or not issubclass(base, Exception):
        return NotFittedError(message)
    cls = _not_fitted_classes.get(base)
    if cls is None:
        # pickled (joblib's workers) as gpbo's class: this one has no importable name
        cls = type("NotFittedError", (NotFittedError, base),
                   {"__module__": __name__, "__reduce__": lambda e: (NotFittedError, e.args)})
        _not_fitted_classes[base] = cls
    return cls(message)


class _Model:
    """Owns one gpbo_gp; frees it when the last reference goes."""

    __slots__ = ("h",)

    def __init__(self, h):
        self.h = h

    def __del__(self):
        if self.h:
            _gp.gpbo_gp_free(self.h)
            self.h = None


def _real(a, what):
    """Refuses complex input: numpy's cast to float64 drops the imaginary part with a mere
    warning (scikit-learn refuses it too)."""
    if np.iscomplexobj(a):
        raise ValueError("%s is complex: Complex data not supported" % what)


def _as_numeric_error(e, message):
    """numpy's TypeError (an element that is no number: a dict, None in a list) stays a
    TypeError, as scikit-learn's; a ValueError (a string that is no number) a ValueError."""
    return (TypeError if isinstance(e, TypeError) else ValueError)(message)


def _matrix(X, dim=None, what="X"):
    """X as a C-contiguous float64 (n, d) array: copied only when its type or layout needs it."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse: asarray makes an object
        raise TypeError("%s is a sparse matrix; sparse input is not supported: pass %s.toarray()"
                        % (what, what))
    X = np.asarray(X)
    _real(X, what)
    if X.dtype != np.float64 or not X.flags.c_contiguous:
        try:
            X = np.ascontiguousarray(X, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _as_numeric_error(e, "%s must be numeric: %s" % (what, e)) from None
    if X.ndim != 2:
        raise ValueError("%s must be a 2-d array (n_samples, n_features); it has shape %s. "
                         "Reshape your data: X.reshape(-1, 1) for one feature, "
                         "X.reshape(1, -1) for one sample" % (what, X.shape))
    if dim is not None and X.shape[1] != dim:
        raise ValueError("%s has %d features; the model was fitted on %d" % (what, X.shape[1], dim))
    if X.shape[0] == 0:
        raise ValueError("%s has no rows" % what)
    if X.shape[1] == 0:
        raise ValueError("%s has 0 feature(s) (shape=%s) while a minimum of 1 is required."
                         % (what, X.shape))
    return X


def _data_conversion_warning():
    """scikit-learn's DataConversionWarning where scikit-learn is installed (its checks and
    users filter on it), else a UserWarning of the same name: gpbo does not need scikit-learn."""
    try:
        from sklearn.exceptions import DataConversionWarning
    except ImportError:
        class DataConversionWarning(UserWarning):
            pass
    return DataConversionWarning


def _vector(y, n, warn_column=False):
    y = np.asarray(y)
    _real(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        if warn_column:  # one target only: fit says so, as scikit-learn's single-output models
            warnings.warn(_data_conversion_warning()(
                "A column-vector y was passed when a 1d array was expected. Please change the "
                "shape of y to (n_samples,), for example using ravel()."), stacklevel=3)
        y = y[:, 0]
    if y.dtype != np.float64 or not y.flags.c_contiguous:
        try:
            y = np.ascontiguousarray(y, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _as_numeric_error(e, "y must be numeric: %s" % e) from None
    if y.ndim != 1:
        raise ValueError("y must be 1-d (one target); it has shape %s" % (y.shape,))
    if y.shape[0] != n:
        raise ValueError("X has %d rows and y %d values" % (n, y.shape[0]))
    return y


def _seed(random_state):
    if random_state is None:
        return 0
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    if hasattr(random_state, "randint"):  # numpy RandomState
        return int(random_state.randint(0, 2**31 - 1))
    if hasattr(random_state, "integers"):  # numpy Generator
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError("random_state must be None, an int or a numpy generator")


class GaussianProcessRegressor:
    """Exact GP regression with a stationary ARD kernel, fitted by gpbo's C library.

    Model (gpbo/gp.h): y_i = f(x_i) + e_i, f ~ GP(0, s2 k(r)), e_i ~ N(0, sn2 + alpha_i) (alpha_i
    0 without ``alpha``), with one lengthscale per feature; with ``normalize_y`` the model is fitted to standardized y (mean 0, std 1, the
    population std as scikit-learn's) and s2, sn2 are in those units.

    Parameters
    ----------
    kernel : "matern52" (default), "matern32", "matern12" or "se".
    ard : True (default): one lengthscale per feature, fitted by the C library (gpbo_gp_fit).
        False: one lengthscale shared by all features (isotropic), fitted here by BFGS on the
        C library's likelihood and gradient (the C fit has no tied lengthscales), with the same
        bounds, restarts and seed.
    noise : True: the noise variance is fitted; False: fixed at ``noise_variance``.
    normalize_y : standardize y before fitting (predictions are always in y's units).
    n_restarts : random restarts of the fit besides the starting point (10, the C library's
        default since version 4 of its fit options; 4 before: bench/gp_fit/README.md "Modes").
    random_state : seeds the restarts (None means 0: the fit is deterministic).
    optimizer : "lbfgs" (fit the hyperparameters) or None (keep the starting values).
    length_scale, signal_variance, noise_variance : the starting (or, without optimizer, fixed)
        hyperparameters, natural units: a scalar or one lengthscale per feature.
    additive : use the additive form of the kernel (a sum of one-feature kernels).
    alpha : None (the default): no noise besides the model's own ``noise_variance`` (learned
        with ``noise=True``). A float or an array of n_samples values >= 0, as scikit-learn's
        ``alpha``: added to the diagonal of the kernel matrix during fit, per sample, on top of
        that noise (scikit-learn's ``alpha`` beside a ``WhiteKernel``: K + diag(sn2 + alpha_i)),
        a known noise variance of each observation (BoTorch's ``train_Yvar``). As in
        scikit-learn it is in the units of the targets the model is fitted to: of the
        standardized y with ``normalize_y`` (divide a variance in y's units by ``y.var()``),
        of y otherwise. The C library holds them in y's units (gpbo_gp_set_obs_noise).

    Fitted attributes: ``n_features_in_``, ``hyperparameters_`` (log l_1..log l_d, log s2,
    log sn2; with normalize_y in standardized units), ``length_scale_``, ``signal_variance_``
    and ``noise_variance_`` (both in y's units^2: far from the data the std of f is
    sqrt(signal_variance_), that of a new y sqrt(signal_variance_ + noise_variance_)),
    ``log_marginal_likelihood_value_`` (of the standardized y with normalize_y, as
    scikit-learn's), ``kernel_`` (a description, in the units of hyperparameters_).

    ``predict(return_std=True)`` and ``return_cov`` give the posterior of the latent f, without
    the observation noise (add ``noise_variance_`` for a new y), as scikit-learn's estimator with
    the noise given as ``alpha``. Before ``fit``, ``predict``, ``sample_y`` and ``score`` use the
    GP prior, as scikit-learn's estimator does: mean 0 and covariance ``signal_variance`` times
    the kernel at the starting ``length_scale`` (no noise), for X of any number of features.
    """

    _estimator_type = "regressor"
    _PARAMS = ("kernel", "ard", "noise", "normalize_y", "n_restarts", "random_state",
               "optimizer", "length_scale", "signal_variance", "noise_variance", "additive",
               "alpha")

    def __init__(self, kernel="matern52", ard=True, noise=True, normalize_y=True, n_restarts=10,
                 random_state=None, optimizer="lbfgs", length_scale=1.0, signal_variance=1.0,
                 noise_variance=1e-4, additive=False, alpha=None):
        self.kernel = kernel
        self.ard = ard
        self.noise = noise
        self.normalize_y = normalize_y
        self.n_restarts = n_restarts
        self.random_state = random_state
        self.optimizer = optimizer
        self.length_scale = length_scale
        self.signal_variance = signal_variance
        self.noise_variance = noise_variance
        self.additive = additive
        self.alpha = alpha

    # -- scikit-learn's parameter protocol ------------------------------------------------------

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError("invalid parameter %r for GaussianProcessRegressor; valid: %s"
                                 % (k, ", ".join(self._PARAMS)))
            setattr(self, k, v)
        return self

    def __repr__(self):
        defaults = GaussianProcessRegressor().get_params()
        changed = ["%s=%r" % (k, v) for k, v in self.get_params().items()
                   if not _same(v, defaults[k])]
        return "GaussianProcessRegressor(%s)" % ", ".join(changed)

    # -- fitting ---------------------------------------------------------------------------------

    def _kernel_type(self):
        k = C.c_int()
        if not isinstance(self.kernel, str):
            raise ValueError("kernel must be one of %s (a name), not %r"
                             % (", ".join(KERNELS), self.kernel))
        check(_gp.gpbo_kernel_parse(self.kernel.encode(), C.byref(k)))
        return k.value

    def _start(self, dim):
        ell = np.asarray(self.length_scale, dtype=np.float64)
        if not self.ard and ell.size != 1:
            raise ValueError("ard=False takes one length_scale, not %d" % ell.size)
        if ell.size != 1 and ell.shape != (dim,):
            raise ValueError("length_scale has shape %s: give one value or one per feature (%d)"
                             % (ell.shape, dim))
        for what, v in (("length_scale", self.length_scale),
                        ("signal_variance", self.signal_variance),
                        ("noise_variance", self.noise_variance)):
            if not np.all(np.asarray(v, dtype=np.float64) > 0):
                raise ValueError("%s must be > 0, not %r" % (what, v))
        ell = np.broadcast_to(ell, (dim,))
        theta = np.concatenate([np.log(ell), [np.log(self.signal_variance),
                                              np.log(self.noise_variance)]])
        return np.ascontiguousarray(theta)

    def _alpha(self, n):
        """alpha as n float64 values, or None when not given; checked as scikit-learn checks it
        (a scalar or an array of n_samples, one value counting as a scalar), each value finite
        and >= 0."""
        if self.alpha is None:
            return None
        a = np.asarray(self.alpha)
        _real(a, "alpha")
        try:
            a = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _as_numeric_error(e, "alpha must be a number or an array of numbers: %s"
                                    % e) from None
        if a.ndim > 1:
            raise ValueError("alpha must be a scalar or a 1-d array of n_samples values; it has "
                             "shape %s" % (a.shape,))
        if a.ndim == 1 and a.shape[0] not in (1, n):
            raise ValueError("alpha must be a scalar or an array with same number of entries "
                             "as y. (%d != %d)" % (a.shape[0], n))
        flat = a.reshape(-1)
        bad = np.flatnonzero(~(np.isfinite(flat) & (flat >= 0)))
        if bad.size:
            where = "alpha[%d]" % bad[0] if a.ndim == 1 else "alpha"
            raise ValueError("%s = %r: alpha must be finite and >= 0 (a noise variance)"
                             % (where, float(flat[bad[0]])))
        return np.ascontiguousarray(np.broadcast_to(flat[0] if flat.size == 1 else flat, (n,)))

    def _set_alpha(self, h, dim, alpha):
        """Gives the model alpha (units of the targets it is fitted to) as the library's known
        noise variances, in y's units: times std(y)^2 as the library standardized y (the ratio of
        its noise variance in y's units to its own sn2), 1 without normalize_y."""
        theta = np.empty(dim + 2)
        check(_gp.gpbo_gp_get_params(h, ptr(theta)))
        y_var = float(_gp.gpbo_gp_noise_variance(h)) / float(np.exp(theta[dim + 1]))
        check(_gp.gpbo_gp_set_obs_noise(h, ptr(np.ascontiguousarray(alpha * y_var))))

    def _fit_options(self):
        o = FitOptions()
        check(_gp.gpbo_gp_fit_options_init(C.byref(o), FitOptions.VERSION))
        if not isinstance(self.n_restarts, numbers.Integral) or \
                not 0 <= self.n_restarts < 2 ** (8 * C.sizeof(C.c_size_t)):  # ctypes would wrap
            raise ValueError("n_restarts must be an integer from 0 to 2**%d - 1, not %r"
                             % (8 * C.sizeof(C.c_size_t), self.n_restarts))
        o.restarts = int(self.n_restarts)
        o.seed = _seed(self.random_state) & 0xFFFFFFFFFFFFFFFF
        o.learn_noise = 1 if self.noise else 0
        return o

    def fit(self, X, y):
        """Fits the model to X (n, d) and y (n,); float64 arrays are passed to the library
        without a copy when C-contiguous. Non-finite values raise ValueError (the library's
        message names the index)."""
        if self.optimizer not in ("lbfgs", None):
            raise ValueError("optimizer must be 'lbfgs' or None, not %r" % (self.optimizer,))
        X = _matrix(X)
        y = _vector(y, X.shape[0], warn_column=True)
        n, dim = X.shape
        alpha = self._alpha(n)
        model = _Model(check_ptr(_gp.gpbo_gp_new(self._kernel_type(), dim)))
        h = model.h
        check(_gp.gpbo_gp_set_normalize(h, 1 if self.normalize_y else 0))
        if self.additive:
            check(_gp.gpbo_gp_set_additive(h, 1))
        check(_gp.gpbo_gp_set_params(h, ptr(self._start(dim))))
        check(_gp.gpbo_gp_set_data(h, n, ptr(X), ptr(y)))
        if alpha is not None:
            self._set_alpha(h, dim, alpha)
        if self.optimizer is not None and self.ard:
            check(_gp.gpbo_gp_fit(h, C.byref(self._fit_options())))
        elif self.optimizer is not None:
            _fit_isotropic(h, dim, self._start(dim), self._fit_options())
        lml = _gp.gpbo_gp_log_likelihood(h, None)
        if not np.isfinite(lml):
            raise _lib.error(_base.gpbo_error_code() or -1)
        theta = np.empty(dim + 2)
        check(_gp.gpbo_gp_get_params(h, ptr(theta)))
        self._publish(model, theta, lml)
        return self

    def _publish(self, model, theta, lml):
        """Assigns the fitted attributes and, last, the model. Everything is computed first and
        then assigned under _publish_lock: assigned one by one while the values were computed
        (ctypes calls, which release the GIL), two fits of one estimator finishing together
        left one fit's hyperparameters_ beside the other's model (log_marginal_likelihood()
        then refused its own hyperparameters_ for their length)."""
        dim = len(theta) - 2
        # both variances in y's units^2, as documented: the noise's is the library's, and the
        # signal's is scaled by the same std(y)^2 (it was the standardized s2 beside the noise
        # in y's units, so signal_variance_ + noise_variance_ mixed units)
        noise_variance = float(_gp.gpbo_gp_noise_variance(model.h))
        y_var = noise_variance / float(np.exp(theta[dim + 1]))
        length_scale = np.exp(theta[:dim])
        kernel = "%.4g * %s(length_scale=[%s]) + noise %.4g%s" % (
            float(np.exp(theta[dim])), _gp.gpbo_gp_kernel_name(model.h).decode(),
            ", ".join("%.4g" % v for v in length_scale), float(np.exp(theta[dim + 1])),
            " (standardized y)" if self.normalize_y else "")
        with _publish_lock:
            self.n_features_in_ = dim
            self.hyperparameters_ = theta
            self.length_scale_ = length_scale
            self.signal_variance_ = float(np.exp(theta[dim])) * y_var
            self.noise_variance_ = noise_variance
            self.log_marginal_likelihood_value_ = float(lml)
            self.kernel_ = kernel
            # last: a concurrent predict sees a complete model. It checks X against that
            # model's own dimension, not n_features_in_, which a concurrent fit may have
            # changed already
            self._model = model

    def _fitted(self):
        model = getattr(self, "_model", None)
        if model is None:
            raise _not_fitted("this GaussianProcessRegressor is not fitted yet: call fit first")
        return model

    def _model_for(self, X):
        """(the model to predict from, X checked): the fitted one, or before fit the prior for
        X's features (a model with no data: the library predicts its prior, mean 0 and
        variance s2, with y unscaled), as scikit-learn's estimator predicts from its kernel."""
        model = getattr(self, "_model", None)
        if model is not None:
            return model, _matrix(X, _gp.gpbo_gp_dim(model.h))
        X = _matrix(X)
        prior = _Model(check_ptr(_gp.gpbo_gp_new(self._kernel_type(), X.shape[1])))
        if self.additive:
            check(_gp.gpbo_gp_set_additive(prior.h, 1))
        check(_gp.gpbo_gp_set_params(prior.h, ptr(self._start(X.shape[1]))))
        return prior, X

    def _more_tags(self):
        # scikit-learn's tag of its own GaussianProcessRegressor: predict works before fit
        # (check_estimator then does not expect a NotFittedError from it)
        return {"requires_fit": False}

    def log_marginal_likelihood(self, theta=None, eval_gradient=False, clone_kernel=True):
        """The log marginal likelihood of the training data, as scikit-learn's method: at the
        fitted hyperparameters (theta None: log_marginal_likelihood_value_) or at theta, in the
        layout of hyperparameters_ (log lengthscales, log signal variance, log noise variance;
        of the standardized y with normalize_y), the fit's ``alpha`` kept as it was. With eval_gradient, (value, gradient in
        theta). The fitted model is never changed (clone_kernel is taken for scikit-learn's
        signature)."""
        del clone_kernel
        with _publish_lock:  # the model and its own hyperparameters, not a concurrent fit's
            model = self._fitted()
            fitted = self.hyperparameters_
        p = _gp.gpbo_gp_dim(model.h) + 2
        if theta is None:
            theta = fitted
        theta = np.array(theta, dtype=np.float64).ravel()
        if theta.shape != (p,):
            raise ValueError("theta has %d values; this model has %d hyperparameters (the "
                             "layout of hyperparameters_)" % (theta.size, p))
        if not np.all(np.isfinite(theta)):
            raise ValueError("theta must be finite, not %r" % (theta,))
        at = _Model(check_ptr(_gp.gpbo_gp_copy(model.h)))
        check(_gp.gpbo_gp_set_params(at.h, ptr(theta)))
        grad = np.empty(p) if eval_gradient else None
        lml = _gp.gpbo_gp_log_likelihood(at.h, None if grad is None else ptr(grad))
        if np.isnan(lml):
            raise _lib.error(_base.gpbo_error_code() or -1)
        return (float(lml), grad) if eval_gradient else float(lml)

    # -- prediction ------------------------------------------------------------------------------

    def predict(self, X, return_std=False, return_cov=False):
        """Posterior mean of f at X (m, d); with return_std its standard deviation, with
        return_cov its covariance (m, m), both of the latent f. Before fit: the prior's."""
        if return_std and return_cov:
            raise ValueError("at most one of return_std and return_cov can be requested")
        model, X = self._model_for(X)
        m = X.shape[0]
        mean = np.empty(m)
        if return_cov:
            cov = np.empty((m, m))
            check(_gp.gpbo_gp_predict_cov(model.h, m, ptr(X), ptr(mean), ptr(cov)))
            return mean, cov
        if return_std:
            var = np.empty(m)
            check(_gp.gpbo_gp_predict(model.h, m, ptr(X), ptr(mean), ptr(var)))
            return mean, np.sqrt(np.maximum(var, 0.0))
        check(_gp.gpbo_gp_predict(model.h, m, ptr(X), ptr(mean), None))
        return mean

    def sample_y(self, X, n_samples=1, random_state=0):
        """Joint samples of f at X: an (m, n_samples) array, as scikit-learn's for one target.
        random_state: an int seeds gpbo's generator (or a numpy generator gives the seed); None
        draws the seed from numpy's global generator, as scikit-learn's sample_y does (fresh
        samples at each call, reproducible under np.random.seed). Before fit: of the prior."""
        model, X = self._model_for(X)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError("n_samples must be an integer >= 1")
        m = X.shape[0]
        out = np.empty((n_samples, m))
        if random_state is None:
            seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        else:
            seed = _seed(random_state)
        rng = _lib.Rng(seed)
        check(_gp.gpbo_gp_sample(model.h, m, ptr(X), n_samples, C.byref(rng), ptr(out)))
        return out.T

    def score(self, X, y, sample_weight=None):
        """The coefficient of determination R^2 of predict(X) against y."""
        pred = self.predict(X)
        y = _vector(y, pred.shape[0])
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
        if w.shape != y.shape:  # np.average said "Axis must be specified when shapes ... differ"
            raise ValueError("sample_weight has shape %s; y has %s" % (w.shape, y.shape))
        ybar = np.average(y, weights=w)
        ss_res = np.sum(w * (y - pred) ** 2)
        ss_tot = np.sum(w * (y - ybar) ** 2)
        if ss_tot == 0.0:
            return 1.0 if ss_res == 0.0 else 0.0
        return float(1.0 - ss_res / ss_tot)

    # -- pickling (joblib, cross_val_score with n_jobs): the model travels as gpbo's JSON -------

    def __getstate__(self):
        state = dict(self.__dict__)
        model = state.pop("_model", None)
        if model is not None:
            s = check_ptr(_gp.gpbo_gp_to_string(model.h))
            try:
                state["_model_json"] = C.string_at(s)
            finally:
                _base.gpbo_free(s)
        return state

    def __setstate__(self, state):
        js = state.pop("_model_json", None)
        self.__dict__.update(state)
        if js is not None:
            self._model = _Model(check_ptr(_gp.gpbo_gp_from_string(js)))


def _same(a, b):
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


# The isotropic fit (ard=False): the C library's kernels are ARD and its fit has no tied
# lengthscales, so the few free values (log l shared, log s2, log sn2) are fitted here, on the
# library's likelihood and gradient (the gradient of the shared lengthscale is the sum of the
# per-feature ones), within the bounds of the fit options, from the start and from `restarts`
# log-uniform draws seeded by the options' seed.

def _iso_objective(h, dim, z):
    theta = np.ascontiguousarray(np.concatenate([np.full(dim, z[0]), z[1:]]))
    if _gp.gpbo_gp_set_params(h, ptr(theta)) != 0:
        return -np.inf, None
    g = np.empty(dim + 2)
    v = _gp.gpbo_gp_log_likelihood(h, ptr(g))
    if not np.isfinite(v):
        return -np.inf, None
    return v, np.array([g[:dim].sum(), g[dim], g[dim + 1]])


def _iso_ascend(f, z, lo, hi, free, max_evals):
    """Projected BFGS ascent with backtracking: (z, value) at convergence or after max_evals."""
    v, g = f(z)
    if g is None:
        return z, v
    H, evals = np.eye(3), 1
    while evals < max_evals:
        p = (H @ g) * free
        step, ok = 1.0, False
        while step > 1e-10 and evals < max_evals:
            zn = np.clip(z + step * p, lo, hi)
            vn, gn = f(zn)
            evals += 1
            if gn is not None and vn >= v + 1e-4 * (g @ (zn - z)):
                ok = True
                break
            step *= 0.5
        if not ok:
            break
        sk, yk = zn - z, (g - gn) * free
        done = abs(vn - v) <= 1e-10 * max(1.0, abs(v))
        z, v, g = zn, vn, gn
        if done:
            break
        sy = sk @ yk
        if sy > 1e-12:
            rho = 1.0 / sy
            E = np.eye(3) - rho * np.outer(sk, yk)
            H = E @ H @ E.T + rho * np.outer(sk, sk)
    return z, v


def _fit_isotropic(h, dim, theta0, o):
    lo = np.log([o.lengthscale_bounds[0], o.signal_bounds[0], o.noise_bounds[0]])
    hi = np.log([o.lengthscale_bounds[1], o.signal_bounds[1], o.noise_bounds[1]])
    free = np.array([1.0, 1.0, 1.0 if o.learn_noise else 0.0])
    z0 = np.array([theta0[0], theta0[dim], theta0[dim + 1]])
    starts = [np.where(free > 0, np.clip(z0, lo, hi), z0)]
    rng = np.random.RandomState(o.seed % 2**32)
    for _ in range(o.restarts):
        starts.append(np.where(free > 0, rng.uniform(lo, hi), z0))
    f = lambda z: _iso_objective(h, dim, z)  # noqa: E731
    best = max((_iso_ascend(f, z, lo, hi, free, o.max_evals) for z in starts),
               key=lambda zv: zv[1])
    if not np.isfinite(best[1]):
        raise _lib.GpboError("isotropic fit: no start gave a finite likelihood", -10)
    _iso_objective(h, dim, best[0])  # leave the model at the best point
