/*
 * figure.c: line, staircase, scatter and band figures drawn by PLplot's SVG driver.
 *
 * PLplot writes to a file, so each figure goes to a private temporary file that is read back
 * and removed. PLplot reports errors through exit/abort handlers; both are redirected here so
 * that a plotting failure becomes a status code instead of ending the process.
 */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpbo/sys/error.h"
#include "hundredths.h"
#include "report.h"

/* Palette (colorblind-safe, Okabe-Ito) in cmap0 slots 1..8; slot 0 is the white background,
 * slot 15 the gray of the axes. */
static const unsigned char palette[8][3] = {
    {0, 114, 178}, {213, 94, 0},   {0, 158, 115},   {204, 121, 167},
    {230, 159, 0}, {86, 180, 233}, {120, 120, 120}, {0, 0, 0},
};

static char plplot_failure[256];

static int on_plexit(PLCHAR_VECTOR msg)
{
    snprintf(plplot_failure, sizeof plplot_failure, "%s", msg ? msg : "PLplot error");
    return 1; /* non-zero: do not exit */
}

static void on_plabort(PLCHAR_VECTOR msg)
{
    snprintf(plplot_failure, sizeof plplot_failure, "%s", msg ? msg : "PLplot error");
}

/* The largest magnitude drawn: beyond it a value is left out as a non-finite one is. PLplot
 * takes the width of an axis (hi - lo) and steps through its ticks in doubles, and an axis
 * from -1e308 to 1e308 is infinitely wide: no labels, no marks where they belong; a value that
 * large (a diverged loss) sits off any useful scale and stays in the table. */
#define FIG_MAX 1e300

static int usable(const gpbo_fig *fig, double v, int is_y)
{
    if (!isfinite(v) || fabs(v) > FIG_MAX)
        return 0;
    if ((is_y ? fig->ylog : fig->xlog) && v <= 0)
        return 0;
    return 1;
}

static double axis_value(int logscale, double v)
{
    return logscale ? log10(v) : v;
}

/* Range of every drawable value of one axis. Returns 0 when there is none. */
static int data_range(const gpbo_fig *fig, int is_y, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (size_t s = 0; s < fig->nseries; s++) {
        const gpbo_fig_series *se = &fig->series[s];
        const double *arrays[3] = {se->x, NULL, NULL};
        if (is_y) {
            arrays[0] = se->kind == GPBO_FIG_BAND ? se->lo : se->y;
            arrays[1] = se->kind == GPBO_FIG_BAND ? se->hi : NULL;
        }
        for (int k = 0; k < 3; k++) {
            if (arrays[k] == NULL)
                continue;
            for (size_t i = 0; i < se->n; i++) {
                double v = arrays[k][i];
                if (!usable(fig, v, is_y))
                    continue;
                v = axis_value(is_y ? fig->ylog : fig->xlog, v);
                a = fmin(a, v);
                b = fmax(b, v);
            }
        }
    }
    if (!(a <= b))
        return 0;
    if (!is_y && fig->nxlabels > 0) {
        *lo = -0.5;
        *hi = (double)fig->nxlabels - 0.5;
        return 1;
    }
    /* An axis narrower than a billionth of its values is drawn as if they were one: PLplot's
     * ticks on a span of a few ulps (0.3 and 0.1 + 0.2) never advanced, and it wrote grid lines
     * into its file until the disk was full. */
    double mag = fmax(fabs(a), fabs(b)), pad = (b - a) * 0.04;
    if (!(b - a > 1e-9 * mag) || b - a < 1e-200) {
        double mid = a / 2 + b / 2;
        a = b = mid;
        pad = fabs(mid) > 1e-200 ? fabs(mid) * 0.05 : 0.5;
    }
    *lo = a - pad;
    *hi = b + pad;
    return 1;
}

/* Copies the drawable points of a series (in axis units) into px/py; returns their count.
 * For STEPS the staircase corners are inserted. A break (non-drawable point) ends a run:
 * draw_runs() below handles them by drawing each maximal run separately. */
