/*
 * pareto.c: the geometry of several objectives (issue 20), every objective minimized: which
 * points are non-dominated (gpbo_pareto_front), the hypervolume they dominate below a
 * reference point (gpbo_hypervolume: a sort for two, slices for three, WFG for more), the
 * improvement of it one more point brings, and the
 * closed-form expected hypervolume improvement of two objectives under independent Gaussians
 * (gpbo_search__ehvi2), for the Bayesian strategy's several-objective step (bayes_mo.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "pareto_internal.h"

static int has_nan(size_t k, const double *p)
{
    for (size_t j = 0; j < k; j++)
        if (isnan(p[j]))
            return 1;
    return 0;
}

/* Whether a weakly dominates b: no worse in every value (NaN-free rows). */
static int weakly_dominates(size_t k, const double *a, const double *b)
{
    for (size_t j = 0; j < k; j++)
        if (!(a[j] <= b[j]))
            return 0;
    return 1;
}

/* Whether a dominates b: no worse in every value, better in one. */
static int dominates(size_t k, const double *a, const double *b)
{
    int better = 0;
    for (size_t j = 0; j < k; j++) {
        if (a[j] > b[j])
            return 0;
        better |= a[j] < b[j];
    }
    return better;
}

size_t gpbo_pareto_front(size_t n, size_t k, const double *y, int *out)
{
    size_t count = 0;
    if (y == NULL || out == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = !has_nan(k, y + i * k);
        for (size_t o = 0; out[i] && o < n; o++)
            if (o != i && !has_nan(k, y + o * k) && dominates(k, y + o * k, y + i * k))
                out[i] = 0;
        count += (size_t)out[i];
    }
    return count;
}

/* ---- hypervolume --------------------------------------------------------------------------- */

typedef struct keyed {
    double key;
    size_t row;
} keyed;

static int by_key(const void *a, const void *b)
{
    double x = ((const keyed *)a)->key, z = ((const keyed *)b)->key;
    return (x > z) - (x < z);
}

/* Sorts the n rows of pts (stride values each) by their value col, ascending (through an index,
 * so that no comparator reads shared state: studies of distinct threads call it at once).
 * GPBO_ENOMEM leaves pts as it was. */
static int sort_rows(double *pts, size_t n, size_t stride, size_t col)
{
    keyed *ix = malloc((n ? n : 1) * sizeof *ix);
    double *copy = malloc((n ? n : 1) * stride * sizeof *copy);
    if (ix == NULL || copy == NULL) {
        free(ix);
        free(copy);
        return gpbo_error_set(GPBO_ENOMEM, "hypervolume: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        ix[i] = (keyed){pts[i * stride + col], i};
    qsort(ix, n, sizeof *ix, by_key);
    memcpy(copy, pts, n * stride * sizeof *pts);
    for (size_t i = 0; i < n; i++)
        memcpy(pts + i * stride, copy + ix[i].row * stride, stride * sizeof *pts);
    free(ix);
    free(copy);
    return GPBO_OK;
}

/* Two objectives: sorted by the first, each point adds the strip between it and the lowest
 * second value seen so far. pts (n rows of stride values) is sorted in place. */
static double hv2(size_t n, size_t stride, double *pts, const double *ref)
{
    if (sort_rows(pts, n, stride, 0) != GPBO_OK)
        return NAN;
    double hv = 0.0, low = ref[1];
    for (size_t i = 0; i < n; i++) {
        const double *p = pts + i * stride;
        if (p[1] < low) {
            hv += (ref[0] - p[0]) * (low - p[1]);
            low = p[1];
        }
    }
    return hv;
}

/* Three objectives: sorted by the third value, the points enter a list kept sorted by the first
 * (insertion), and each slab between two consecutive third values holds the staircase area of
 * the list: O(n^2) with one sort, the common case of the Monte Carlo EHVI. buf: 2n values. */
static double hv3(size_t n, double *pts, const double *ref, double *buf)
{
    if (sort_rows(pts, n, 3, 2) != GPBO_OK)
        return NAN;
    double hv = 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t at = i;
        const double *p = pts + 3 * i;
        for (; at > 0 && buf[2 * (at - 1)] > p[0]; at--) {
            buf[2 * at] = buf[2 * (at - 1)];
            buf[2 * at + 1] = buf[2 * (at - 1) + 1];
        }
        buf[2 * at] = p[0];
        buf[2 * at + 1] = p[1];
        double top = i + 1 < n ? pts[3 * (i + 1) + 2] : ref[2], depth = top - p[2];
        if (!(depth > 0))
            continue;
        double area = 0.0, low = ref[1];
        for (size_t r = 0; r <= i; r++)
            if (buf[2 * r + 1] < low) {
                area += (ref[0] - buf[2 * r]) * (low - buf[2 * r + 1]);
                low = buf[2 * r + 1];
            }
        hv += depth * area;
    }
    return hv;
}

/* Keeps, in place, the rows of pts (n rows of k values) that no other row weakly dominates (no
 * larger in every value; of equal rows, the first): their number, rows 0 .. that - 1. Each row
 * is checked against the rows kept so far only, O(n m k) for m kept. */
static size_t keep_nondominated(size_t n, size_t k, double *pts)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *c = pts + i * k;
        int dropped = 0;
        for (size_t r = 0; !dropped && r < m; r++)
            dropped = weakly_dominates(k, pts + r * k, c);
        if (dropped)
            continue;
        /* the kept rows c dominates go: the later kept ones move down over them */
        size_t w = 0;
        for (size_t r = 0; r < m; r++) {
            if (!weakly_dominates(k, c, pts + r * k)) {
                if (w != r)
                    memmove(pts + w * k, pts + r * k, k * sizeof *pts);
                w++;
            }
        }
        memmove(pts + w * k, c, k * sizeof *pts);
        m = w + 1;
    }
    return m;
}

