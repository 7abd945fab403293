#!/usr/bin/python3
"""Cross-check of gpbo::gp against scikit-learn's GaussianProcessRegressor, through ctypes on the
shared library libgpbo_gp.so (which also shows the C API is usable from another language).

0. The options ABI from Python: a mirror of version 1 of the fit options (the fields before
   subset_min) is initialized with version 1 without a byte written past it, and gpbo_gp_fit
   accepts it; the full mirror below is version 5.
1. Fixed hyperparameters, standardization off, every kernel: log marginal likelihood, its
   gradient, predictive mean and variance agree to 1e-8 relative.
1b. The same with standardization on both sides (normalize_y), for y of every size (scaled by
   1e-13, 1 and 1e8), for a single observation, for constant y, and for y near 2^30 with a spread
   of 2.4e-13 of it: scikit-learn standardizes y of any size and offset, and so must gpbo.
1c. Hostile but legal data, fixed hyperparameters, every kernel, with and without
   standardization: repeated inputs, 5 observations in 50 dimensions, inputs spanning 1e-6 to
   1e6 (lengthscales to match), inputs near 1e12 with targets of size 1e12, and exact duplicates
   with the smallest noise gpbo accepts (exp(-50)), where gpbo's factorization adds a jitter:
   scikit-learn is given that jitter as its alpha and must then agree.
2. Fitting: on 20 random problems (d = 1..8, n = 10..200), gpbo's fitted log likelihood is at
   least scikit-learn's fitted one minus 1e-4, both starting from the same point with the same
   bounds and the same number of restarts.
2b. Known per-observation noise (gpbo_gp_set_data_noise) against scikit-learn's per-sample
   alpha: with fixed hyperparameters, every kernel, ARD, standardization on and off (scikit-learn's
   alpha is in the units of the standardized y, gpbo's variances in y's: var = alpha * std(y)^2),
   the log marginal likelihood, the predictive mean, variance and full covariance agree to 1e-8
   relative; fitted (noise learned on top of the known variances, as a WhiteKernel beside alpha),
   gpbo's log likelihood is at least scikit-learn's less 1e-4 on 8 problems.
3. Modes: gpbo's default fit (gpbo_gp_fit with NULL options) against scikit-learn's with 4
   restarts, same start, bounds and standardized y, on 72 problems (n = 25, 50, 100; d = 2, 4,
   6; smooth and rough functions, with and without noise; Matérn 5/2 and SE): gpbo ends more
   than 1 nat below scikit-learn on at most MODES_WORSE_MAX = 7 of them. Before version 4 of the
   fit options (4 restarts, the 2 best of the race run on) it did on 11 of these 72; since, on 4
   (bench/gp_fit/modes.py measures the same on 160 problems up to n = 200, d = 10).
3b. Rough modes: on 16 noise-free rough functions of 2 inputs (n = 100 and 200, SE), whose best
   mode has short lengthscales and no noise, gpbo's default fit (seeded by the problem's index)
   ends more than 1 nat below scikit-learn's (4 restarts) on at most ROUGH_WORSE_MAX = 2. Before
   the data start (version 5 of the fit options) it did on 5 of them (by 2 to 484 nats: the
   screened random starts went to the noisy mode); since, on 1 (by 2.1 nats; Haswell kernels)
   (bench/gp_fit/README.md "The data start").

Usage: test_sklearn.py path/to/libgpbo_gp.so
"""
import ctypes as C
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

DP = C.POINTER(C.c_double)
KERNELS = {"se": 0, "matern12": 1, "matern32": 2, "matern52": 3}
NU = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}


FIT_OPTIONS_V1_FIELDS = [
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
]


class FitOptionsV1(C.Structure):
    """Mirror of version 1 of gpbo_gp_fit_options, as a program built against it declares it."""

    VERSION = 1
    _fields_ = FIT_OPTIONS_V1_FIELDS