static void draw_line_runs(const gpbo_fig *fig, const gpbo_fig_series *se, double *px, double *py,
                           int steps)
{
    size_t m = 0;
    for (size_t i = 0; i <= se->n; i++) {
        int ok = i < se->n && usable(fig, se->x[i], 0) && usable(fig, se->y[i], 1);
        if (ok) {
            double x = axis_value(fig->xlog, se->x[i]), y = axis_value(fig->ylog, se->y[i]);
            if (steps && m > 0) {
                px[m] = x;
                py[m] = py[m - 1];
                m++;
            }
            px[m] = x;
            py[m] = y;
            m++;
            continue;
        }
        if (m > 1)
            plline((PLINT)m, px, py);
        else if (m == 1)
            plstring(1, px, py, "•");
        m = 0;
    }
}

static void draw_points(const gpbo_fig *fig, const gpbo_fig_series *se, double *px, double *py)
{
    size_t m = 0;
    for (size_t i = 0; i < se->n; i++) {
        if (!usable(fig, se->x[i], 0) || !usable(fig, se->y[i], 1))
            continue;
        px[m] = axis_value(fig->xlog, se->x[i]);
        py[m] = axis_value(fig->ylog, se->y[i]);
        m++;
    }
    if (m > 0)
        plstring((PLINT)m, px, py, "•");
}

static void draw_band(const gpbo_fig *fig, const gpbo_fig_series *se, double *px, double *py)
{
    size_t m = 0;
    for (size_t i = 0; i < se->n; i++) {
        if (!usable(fig, se->x[i], 0) || !usable(fig, se->lo[i], 1) || !usable(fig, se->hi[i], 1))
            continue;
        px[m] = axis_value(fig->xlog, se->x[i]);
        py[m] = axis_value(fig->ylog, se->lo[i]);
        m++;
    }
    size_t lower = m;
    for (size_t i = se->n; i-- > 0;) {
        if (!usable(fig, se->x[i], 0) || !usable(fig, se->lo[i], 1) || !usable(fig, se->hi[i], 1))
            continue;
        px[m] = axis_value(fig->xlog, se->x[i]);
        py[m] = axis_value(fig->ylog, se->hi[i]);
        m++;
    }
    if (lower >= 2)
        plfill((PLINT)m, px, py);
}

static char *read_whole_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* s as PLplot text, in a malloc'd string (NULL for s NULL, or out of memory: the failure is
 * noted): as the page shows text (gpbo_report_text_next: no terminal control sequence, other
 * control characters as their symbols), and with '#' doubled: '#' starts PLplot's escapes (#g
 * then a letter: a Greek one, #u: a superscript, #(229): a Hershey glyph), so a name holding one
 * ("x#g", "loss#1") was drawn as something else; "##" is a '#' itself. Every text of a figure
 * is a name or a label, never PLplot markup. */
static char *pl_text(const char *s)
{
    if (s == NULL)
        return NULL;
    char *out = malloc(3 * strlen(s) + 1), *o = out; /* at most 3 bytes out of a byte in */
    if (out == NULL) {
        snprintf(plplot_failure, sizeof plplot_failure, "out of memory");
        return NULL;
    }
    while (*s) {
        size_t n = gpbo_report_text_next(&s, o);
        if (n == 1 && *o == '#')
            o[n++] = '#';
        o += n;
    }
    *o = '\0';
    return out;
}

/* plmtex of a name or a label (pl_text). */
static void mtex(const char *side, double disp, double pos, double just, const char *text)
{
    char *t = pl_text(text);
    plmtex(side, disp, pos, just, t ? t : "");
    free(t);
}

/* The frame of a figure with a categorical x axis: numbered y ticks (log when asked) with a
 * grid, and each x label written under its index, as PLplot numbers only numeric ticks. */