static double hv_rec(size_t n, size_t k, double *pts, const double *ref, double *scratch);

/* k >= 4 objectives by WFG (While, Bradstreet & Barone, IEEE TEC 16(1), 2012): the rows sorted
 * by their last value, worst first, the hypervolume is the sum of each row's exclusive part
 * over the rows after it. Those rows are no worse in the last value, so clipped to the row
 * (each value's max with its) they all share its last value: the exclusive part is
 * (ref - p) in the last value times the (k-1)-dimensional box of p less the hypervolume of the
 * clipped rows, reduced to those that no other dominates (few, where the slicing of every
 * prefix cost O(n^(k-1))). scratch: n (k - 1) values for the clipped rows, then the deeper
 * levels' (n k k values in all suffice). */
static double hv_wfg(size_t n, size_t k, double *pts, const double *ref, double *scratch)
{
    if (sort_rows(pts, n, k, k - 1) != GPBO_OK)
        return NAN;
    double hv = 0.0, *clip = scratch, *deeper = scratch + n * (k - 1);
    for (size_t i = n; i-- > 0;) { /* ascending sort: row n - 1 is the worst in the last value */
        const double *p = pts + i * k;
        double depth = ref[k - 1] - p[k - 1], box = 1.0;
        for (size_t j = 0; j + 1 < k; j++)
            box *= ref[j] - p[j];
        size_t c = 0;
        for (size_t r = 0; r < i; r++, c++)
            for (size_t j = 0; j + 1 < k; j++)
                clip[c * (k - 1) + j] = pts[r * k + j] > p[j] ? pts[r * k + j] : p[j];
        c = keep_nondominated(c, k - 1, clip);
        hv += depth * (box - hv_rec(c, k - 1, clip, ref, deeper));
    }
    return hv;
}

/* k objectives, the points strictly below ref already (n rows of k values, a scratch copy,
 * reordered): 1 and 2 by a sort, 3 by slices, more by WFG. scratch: n k k values. */
static double hv_rec(size_t n, size_t k, double *pts, const double *ref, double *scratch)
{
    if (n == 0)
        return 0.0;
    if (k == 1) {
        double lo = ref[0];
        for (size_t i = 0; i < n; i++)
            lo = pts[i] < lo ? pts[i] : lo;
        return ref[0] - lo;
    }
    if (k == 2)
        return hv2(n, 2, pts, ref);
    if (k == 3)
        return hv3(n, pts, ref, scratch);
    return hv_wfg(n, k, pts, ref, scratch);
}