class FitOptions(C.Structure):
    """Mirror of gpbo_gp_fit_options (include/gpbo/gp.h): the version it mirrors is passed to
    gpbo_gp_fit_options_init, which writes only that version's fields."""

    VERSION = 5
    _fields_ = FIT_OPTIONS_V1_FIELDS + [("subset_min", C.c_size_t),  # version 2
                                        ("lengthscale_priors", DP),  # version 3
                                        ("race_keep", C.c_size_t),  # version 4
                                        ("data_start", C.c_int)]  # version 5


def load(path):
    lib = C.CDLL(path)
    sig = {
        "gpbo_gp_new": (C.c_void_p, [C.c_int, C.c_size_t]),
        "gpbo_gp_free": (None, [C.c_void_p]),
        "gpbo_gp_set_normalize": (C.c_int, [C.c_void_p, C.c_int]),
        "gpbo_gp_set_data": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP]),
        "gpbo_gp_set_params": (C.c_int, [C.c_void_p, DP]),
        "gpbo_gp_get_params": (C.c_int, [C.c_void_p, DP]),
        "gpbo_gp_nparams": (C.c_size_t, [C.c_void_p]),
        "gpbo_gp_log_likelihood": (C.c_double, [C.c_void_p, DP]),
        "gpbo_gp_predict": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP, DP]),
        "gpbo_gp_predict_cov": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP, DP]),
        "gpbo_gp_set_data_noise": (C.c_int, [C.c_void_p, C.c_size_t, DP, DP, DP]),
        "gpbo_gp_fit": (C.c_int, [C.c_void_p, C.c_void_p]),
        "gpbo_gp_fit_options_init": (C.c_int, [C.c_void_p, C.c_uint]),
        "gpbo_error_message": (C.c_char_p, []),
        "gpbo_gp_jitter": (C.c_double, [C.c_void_p]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


def ptr(a):
    return a.ctypes.data_as(DP)


class GP:
    """A thin Python wrapper over the C API."""

    def __init__(self, lib, kernel, dim):
        self.lib = lib
        self.h = lib.gpbo_gp_new(KERNELS[kernel], dim)
        assert self.h, lib.gpbo_error_message()

    def check(self, rc):
        if rc != 0:
            raise RuntimeError(self.lib.gpbo_error_message().decode())

    def set_normalize(self, on):
        self.check(self.lib.gpbo_gp_set_normalize(self.h, int(on)))

    def set_data(self, X, y):
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.check(self.lib.gpbo_gp_set_data(self.h, len(self.y), ptr(self.X), ptr(self.y)))

    def set_data_noise(self, X, y, var):
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.var = np.ascontiguousarray(var, dtype=np.float64)
        self.check(self.lib.gpbo_gp_set_data_noise(self.h, len(self.y), ptr(self.X), ptr(self.y),
                                                   ptr(self.var)))

    def predict_cov(self, Xq):
        Xq = np.ascontiguousarray(Xq, dtype=np.float64)
        m, c = np.zeros(len(Xq)), np.zeros((len(Xq), len(Xq)))
        self.check(self.lib.gpbo_gp_predict_cov(self.h, len(Xq), ptr(Xq), ptr(m), ptr(c)))
        return m, c

    def params(self):
        out = np.zeros(self.lib.gpbo_gp_nparams(self.h))
        self.check(self.lib.gpbo_gp_get_params(self.h, ptr(out)))
        return out

    def set_params(self, theta):
        t = np.ascontiguousarray(theta, dtype=np.float64)
        self.check(self.lib.gpbo_gp_set_params(self.h, ptr(t)))

    def lml(self):
        g = np.zeros(self.lib.gpbo_gp_nparams(self.h))
        v = self.lib.gpbo_gp_log_likelihood(self.h, ptr(g))
        if not np.isfinite(v):
            raise RuntimeError(self.lib.gpbo_error_message().decode())
        return v, g

    def predict(self, Xq):
        Xq = np.ascontiguousarray(Xq, dtype=np.float64)
        m, v = np.zeros(len(Xq)), np.zeros(len(Xq))
        self.check(self.lib.gpbo_gp_predict(self.h, len(Xq), ptr(Xq), ptr(m), ptr(v)))
        return m, v

    def fit(self, restarts, seed):
        o = FitOptions()
        self.check(self.lib.gpbo_gp_fit_options_init(C.byref(o), FitOptions.VERSION))
        o.restarts = restarts
        o.seed = seed
        self.check(self.lib.gpbo_gp_fit(self.h, C.byref(o)))
        return o

    def __del__(self):
        self.lib.gpbo_gp_free(self.h)


def sk_kernel(name, ell, s2, sn2, bounds=None):
    b = bounds or {}
    base = (RBF(ell, b.get("ell", "fixed")) if name == "se"
            else Matern(ell, b.get("ell", "fixed"), nu=NU[name]))
    return (ConstantKernel(s2, b.get("s2", "fixed")) * base
            + WhiteKernel(sn2, b.get("sn2", "fixed")))


def problem(rng, n, d):
    X = rng.uniform(size=(n, d))
    w = rng.normal(size=d)
    y = np.sin(3.0 * X @ w) + 0.5 * np.cos(7.0 * X[:, 0]) + 0.1 * rng.normal(size=n)
    return X, y


def rel(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-300, np.maximum(np.abs(a), np.abs(b))))