static void draw_category_axes(const gpbo_fig *fig, double x0, double x1, double y0, double y1)
{
    plenv(x0, x1, y0, y1, 0, -2); /* -2: the viewport and window only, no box */
    plbox("bc", 0.0, 0, fig->ylog ? "bcglnstv" : "bcgnstv", 0.0, 0);
    for (size_t k = 0; k < fig->nxlabels; k++) {
        double at = ((double)k - x0) / (x1 - x0);
        mtex("b", k % 2 == 0 || fig->nxlabels <= 6 ? 1.6 : 2.8, at, 0.5, fig->xlabels[k]);
        /* a short tick at each category */
        PLFLT tx[2] = {(double)k, (double)k}, ty[2] = {y0, y0 + (y1 - y0) * 0.015};
        plline(2, tx, ty);
    }
}

static void draw(const gpbo_fig *fig, double x0, double x1, double y0, double y1)
{
    size_t maxn = 0;
    for (size_t s = 0; s < fig->nseries; s++)
        maxn = fig->series[s].n > maxn ? fig->series[s].n : maxn;
    double *px = malloc((2 * maxn + 2) * sizeof *px);
    double *py = malloc((2 * maxn + 2) * sizeof *py);
    if (px == NULL || py == NULL) {
        free(px);
        free(py);
        snprintf(plplot_failure, sizeof plplot_failure, "out of memory");
        return;
    }
    plscol0(15, 90, 90, 90);
    plcol0(15);
    plschr(0, 0.9);
    if (fig->nxlabels > 0)
        draw_category_axes(fig, x0, x1, y0, y1);
    else {
        int axis = (fig->xlog ? 10 : 0) + (fig->ylog ? 20 : 0);
        plenv(x0, x1, y0, y1, 0, axis == 0 ? 2 : axis); /* 2: with a grid */
    }
    char *xl = pl_text(fig->xlabel), *yl = pl_text(fig->ylabel), *ti = pl_text(fig->title);
    pllab(xl ? xl : "", yl ? yl : "", ti ? ti : "");
    free(xl);
    free(yl);
    free(ti);
    /* Bands first, so that lines and points stay on top. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < fig->nseries; s++) {
            const gpbo_fig_series *se = &fig->series[s];
            int is_band = se->kind == GPBO_FIG_BAND;
            if ((pass == 0) != is_band)
                continue;
            int c = 1 + ((se->color % 8) + 8) % 8;
            plscol0a(c, palette[c - 1][0], palette[c - 1][1], palette[c - 1][2],
                     is_band ? 0.22 : 1.0);
            plcol0(c);
            plwidth(se->kind == GPBO_FIG_POINTS ? 1.0 : 1.6);
            if (se->kind == GPBO_FIG_BAND && se->lo && se->hi && se->x)
                draw_band(fig, se, px, py);
            else if (se->kind == GPBO_FIG_POINTS && se->x && se->y)
                draw_points(fig, se, px, py);
            else if (se->x && se->y)
                draw_line_runs(fig, se, px, py, se->kind == GPBO_FIG_STEPS);
        }
    }
    /* Legend: one colored line of text per labelled series, top right. */
    double pos = 1.5;
    for (size_t s = 0; s < fig->nseries; s++) {
        const gpbo_fig_series *se = &fig->series[s];
        if (se->label == NULL || se->kind == GPBO_FIG_BAND)
            continue;
        int c = 1 + ((se->color % 8) + 8) % 8;
        plscol0a(c, palette[c - 1][0], palette[c - 1][1], palette[c - 1][2], 1.0);
        plcol0(c);
        mtex("rv", -1.0, 1.0 - pos * 0.045, 1.0, se->label);
        pos += 1.0;
    }
    free(px);
    free(py);
}

/* ---- compacting the markers --------------------------------------------------------------- */

/* PLplot's SVG driver writes each marker (the "•" of a scatter) as a group of its own, a text
 * element with nine attributes and a tspan with three: ~480 bytes, so a report's scatter of 5000
 * trials was 2.4 MB and its page 31 MB (124 MB at 20000 trials). compact_markers rewrites each
 * run of such texts (markers, and the tick labels and titles, which the driver writes the same
 * way: one tspan of plain text in a group of its own) that share their style as one group
 * holding that style (attributes SVG inherits, and the clip path, which applies in the same user
 * space) around text elements of their own position and content only (~75 bytes a marker), the
 * positions to a hundredth of a unit of the 720 x 420 page: the same drawing but for the
 * antialiasing of a few edge pixels. Whatever is not such a text is copied as it is. */