double gpbo_hypervolume(size_t n, size_t k, const double *y, const double *ref)
{
    if (k == 0 || (n > 0 && y == NULL) || ref == NULL || has_nan(k, ref))
        return NAN;
    double *pts = malloc((n ? n : 1) * k * sizeof *pts);
    /* each level of the recursion keeps its copy: n * (k - 1) + n * (k - 2) + ... values */
    double *scratch = malloc((n ? n : 1) * k * k * sizeof *scratch);
    if (pts == NULL || scratch == NULL) {
        free(pts);
        free(scratch);
        gpbo_error_set(GPBO_ENOMEM, "hypervolume: out of memory");
        return NAN;
    }
    size_t m = 0;
    int unbounded = 0; /* a row's box is infinite: its sides are all positive, one infinite */
    for (size_t i = 0; i < n; i++) {
        const double *p = y + i * k;
        int below = !has_nan(k, p), inf = 0;
        for (size_t j = 0; below && j < k; j++) {
            below = p[j] < ref[j];
            inf |= isinf(p[j]) || isinf(ref[j]);
        }
        if (below)
            memcpy(pts + m++ * k, p, k * sizeof *p);
        unbounded |= below && inf;
    }
    /* an infinite value would meet another in the sums (inf - inf): the answer is known */
    double hv = unbounded ? INFINITY : hv_rec(m, k, pts, ref, scratch);
    free(pts);
    free(scratch);
    return hv;
}

double gpbo_search__hvi(size_t m, size_t k, const double *front, const double *ref, const double *y,
                        double *scratch)
{
    /* HVI(y) = the box [y, ref] less what the front dominates of it: the front clipped to the
     * box (each point's max with y) */
    double box = 1.0;
    for (size_t j = 0; j < k; j++) {
        if (!(y[j] < ref[j]))
            return 0.0;
        box *= ref[j] - y[j];
    }
    double *clip = scratch, *rest = scratch + m * k;
    size_t c = 0;
    for (size_t i = 0; i < m; i++) {
        const double *p = front + i * k;
        int inside = 1;
        for (size_t j = 0; j < k; j++) {
            clip[c * k + j] = p[j] > y[j] ? p[j] : y[j];
            inside &= clip[c * k + j] < ref[j];
        }
        c += (size_t)inside;
    }
    double v = box - hv_rec(c, k, clip, ref, rest);
    return v > 0 ? v : 0.0;
}

/* ---- expected hypervolume improvement, two objectives ------------------------------------- */

/* E[(c - Y)^+] for Y ~ N(mu, sd^2). */
static double psi(double c, double mu, double sd)
{
    if (isinf(c))
        return c < 0 ? 0.0 : INFINITY;
    if (!(sd > 0))
        return c > mu ? c - mu : 0.0;
    double z = (c - mu) / sd;
    return (c - mu) * 0.5 * erfc(-z / M_SQRT2) + sd * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

double gpbo_search__ehvi2(size_t m, const double *front, const double *ref, const double *mu,
                          const double *sd)
{
    /* The region the front leaves undominated below ref is a staircase: over the first value's
     * strip [a_i, a_(i+1)) (a_0 = -inf, a_(m+1) = ref[0]) it lies below b_i (b_0 = ref[1], b_i
     * the second value of front point i). The improvement in strip i is
     * (a_(i+1) - max(Y1, a_i))^+ (b_i - Y2)^+, whose expectation under independence is
     * (psi1(a_(i+1)) - psi1(a_i)) psi2(b_i). */
    double ehvi = 0.0, prev = 0.0, b = ref[1];
    for (size_t i = 0; i <= m; i++) {
        double a_next = i < m ? front[i * 2] : ref[0];
        double next = psi(a_next, mu[0], sd[0]);
        ehvi += (next - prev) * psi(b, mu[1], sd[1]);
        prev = next;
        if (i < m)
            b = front[i * 2 + 1];
    }
    return ehvi > 0 ? ehvi : 0.0;
}

size_t gpbo_search__front_sorted2(size_t n, const double *y, const double *ref, double *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!has_nan(2, y + i * 2) && y[i * 2] < ref[0] && y[i * 2 + 1] < ref[1])
            memcpy(out + 2 * m++, y + i * 2, 2 * sizeof *y);
    if (sort_rows(out, m, 2, 0) != GPBO_OK)
        return SIZE_MAX;
    /* keep each point whose second value is below every earlier one's */
    size_t kept = 0;
    double low = INFINITY;
    for (size_t i = 0; i < m; i++)
        if (out[i * 2 + 1] < low) {
            low = out[i * 2 + 1];
            memmove(out + 2 * kept++, out + 2 * i, 2 * sizeof *out);
        }
    return kept;
}