def options_abi(lib):
    """A version-1 struct at the start of a buffer of 0xA5 bytes: init(1) must leave the bytes
    after it alone, fill it with the defaults, and gpbo_gp_fit must accept it."""
    v1 = C.sizeof(FitOptionsV1)
    buf = (C.c_ubyte * (v1 + 64))(*([0xA5] * (v1 + 64)))
    if lib.gpbo_gp_fit_options_init(buf, 1) != 0:
        print("FAIL abi: init(version 1):", lib.gpbo_error_message().decode())
        return False
    o = FitOptionsV1.from_buffer(buf)
    tail = bytes(buf[v1:])
    if tail != b"\xa5" * 64 or o.version != 1 or o.max_evals != 200 or o.ftol_rel != 1e-9:
        print(f"FAIL abi: version-1 init wrote past {v1} bytes or not the defaults")
        return False
    unknown = FitOptions.VERSION + 1
    if lib.gpbo_gp_fit_options_init(buf, unknown) == 0 or bytes(buf[v1:]) != tail:
        print(f"FAIL abi: init(version {unknown}) was accepted or wrote")
        return False
    gp = GP(lib, "matern52", 2)
    rng = np.random.RandomState(11)
    X, y = problem(rng, 20, 2)
    gp.set_data(X, y)
    o.restarts = 1
    gp.check(lib.gpbo_gp_fit(gp.h, buf))
    print(f"options abi: version 1 ({v1} bytes) and version {FitOptions.VERSION} "
          f"({C.sizeof(FitOptions)} bytes) mirrors both work")
    return True


def all_within(errs, label, tol=1e-8):
    """True when every relative difference of errs is within tol; else prints the others."""
    bad = {key: e for key, e in errs.items() if not e <= tol}
    if bad:
        print(f"FAIL {label}: {bad}")
    return not bad


def fixed_hyperparameters(lib):
    rng = np.random.RandomState(2385)
    worst = 0.0
    for name in KERNELS:
        for d, n in [(1, 12), (3, 40), (6, 90)]:
            X, y = problem(rng, n, d)
            y = 2.7 * y + 1.3  # not standardized: normalization is off on both sides
            Xq = rng.uniform(size=(25, d))
            ell = np.exp(rng.uniform(-1.5, 0.5, size=d))
            s2, sn2 = 3.1, 0.023
            gp = GP(lib, name, d)
            gp.set_normalize(False)
            gp.set_params(np.concatenate([np.log(ell), [np.log(s2), np.log(sn2)]]))
            gp.set_data(X, y)
            v, g = gp.lml()
            mean, var = gp.predict(Xq)

            # Hyperparameters free in sklearn's kernel so that it returns their gradient; its
            # theta order is (log s2, log ell..., log sn2).
            k = sk_kernel(name, ell, s2, sn2, {"ell": (1e-5, 1e5), "s2": (1e-5, 1e5),
                                               "sn2": (1e-9, 1e5)})
            sk = GaussianProcessRegressor(k, alpha=0.0, optimizer=None, normalize_y=False)
            sk.fit(X, y)
            sv, sg = sk.log_marginal_likelihood(sk.kernel_.theta, eval_gradient=True)
            sm, sstd = sk.predict(Xq, return_std=True)
            sg_ours = np.concatenate([[sg[0]], sg[1:d + 1], [sg[d + 1]]])
            g_ours = np.concatenate([[g[d]], g[:d], [g[d + 1]]])
            errs = {
                "lml": rel(v, sv),
                "mean": rel(mean, sm),
                # sklearn's predictive variance includes the white-noise kernel's diagonal.
                "var": rel(var + sn2, sstd ** 2),
            }
            # Gradient components may be near zero; compare relative to the gradient's norm.
            errs["grad"] = np.max(np.abs(g_ours - sg_ours)) / max(1.0, np.max(np.abs(sg_ours)))
            worst = max(worst, max(errs.values()))
            if not all_within(errs, f"fixed {name} d={d} n={n}"):
                return False
    print(f"fixed hyperparameters: every kernel agrees, worst relative difference {worst:.2e}")
    return True