#define MAX_ATTRS 16

typedef struct attr {
    const char *name, *value; /* not terminated: lengths below */
    size_t nlen, vlen;
} attr;

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* Reads name="value" pairs from p up to '>' (not consumed) into a[] (at most MAX_ATTRS); returns
 * the position of the '>' or NULL when the text is anything else. */
static const char *read_attrs(const char *p, attr *a, size_t *n)
{
    *n = 0;
    for (;;) {
        p = skip_space(p);
        if (*p == '>')
            return p;
        const char *name = p;
        while (*p && *p != '=' && *p != '>' && *p != ' ' && *p != '\n')
            p++;
        if (*p != '=' || p[1] != '"' || *n == MAX_ATTRS)
            return NULL;
        const char *value = p + 2, *end = strchr(value, '"');
        if (end == NULL)
            return NULL;
        a[*n] = (attr){name, value, (size_t)(p - name), (size_t)(end - value)};
        (*n)++;
        p = end + 1;
    }
}

static int attr_is(const attr *a, const char *name)
{
    return a->nlen == strlen(name) && memcmp(a->name, name, a->nlen) == 0;
}

/* Whether a text element's attribute stays on the element (position, and the baseline, which
 * SVG does not inherit) rather than going to the group. */
static int own_attr(const attr *a)
{
    return attr_is(a, "transform") || attr_is(a, "x") || attr_is(a, "y") ||
           attr_is(a, "dominant-baseline");
}

/* Whether an own attribute says what its absence says: x="0.000000", and the baseline
 * "no-change" of a text element, which has no parent text whose baseline it would keep (SVG 1.1
 * 10.9.2: it is then "auto", the initial value; CSS Inline 3 has no such value at all). */
static int default_attr(const attr *a)
{
    return (attr_is(a, "x") && a->vlen == 8 && memcmp(a->value, "0.000000", 8) == 0) ||
           (attr_is(a, "dominant-baseline") && a->vlen == 9 &&
            memcmp(a->value, "no-change", 9) == 0);
}

typedef struct marker {
    attr clip, text[MAX_ATTRS], span[MAX_ATTRS];
    size_t ntext, nspan;
    const char *content; /* the tspan's text, clen bytes */
    size_t clen;
    const char *end; /* just past its </g> */
} marker;

/* Reads the text group starting at p ("<g": a clip path, one text of one tspan of plain text),
 * or returns 0 when p starts anything else. */
static int read_marker(const char *p, marker *m)
{
    static const char END[] = "</tspan></text>";
    size_t n;
    attr g[MAX_ATTRS];
    if (strncmp(p, "<g", 2) != 0 || (p = read_attrs(p + 2, g, &n)) == NULL || n != 1 ||
        !attr_is(&g[0], "clip-path"))
        return 0;
    m->clip = g[0];
    p = skip_space(p + 1);
    if (strncmp(p, "<text", 5) != 0 || (p = read_attrs(p + 5, m->text, &m->ntext)) == NULL)
        return 0;
    if (strncmp(p, "><tspan", 7) != 0 || (p = read_attrs(p + 7, m->span, &m->nspan)) == NULL)
        return 0;
    m->content = p + 1; /* one tspan of plain text (character references), nothing nested */
    const char *end = strstr(m->content, END), *lt = strchr(m->content, '<');
    if (end == NULL || lt != end)
        return 0;
    m->clen = (size_t)(end - m->content);
    p = skip_space(end + sizeof END - 1);
    if (strncmp(p, "</g>", 4) != 0)
        return 0;
    m->end = p + 4;
    return 1;
}

