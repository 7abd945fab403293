/*
 * report.h: gpbo's report writer, internal to the command-line tool: figures drawn with PLplot
 * as SVG, and a self-contained HTML page (no script, no network) that embeds them with tables.
 *
 * It knows nothing about studies: the CLI turns a study or a comparison into the plain data
 * below (curves, points, bands, rows of text), so the writer can be tested on its own.
 * Not thread-safe: PLplot keeps global state.
 */
#ifndef GPBO_REPORT_H
#define GPBO_REPORT_H

#include <stddef.h>

/** How one series is drawn. */
typedef enum gpbo_fig_kind {
    GPBO_FIG_LINE,   /**< a polyline through (x, y); NaN values break the line */
    GPBO_FIG_STEPS,  /**< a staircase (best-so-far curves) */
    GPBO_FIG_POINTS, /**< markers at (x, y) */
    GPBO_FIG_BAND    /**< a translucent area between lo and hi along x */
} gpbo_fig_kind;

typedef struct gpbo_fig_series {
    gpbo_fig_kind kind;
    const char *label; /**< legend text; NULL for none */
    size_t n;
    const double *x;
    const double *y;  /**< LINE, STEPS, POINTS */
    const double *lo; /**< BAND */
    const double *hi; /**< BAND */
    int color;        /**< palette index 0..7; a band and its line share a color */
} gpbo_fig_series;

typedef struct gpbo_fig {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    int ylog; /**< logarithmic y axis (values <= 0 are left out) */
    int xlog; /**< logarithmic x axis (values <= 0 are left out) */
    size_t nseries;
    const gpbo_fig_series *series;
    /* Categorical x axis (optional; appended so that older initializers keep their meaning):
     * nxlabels > 0 puts xlabels[k] as the tick at x = k, the axis spanning -0.5..nxlabels-0.5,
     * instead of numbered ticks (categories, parameter names). */
    size_t nxlabels;
    const char *const *xlabels;
} gpbo_fig;

/**
 * Draws fig as an SVG document (the <svg> element only, ready to be inlined in HTML).
 * @param[out] out_svg a malloc'd NUL-terminated string; the caller frees it.
 * @return GPBO_OK; GPBO_EINVAL when there is nothing finite to draw (the message says which
 *         figure); GPBO_EIO when PLplot fails; GPBO_ENOMEM. On error *out_svg is NULL.
 */
int gpbo_fig_svg(const gpbo_fig *fig, char **out_svg);

/** A table: ncols headers, nrows rows of ncols cells each (row-major). Cells are plain text. */
typedef struct gpbo_report_table {
    const char *caption;
    size_t ncols;
    size_t nrows;
    const char *const *header;
    const char *const *cells;
} gpbo_report_table;

/** One titled section of the page: optional text, tables and SVG figures, in that order. */
typedef struct gpbo_report_section {
    const char *title;
    const char *text; /**< a paragraph of plain text, or NULL */
    size_t ntables;
    const gpbo_report_table *tables;
    size_t nfigures;
    const char *const *figures;  /**< SVG strings from gpbo_fig_svg */
    const char *const *captions; /**< one per figure, or NULL */
} gpbo_report_section;

/**
 * Writes a self-contained HTML page (UTF-8, inline CSS, figures inlined as SVG) to path,
 * atomically (a temporary file renamed into place) when path is a regular file or does not
 * exist; in place when it is anything else (a symbolic link, whose target is written; a device).
 * @return GPBO_OK, GPBO_EINVAL for a NULL argument, GPBO_EIO when the file cannot be written.
 */
int gpbo_report_write_html(const char *path, const char *title, size_t nsections,
                           const gpbo_report_section *sections);

/**
 * Text from the storage or a sweep file (a name, a failure reason) as a page shows it, one
 * piece at a time (text.c): terminal control sequences (colours ESC [ ... m, cursor moves, titles
 * and links ESC ] ... BEL; ECMA-48) left out, any other control character but a tab or a line end
 * shown as its symbol (U+2400 + its code; DEL U+2421; a CR before a LF left out), each byte that
 * starts no UTF-8 character written as U+FFFD. The dashboard's page applies the same rules.
 * Reads the piece at *s (a character, or a whole control sequence; *s not at its end), advances
 * *s past it and writes what is shown of it to out: the number of bytes written (0 to 4). This
 * function cannot fail.
 */
size_t gpbo_report_text_next(const char **s, char out[4]);

/**
 * The whole of s as gpbo_report_text_next shows it, in a malloc'd string the caller frees;
 * NULL for s NULL or when out of memory.
 */
char *gpbo_report_text(const char *s);

#endif /* GPBO_REPORT_H */