def normalized(lib):
    rng = np.random.RandomState(1385)
    worst = 0.0
    for name in KERNELS:
        for d, n, scale, const in [(2, 15, 1e-13, False), (2, 15, 1.0, False), (3, 30, 1e8, False),
                                   (1, 1, 1.0, False), (2, 9, 1.0, True), (2, 9, 1e8, True),
                                   (2, 16, 2.0 ** 30, "offset")]:
            X, y = problem(rng, n, d)
            y = scale * (2.7 * y + 1.3)
            if const is True:
                y = np.full(n, 4.2 * scale)
            if const == "offset":
                # Far from 0 with a spread of 2.4e-13 of the mean (some 1000 units in the last
                # place): data, not a constant. Exact in binary (n a power of two) so that both
                # sides standardize it to the same numbers.
                y = scale + rng.randint(-30, 31, size=n) * 2.0 ** -16
            Xq = np.vstack([rng.uniform(size=(8, d)), X[:2]])
            ell = np.exp(rng.uniform(-1.0, 0.5, size=d))
            s2, sn2 = 1.7, 0.013
            gp = GP(lib, name, d)
            gp.set_params(np.concatenate([np.log(ell), [np.log(s2), np.log(sn2)]]))
            gp.set_data(X, y)
            v, _ = gp.lml()
            mean, var = gp.predict(Xq)
            sk = GaussianProcessRegressor(sk_kernel(name, ell, s2, sn2), alpha=0.0, optimizer=None,
                                          normalize_y=True)
            sk.fit(X, y)
            sv = sk.log_marginal_likelihood(sk.kernel_.theta)
            sm, sstd = sk.predict(Xq, return_std=True)
            ystd = y.std() if y.std() > 0 else 1.0  # scikit-learn's scale of a constant y is 1
            errs = {"lml": rel(v, sv), "mean": rel(mean, sm),
                    "var": rel(var + sn2 * ystd ** 2, sstd ** 2)}
            worst = max(worst, max(errs.values()))
            if not all_within(errs, f"normalized {name} d={d} n={n} scale={scale:g} "
                                    f"constant={const}"):
                return False
    print(f"normalized y: every kernel and size agrees, worst relative difference {worst:.2e}")
    return True


