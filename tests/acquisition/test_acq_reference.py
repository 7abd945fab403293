#!/usr/bin/python3
"""test_acq_reference.py: EI, log EI, log PI and LCB and their gradients against mpmath.

The acquisition's formulas (gpbo_acq__utility, through the helper acq_values) are evaluated at
z = (best_f - mu) / sigma from -40 to +40 in steps of 1/4 (and at the branch points, and down to
z = -1e9), sigma from 1e-140 to 1e140, mu = 0, 2.385 and -1234.5 (mu = best_f exactly at z = 0),
with three gradients of (mu, var) in x: both moving, only var moving, only mu moving. The
reference is the exact function of the same double inputs, computed by mpmath at 60 digits.

What is asserted, for each value and each gradient f, with eps = 2^-52:

    |computed - exact| <= 16 eps scale + 4 eps |z df/dz| + 1e-320

scale is |f| (for a gradient: the sum of the magnitudes of its mu and sigma terms; for log EI,
|log h(z)| + |log sigma|, the two terms it adds; for LCB, |mu| + sqrt(beta) sigma), and (1 + z^2)
|f| for the gradient of log EI at -10 < z < -1, where acq.c computes h = phi(u) - u Q(u) with
its cancellation (a faster alternative than the continued fraction that avoids it: measured
3.4e-14 relative at worst, at z = -9; BoTorch's log1mexp form cancels alike). The second
term is the conditioning: z itself is rounded (1.5 ulps at most, from best_f - mu, the square
root and the division), and no formula in doubles can do better than the exact function at a z
a few ulps away; EI = sigma h(z) moves by u^2 ulps for one ulp of z = -u. So: backward stable
to 4 ulps of z, forward accurate to 16 eps. For the logarithms (log EI, log PI), whose values are
well conditioned, this bounds the plain relative error |computed - exact| / max(1, |exact|) by
about 1e-14 (measured: 5e-14 at worst, where log h and log sigma nearly cancel); that figure is
printed too, kind by kind.

Then the gradients against central differences of the computed values (in mu and in var
separately, steps 1e-6 sigma and 1e-6 var, for |z| <= 40, mu = 0 and values above 1e-290):
agreement to 1e-6 relative, plus the differences' own rounding.

Exits 1 listing the worst failures. Usage: test_acq_reference.py PATH/TO/acq_values
"""
import math
import subprocess
import sys

import mpmath as mp

mp.mp.dps = 60
EPS = 2.0 ** -52
KINDS = {0: "ei", 1: "logei", 2: "logpi", 3: "lcb"}
SQRT_BETA = 2.0

ZS = [k / 4 for k in range(-160, 161)] + [
    -0.999, -1.001, -9.99, -10.01, -29.99, -30.01, -37.3, -38.4, 36.99, 37.01,
    -100.0, -1e3, -1e5, -1e8, -1e9]
SIGMAS = [1e-140, 1e-12, 1e-3, 2.385, 1e3, 1e12, 1e140]
MUS = [0.0, 2.385, -1234.5]


def cases():
    """(kind, best, mu, var, dmu, dvar) tuples; the gradients of mu scale with sigma where mu
    does (so that both terms of a gradient matter at every sigma)."""
    out = []
    for k in KINDS:
        for s in SIGMAS:
            var = s * s
            for mu in MUS:
                for z in ZS:
                    best = mu + z * s
                    if not math.isfinite(best):
                        continue
                    for dm, dv in ((0.7, -0.3), (0.0, 0.45), (1.3, 0.0)):
                        out.append((k, best, mu, var, dm * s, dv * var))
    return out


def run(exe, rows):
    text = "".join("%d %r %r %r %r %r %r\n" % (r + (SQRT_BETA,)) for r in rows)
    res = subprocess.run([exe], input=text, capture_output=True, text=True, check=True)
    vals = [tuple(map(float, line.split())) for line in res.stdout.splitlines()]
    assert len(vals) == len(rows), "the helper answered %d of %d lines" % (len(vals), len(rows))
    return vals