static int attr_equal(const attr *a, const attr *b)
{
    return a->nlen == b->nlen && a->vlen == b->vlen && memcmp(a->name, b->name, a->nlen) == 0 &&
           memcmp(a->value, b->value, a->vlen) == 0;
}

/* Whether markers a and b share their style (everything but their own attributes). */
static int same_style(const marker *a, const marker *b)
{
    if (!attr_equal(&a->clip, &b->clip) || a->ntext != b->ntext || a->nspan != b->nspan)
        return 0;
    for (size_t k = 0; k < a->ntext; k++) {
        const attr *x = &a->text[k], *y = &b->text[k];
        if (x->nlen != y->nlen || memcmp(x->name, y->name, x->nlen) != 0)
            return 0;
        if (!own_attr(x) && !attr_equal(x, y))
            return 0;
    }
    for (size_t k = 0; k < a->nspan; k++)
        if (!attr_equal(&a->span[k], &b->span[k]))
            return 0;
    return 1;
}

static char *put(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

static char *put_number(char *w, const char *s, size_t n);

/* name="value"; with shorten, the numbers of the value shortened (put_number: an own
 * attribute's transform list or coordinate, never its baseline keyword). */
static char *put_attr(char *w, const attr *a, int shorten)
{
    *w++ = ' ';
    w = put(w, a->name, a->nlen);
    w = put(w, "=\"", 2);
    const char *v = a->value, *e = v + a->vlen;
    if (!shorten || attr_is(a, "dominant-baseline")) {
        w = put(w, v, a->vlen);
        v = e;
    }
    while (v < e) {
        const char *t = v;
        while (t < e && (*t == '-' || *t == '.' || (*t >= '0' && *t <= '9')))
            t++;
        if (t > v) {
            w = put_number(w, v, (size_t)(t - v));
            v = t;
        } else {
            *w++ = *v++;
        }
    }
    return put(w, "\"", 1);
}

/* A number of the driver's "%f" form, shortest within 0.01 of a unit of the 720 x 420 page
 * (invisible): "1.000000" -> "1", "515.252541" -> "515.25". Copies other text as it is. The
 * rounding is read off the digits when it can be (gpbo_report__round_hundredths: strtod and
 * snprintf of every marker's two coordinates were 5 % of the CPU of a report of 300 parameters). */
static char *put_number(char *w, const char *s, size_t n)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf)
        return put(w, s, n);
    int k = gpbo_report__round_hundredths(s, n, buf);
    if (k < 0) {
        memcpy(buf, s, n);
        buf[n] = '\0';
        double v = strtod(buf, &end);
        if (end != buf + n || !isfinite(v))
            return put(w, s, n);
        k = snprintf(buf, sizeof buf, "%.2f", v);
    }
    if (k < 0 || (size_t)k >= sizeof buf || (size_t)k > n) /* never longer than it was */
        return put(w, s, n);
    while (k > 0 && buf[k - 1] == '0')
        k--;
    if (k > 0 && buf[k - 1] == '.')
        k--;
    if (k == 2 && buf[0] == '-' && buf[1] == '0') /* -0 */
        return put(w, "0", 1);
    return put(w, buf, (size_t)k);
}

/* doc rewritten with its markers compacted (a new malloc'd string; doc itself on no memory,
 * which only costs the size). The result is never longer than doc: each marker's fixed text
 * (43 bytes and its indentation) is longer than its group's share of the new one (31), each
 * attribute is written back as long as it was or shorter. */