def hostile(lib):
    rng = np.random.RandomState(4385)
    worst = 0.0
    for name in KERNELS:
        for norm in (False, True):
            X = rng.uniform(size=(10, 2))
            cases = [("repeated inputs", np.vstack([X, X[:4]]), [0.3, 0.7], 0.01),
                     ("d=50 n=5", rng.uniform(size=(5, 50)), np.full(50, 2.0), 0.01),
                     ("x from 1e-6 to 1e6", 10.0 ** rng.uniform(-6, 6, size=(12, 2)), [1e3, 1e-3],
                      0.01),
                     ("x near 1e12", 1e12 + 1e9 * rng.uniform(size=(12, 2)), [3e8, 3e8], 0.01),
                     ("duplicates, noise exp(-50)", np.vstack([X, X[:3]]), [0.5, 0.8],
                      np.exp(-50.0))]
            for label, Xc, ell, sn2 in cases:
                n, d = Xc.shape
                ell = np.asarray(ell, dtype=float)
                y = 1e12 * rng.normal(size=n) if "1e12" in label else rng.normal(size=n)
                Xq = np.vstack([Xc[:2], Xc[:2] * (1.0 + 1e-3 * rng.uniform(size=(2, d)))])
                s2 = 1.3
                gp = GP(lib, name, d)
                gp.set_normalize(norm)
                gp.set_params(np.concatenate([np.log(ell), [np.log(s2), np.log(sn2)]]))
                gp.set_data(Xc, y)
                v, _ = gp.lml()
                mean, var = gp.predict(Xq)
                jitter = lib.gpbo_gp_jitter(gp.h)
                sk = GaussianProcessRegressor(sk_kernel(name, ell, s2, sn2), alpha=jitter,
                                              optimizer=None, normalize_y=norm)
                sk.fit(Xc, y)
                sv = sk.log_marginal_likelihood(sk.kernel_.theta)
                sm, sstd = sk.predict(Xq, return_std=True)
                ystd = y.std() if norm else 1.0
                # The variances of a near-singular K agree in absolute terms (a few are 0).
                errs = {"lml": rel(v, sv), "mean": rel(mean, sm),
                        "var": np.max(np.abs(var + sn2 * ystd ** 2 - sstd ** 2)) / (s2 * ystd ** 2)}
                worst = max(worst, max(errs.values()))
                # cond(K) ~ 1/jitter for the duplicates: the likelihood's quadratic term keeps
                # only about 1e-16 / jitter of relative accuracy on either side.
                tol = 1e-8 if jitter == 0.0 else 1e-16 / (jitter / s2) * 100
                if not all_within(errs, f"hostile {name} {label} normalize={norm}", tol):
                    return False
    print(f"hostile data: every kernel agrees, worst relative difference {worst:.2e}")
    return True


def fitted(lib):
    rng = np.random.RandomState(7)
    restarts = 2
    ok = True
    t_gp = t_sk = 0.0
    names = list(KERNELS)
    for p in range(20):
        d = 1 + p % 8
        n = int(rng.randint(10, 201))
        name = names[p % 4]
        X, y = problem(rng, n, d)
        y = (y - y.mean()) / y.std()  # standardized here; both fit y as given
        gp = GP(lib, name, d)
        gp.set_normalize(False)
        gp.set_data(X, y)
        t0 = time.perf_counter()
        gp.fit(restarts, seed=p)
        t_gp += time.perf_counter() - t0
        v, _ = gp.lml()
        # Same start (l = 1, s2 = 1, sn2 = 1e-4), same bounds as gpbo's defaults.
        k = sk_kernel(name, np.ones(d), 1.0, 1e-4,
                      {"ell": (1e-3, 1e3), "s2": (1e-3, 1e3), "sn2": (1e-6, 1e1)})
        sk = GaussianProcessRegressor(k, alpha=0.0, n_restarts_optimizer=restarts,
                                      normalize_y=False, random_state=p)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk.fit(X, y)
        t_sk += time.perf_counter() - t0
        sv = sk.log_marginal_likelihood_value_
        status = "ok" if v >= sv - 1e-4 else "FAIL"
        ok &= status == "ok"
        print(f"{status} fit {p:2d} {name:8s} d={d} n={n:3d}: gpbo {v:.6f} sklearn {sv:.6f} "
              f"diff {v - sv:+.2e}")
    print(f"fitting: gpbo {t_gp:.2f} s, sklearn {t_sk:.2f} s in total")
    return ok


def hetero_problem(rng, n, d):
    """A smooth function observed with a noise of known variance alpha_i per point (std 0.03 to
    0.5 of y's spread), on y standardized by hand."""
    X, _ = problem(rng, n, d)
    f = np.sin(3.0 * X @ rng.normal(size=d)) + 0.5 * np.cos(7.0 * X[:, 0])
    alpha = (0.03 + 0.47 * rng.uniform(size=n)) ** 2 * f.var()
    y = f + np.sqrt(alpha) * rng.normal(size=n)
    return X, y, alpha