def reference(k, best, mu, var, dmu, dvar):
    """The exact value, its scale and conditioning; the exact gradient, its scale and
    conditioning; z."""
    best, mu, var, dmu, dvar = map(mp.mpf, (best, mu, var, dmu, dvar))
    s = mp.sqrt(var)
    z = (best - mu) / s
    ds = dvar / (2 * s)
    phi = mp.npdf(z)
    Q, Phi = mp.ncdf(-z), mp.ncdf(z)  # each directly: 1 - the other loses it in a tail
    if k == 0:
        H = phi + z * Phi
        v, vscale, dv_dz = s * H, s * H, s * Phi
        gm, gs = -Phi * dmu, phi * ds
        dgm, dgs = -phi * dmu, -z * phi * ds
    elif k == 1:
        H = phi + z * Phi
        v = mp.log(H) + mp.log(s)
        vscale, dv_dz = abs(mp.log(H)) + abs(mp.log(s)), Phi / H
        gm, gs = -Phi / (s * H) * dmu, phi / (s * H) * ds
        dgm = -(phi * H - Phi * Phi) / (s * H * H) * dmu
        dgs = (-z * phi * H - phi * Phi) / (s * H * H) * ds
    elif k == 2:
        v = mp.log1p(-Q) if z > 0 else mp.log(Phi)
        vscale, dv_dz = abs(v), phi / Phi
        r = phi / Phi
        dr = (-z * phi * Phi - phi * phi) / (Phi * Phi)
        gm, gs = -r / s * dmu, -z * r / s * ds
        dgm, dgs = -dr / s * dmu, -(r + z * dr) / s * ds
    else:
        v = -(mu - SQRT_BETA * s)
        vscale, dv_dz = abs(mu) + SQRT_BETA * s, 0
        gm, gs = -dmu, SQRT_BETA * ds
        dgm = dgs = 0
    return (v, vscale, abs(z * dv_dz), gm + gs, abs(gm) + abs(gs),
            abs(z) * (abs(dgm) + abs(dgs)), z)


def main():
    exe = sys.argv[1]
    rows = cases()
    got = run(exe, rows)
    failures, plain = [], {}
    for row, (v, g) in zip(rows, got):
        rv, vs, vc, rg, gsc, gc, z = reference(*row)
        for what, c, r, scale, cond in (("value", v, rv, vs, vc), ("gradient", g, rg, gsc, gc)):
            err = abs(mp.mpf(c) - r)
            if row[0] == 1 and what == "gradient" and -10 < z < -1:
                scale *= 1 + z * z  # h = phi(u) - u Q(u) cancels there (acq.c)
            tol = 16 * EPS * scale + 4 * EPS * cond + mp.mpf("1e-320")
            if not (err <= tol):  # also NaN
                failures.append((float(err / tol), KINDS[row[0]], what, float(z), row, c, r))
            key = (KINDS[row[0]], what)
            rel = float(err / max(1, abs(r)) if what == "value" else err / max(abs(r), 1e-300))
            if key not in plain or rel > plain[key][0]:
                plain[key] = (rel, float(z), math.sqrt(row[3]))
    for key in sorted(plain):
        rel, z, s = plain[key]
        print("%-6s %-8s largest relative error %.2g (z = %.6g, sigma = %.3g)" % (key + plain[key]))

    # central differences of the computed values, |z| <= 40
    fd_rows, fd_of = [], []
    for row, (v, g) in zip(rows, got):
        k, best, mu, var, dmu, dvar = row
        s = math.sqrt(var)
        z = (best - mu) / s
        # mu = 0 (elsewhere mu + 1e-6 sigma may round to mu), values above the subnormals
        if abs(z) > 40 or dmu == 0 or dvar == 0 or mu != 0 or abs(v) < 1e-290:
            continue
        hm, hv = 1e-6 * s, 1e-6 * var
        for sign in (1, -1):
            fd_rows.append((k, best, mu + sign * hm, var, 0.0, 0.0))
        for sign in (1, -1):
            fd_rows.append((k, best, mu, var + sign * hv, 0.0, 0.0))
        fd_rows.append((k, best, mu, var, 1.0, 0.0))
        fd_rows.append((k, best, mu, var, 0.0, 1.0))
        fd_of.append((row, hm, hv))
    fd = run(exe, fd_rows)
    fd_fail = 0
    for i, (row, hm, hv) in enumerate(fd_of):
        (vp, _), (vm, _), (wp, _), (wm, _), (_, gmu), (_, gvar) = fd[6 * i:6 * i + 6]
        for name, num, ana in (("mu", (vp - vm) / (2 * hm), gmu), ("var", (wp - wm) / (2 * hv), gvar)):
            # the differences carry the values' rounding, eps |v| / h
            noise = 4 * EPS * max(abs(vp), abs(vm), abs(wp), abs(wm)) / (hm if name == "mu" else hv)
            if not abs(num - ana) <= 1e-6 * abs(ana) + noise + 1e-300:
                fd_fail += 1
                if fd_fail <= 10:
                    print("FD %s d/d%s at %r: analytic %.17g, central differences %.17g"
                          % (KINDS[row[0]], name, row, ana, num))
    print("%d values and gradients against mpmath, %d against central differences"
          % (2 * len(rows), 2 * len(fd_of)))
    failures.sort(reverse=True)
    for f in failures[:int(__import__("os").environ.get("NFAIL", "20"))]:
        print("FAIL %s %s at z = %.6g: %r gives %.17g, exact %s (error %.3g of the bound)"
              % (f[1], f[2], f[3], f[4], f[5], mp.nstr(f[6], 17), f[0]))
    if failures or fd_fail:
        print("%d failures against mpmath, %d against central differences" % (len(failures), fd_fail))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