static char *compact_markers(char *doc, size_t len)
{
    char *out = malloc(len + 1), *w = out;
    if (out == NULL)
        return doc;
    const char *r = doc;
    marker cur, open;
    int in_group = 0;
    while (*r) {
        const char *lt = strchr(r, '<');
        if (lt == NULL)
            lt = r + strlen(r);
        if (lt > r) { /* text between tags: dropped between two markers of one group */
            if (!in_group)
                w = put(w, r, (size_t)(lt - r));
            r = lt;
            continue;
        }
        if (!read_marker(r, &cur)) {
            if (in_group) {
                w = put(w, "</g>\n", 5);
                in_group = 0;
            }
            *w++ = *r++;
            continue;
        }
        if (in_group && !same_style(&open, &cur)) {
            w = put(w, "</g>\n", 5);
            in_group = 0;
        }
        if (!in_group) {
            w = put(w, "<g", 2);
            w = put_attr(w, &cur.clip, 0);
            for (size_t k = 0; k < cur.ntext; k++)
                if (!own_attr(&cur.text[k]))
                    w = put_attr(w, &cur.text[k], 0);
            for (size_t k = 0; k < cur.nspan; k++)
                w = put_attr(w, &cur.span[k], 0);
            w = put(w, ">\n", 2);
            open = cur;
            in_group = 1;
        }
        w = put(w, "<text", 5);
        for (size_t k = 0; k < cur.ntext; k++)
            if (own_attr(&cur.text[k]) && !default_attr(&cur.text[k]))
                w = put_attr(w, &cur.text[k], 1);
        *w++ = '>';
        w = put(w, cur.content, cur.clen);
        w = put(w, "</text>\n", 8);
        r = cur.end;
    }
    if (in_group)
        w = put(w, "</g>\n", 5);
    *w = '\0';
    free(doc);
    return out;
}

int gpbo_fig_svg(const gpbo_fig *fig, char **out_svg)
{
    if (out_svg == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gpbo_fig_svg: out_svg is NULL");
    *out_svg = NULL;
    if (fig == NULL || (fig->nseries > 0 && fig->series == NULL))
        return gpbo_error_set(GPBO_EINVAL, "gpbo_fig_svg: no figure");
    double x0, x1, y0, y1;
    if (!data_range(fig, 0, &x0, &x1) || !data_range(fig, 1, &y0, &y1))
        return gpbo_error_set(GPBO_EINVAL, "figure '%s': nothing finite to draw",
                              fig->title ? fig->title : "");

    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/gpbo-fig-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return gpbo_error_set(GPBO_EIO, "figure: cannot create a temporary file in %s",
                              tmp && *tmp ? tmp : "/tmp");
    close(fd);

    PLINT old_stream, stream;
    plgstrm(&old_stream);
    plmkstrm(&stream);
    if (stream < 0) {
        unlink(path);
        return gpbo_error_set(GPBO_EIO, "figure: PLplot has no free stream");
    }
    plplot_failure[0] = '\0';
    plsexit(on_plexit);
    plsabort(on_plabort);
    plsdev("svg");
    plsfnam(path);
    plspage(0, 0, 720, 420, 0, 0);
    plscol0(0, 255, 255, 255);
    plinit();
    if (plplot_failure[0] == '\0')
        draw(fig, x0, x1, y0, y1);
    plend1();
    plsstrm(old_stream);

    int rc = GPBO_OK;
    size_t len = 0;
    char *doc = NULL;
    if (plplot_failure[0] != '\0')
        rc = gpbo_error_set(GPBO_EIO, "figure '%s': PLplot: %s", fig->title ? fig->title : "",
                            plplot_failure);
    else if ((doc = read_whole_file(path, &len)) == NULL)
        rc = gpbo_error_set(GPBO_EIO, "figure: cannot read back %s", path);
    unlink(path);
    if (rc != GPBO_OK)
        return rc;

    /* Keep the <svg> element only; make it scale with the page. */
    char *start = strstr(doc, "<svg");
    if (start == NULL) {
        free(doc);
        return gpbo_error_set(GPBO_EIO, "figure: PLplot wrote no <svg> element");
    }
    size_t keep = len - (size_t)(start - doc);
    memmove(doc, start, keep + 1);
    char *w = strstr(doc, "width=\"720pt\"");
    if (w != NULL)
        memcpy(w, "width=\"100%\" ", 13);
    char *h = strstr(doc, "height=\"420pt\"");
    if (h != NULL)
        memcpy(h, "              ", 14);
    *out_svg = compact_markers(doc, strlen(doc));
    return GPBO_OK;
}