def hetero_fixed(lib):
    rng = np.random.RandomState(3385)
    worst = 0.0
    for name in KERNELS:
        for norm in (False, True):
            for d, n in [(1, 12), (3, 40), (5, 70)]:
                X, y, alpha = hetero_problem(rng, n, d)
                y = 2.7 * y + 1.3
                Xq = np.vstack([rng.uniform(size=(9, d)), X[:3]])
                ell = np.exp(rng.uniform(-1.0, 0.5, size=d))
                s2, sn2 = 1.9, 0.0071
                ystd = y.std() if norm else 1.0
                gp = GP(lib, name, d)
                gp.set_normalize(norm)
                gp.set_params(np.concatenate([np.log(ell), [np.log(s2), np.log(sn2)]]))
                gp.set_data_noise(X, y, alpha * ystd ** 2)  # alpha: standardized units
                v, g = gp.lml()
                mean, var = gp.predict(Xq)
                cmean, cov = gp.predict_cov(Xq)
                k = sk_kernel(name, ell, s2, sn2, {"ell": (1e-5, 1e5), "s2": (1e-5, 1e5),
                                                   "sn2": (1e-9, 1e5)})
                sk = GaussianProcessRegressor(k, alpha=alpha, optimizer=None, normalize_y=norm)
                sk.fit(X, y)
                sv, sg = sk.log_marginal_likelihood(sk.kernel_.theta, eval_gradient=True)
                sm, sstd = sk.predict(Xq, return_std=True)
                _, scov = sk.predict(Xq, return_cov=True)
                # scikit-learn's predictive (co)variance includes the white kernel's sn2 on the
                # diagonal (it is part of its kernel); alpha is not added at new points
                white = sn2 * ystd ** 2 * np.eye(len(Xq))
                g_ours = np.concatenate([[g[d]], g[:d], [g[d + 1]]])
                errs = {"lml": rel(v, sv), "mean": rel(mean, sm), "cov mean": rel(cmean, sm),
                        "var": rel(var + sn2 * ystd ** 2, sstd ** 2),
                        "cov": np.max(np.abs(cov + white - scov)) / np.max(np.abs(scov)),
                        "grad": np.max(np.abs(g_ours - sg)) / max(1.0, np.max(np.abs(sg)))}
                worst = max(worst, max(errs.values()))
                if not all_within(errs, f"known noise {name} d={d} n={n} normalize={norm}"):
                    return False
    print(f"known noise, fixed hyperparameters: every kernel agrees with scikit-learn's alpha, "
          f"worst relative difference {worst:.2e}")
    return True


def hetero_fitted(lib):
    rng = np.random.RandomState(4385)
    restarts = 2
    ok = True
    names = list(KERNELS)
    for p in range(8):
        d, n, name = 1 + p % 4, int(rng.randint(15, 121)), names[p % 4]
        X, y, alpha = hetero_problem(rng, n, d)
        scale = y.std()
        y, alpha = (y - y.mean()) / scale, alpha / scale ** 2  # standardized; both fit y as given
        gp = GP(lib, name, d)
        gp.set_normalize(False)
        gp.set_data_noise(X, y, alpha)
        gp.fit(restarts, seed=p)
        v, _ = gp.lml()
        k = sk_kernel(name, np.ones(d), 1.0, 1e-4,
                      {"ell": (1e-3, 1e3), "s2": (1e-3, 1e3), "sn2": (1e-6, 1e1)})
        sk = GaussianProcessRegressor(k, alpha=alpha, n_restarts_optimizer=restarts,
                                      normalize_y=False, random_state=p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk.fit(X, y)
        sv = sk.log_marginal_likelihood_value_
        status = "ok" if v >= sv - 1e-4 else "FAIL"
        ok &= status == "ok"
        print(f"{status} known-noise fit {p} {name:8s} d={d} n={n:3d}: gpbo {v:.6f} sklearn "
              f"{sv:.6f} diff {v - sv:+.2e}")
    return ok


# Of the 72 problems: the fit before version 4 of its options ended more than 1 nat below on 11,
# the fit since on 4 (Haswell kernels).
MODES_WORSE_MAX = 7


def modes_problem(rng, n, d, rough, noise):
    """A smooth function (two waves along random directions) or a rough one (a wave of 2 to 5
    periods in every coordinate and a kink), of spread about 1, with or without noise of 0.1 of
    its spread."""
    X = rng.uniform(size=(n, d))
    if rough:
        f = sum(np.sin(2 * np.pi * rng.uniform(2, 5) * X[:, j] + rng.uniform(0, 2 * np.pi))
                for j in range(d)) / np.sqrt(d)
        f = f + 2.0 * np.abs(X - rng.uniform(size=d)).sum(axis=1) / d
    else:
        f = np.sin(3.0 * X @ rng.normal(size=d)) + 0.5 * np.cos(7.0 * X[:, 0])
    return X, f + noise * f.std() * rng.normal(size=n)


def sk_default_lml(name, X, y, seed):
    """scikit-learn's fitted log marginal likelihood with gpbo's default start (l = 1, s2 = 1,
    sn2 = 1e-4), bounds and standardized y, 4 restarts seeded by seed."""
    k = sk_kernel(name, np.ones(X.shape[1]), 1.0, 1e-4,
                  {"ell": (1e-3, 1e3), "s2": (1e-3, 1e3), "sn2": (1e-6, 1e1)})
    sk = GaussianProcessRegressor(k, alpha=0.0, n_restarts_optimizer=4, normalize_y=True,
                                  random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    return sk.log_marginal_likelihood_value_


def modes(lib):
    rng = np.random.RandomState(2385)
    worse, p = [], 0
    for n in (25, 50, 100):
        for d in (2, 4, 6):
            for rough in (False, True):
                for noise in (0.0, 0.1):
                    for name in ("matern52", "se"):
                        X, y = modes_problem(rng, n, d, rough, noise)
                        gp = GP(lib, name, d)
                        gp.set_data(X, y)  # standardized (the default), start l = 1, s2 = 1, sn2 = 1e-4
                        gp.check(lib.gpbo_gp_fit(gp.h, None))
                        v, _ = gp.lml()
                        sv = sk_default_lml(name, X, y, p)
                        if v < sv - 1.0:
                            worse.append(f"{name} n={n} d={d} rough={rough} noise={noise}: "
                                         f"gpbo {v:.3f} sklearn {sv:.3f}")
                        p += 1
    ok = len(worse) <= MODES_WORSE_MAX
    print(f"{'ok' if ok else 'FAIL'} modes: gpbo's default fit more than 1 nat below "
          f"scikit-learn's (4 restarts) on {len(worse)} of {p} problems (at most "
          f"{MODES_WORSE_MAX})")
    for w in worse:
        print("    " + w)
    return ok


ROUGH_WORSE_MAX = 2
DEFAULT_RESTARTS = 10


def rough_modes(lib):
    rng = np.random.RandomState(11)
    worse, p = [], 0
    for n in (100, 200):
        for _ in range(8):
            X, y = modes_problem(rng, n, 2, True, 0.0)
            gp = GP(lib, "se", 2)
            gp.set_data(X, y)
            gp.fit(DEFAULT_RESTARTS, seed=p)  # the defaults but the seed
            v, _ = gp.lml()
            sv = sk_default_lml("se", X, y, p)
            if v < sv - 1.0:
                worse.append(f"se n={n} d=2 rough, no noise: gpbo {v:.3f} sklearn {sv:.3f}")
            p += 1
    ok = len(worse) <= ROUGH_WORSE_MAX
    print(f"{'ok' if ok else 'FAIL'} rough modes: gpbo's default fit more than 1 nat below "
          f"scikit-learn's (4 restarts) on {len(worse)} of {p} rough noise-free problems (at "
          f"most {ROUGH_WORSE_MAX})")
    for w in worse:
        print("    " + w)
    return ok


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    lib = load(sys.argv[1])
    ok = options_abi(lib)
    ok = fixed_hyperparameters(lib) and ok
    ok = normalized(lib) and ok
    ok = hostile(lib) and ok
    ok = fitted(lib) and ok
    ok = hetero_fixed(lib) and ok
    ok = hetero_fitted(lib) and ok
    ok = modes(lib) and ok
    ok = rough_modes(lib) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
