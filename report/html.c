/*
 * html.c: the self-contained HTML page of a report: inline CSS, inline SVG figures, tables of
 * escaped text, no script and nothing fetched from the network.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpbo/sys/error.h"
#include "report.h"

static const char *const page_css =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f7f9;"
    "color:#1d232b}"
    "main{max-width:1100px;margin:0 auto;padding:24px}"
    "h1{font-size:1.6em;margin:0 0 12px}h2{font-size:1.25em;margin:28px 0 10px;"
    "border-bottom:1px solid #d8dce2;padding-bottom:4px}"
    "section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:8px 20px 16px;"
    "margin-bottom:18px}"
    "table{border-collapse:collapse;font-size:.9em;margin:8px 0}"
    "th,td{border-bottom:1px solid #e6e8ec;padding:4px 10px;text-align:left;"
    "font-variant-numeric:tabular-nums}"
    "th{background:#eef1f5;position:sticky;top:0}"
    ".scroll{max-height:420px;overflow:auto;border:1px solid #e6e8ec}"
    "figure{margin:12px 0}figure svg{display:block;max-width:100%;height:auto}"
    "figcaption{font-size:.85em;color:#555;margin-top:2px}"
    "caption{text-align:left;font-weight:600;padding:4px 0}"
    /* a name of one long word (200 bytes) wraps in its cell or line instead of widening the
     * page past the window */
    "h1,h2,p,th,td,caption,figcaption{overflow-wrap:anywhere}";

/* s as HTML text (gpbo_report_text_next: no terminal control sequence, other control
 * characters as their symbols, U+FFFD for each byte that starts no UTF-8 character, as the
 * dashboard shows it), markup characters escaped. */
static void put_escaped(FILE *f, const char *s)
{
    while (s != NULL && *s) {
        char out[4];
        size_t n = gpbo_report_text_next(&s, out);
        if (n != 1) {
            fwrite(out, 1, n, f);
            continue;
        }
        switch (out[0]) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(out[0], f);
        }
    }
}

static void put_table(FILE *f, const gpbo_report_table *t)
{
    int scroll = t->nrows > 15;
    if (scroll)
        fputs("<div class=\"scroll\">", f);
    fputs("<table>", f);
    if (t->caption) {
        fputs("<caption>", f);
        put_escaped(f, t->caption);
        fputs("</caption>", f);
    }
    fputs("<thead><tr>", f);
    for (size_t c = 0; c < t->ncols; c++) {
        fputs("<th>", f);
        put_escaped(f, t->header ? t->header[c] : "");
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs("<td>", f);
            put_escaped(f, t->cells[r * t->ncols + c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>", f);
    if (scroll)
        fputs("</div>", f);
    fputc('\n', f);
}

int gpbo_report_write_html(const char *path, const char *title, size_t nsections,
                           const gpbo_report_section *sections)
{
    if (path == NULL || (nsections > 0 && sections == NULL))
        return gpbo_error_set(GPBO_EINVAL, "report: path or sections is NULL");
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (tmp == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "report: out of memory");
    /* A new or regular file is written beside and renamed over, so a reader never sees half a
     * page. Anything else is written in place: a rename would put a regular file where a
     * symbolic link (the page it points to left stale) or a device (-o /dev/stdout) was. */
    struct stat at;
    int in_place = lstat(path, &at) == 0 && !S_ISREG(at.st_mode);
    if (in_place)
        snprintf(tmp, len + 16, "%s", path);
    else
        snprintf(tmp, len + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        int rc = gpbo_error_set(GPBO_EIO, "report: cannot write %s", path);
        free(tmp);
        return rc;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
          "<title>",
          f);
    put_escaped(f, title ? title : "gpbo report");
    fprintf(f, "</title><style>%s</style></head>\n<body><main>\n<h1>", page_css);
    put_escaped(f, title ? title : "gpbo report");
    fputs("</h1>\n", f);
    for (size_t s = 0; s < nsections; s++) {
        const gpbo_report_section *sec = &sections[s];
        fputs("<section>", f);
        if (sec->title) {
            fputs("<h2>", f);
            put_escaped(f, sec->title);
            fputs("</h2>", f);
        }
        if (sec->text) {
            fputs("<p>", f);
            put_escaped(f, sec->text);
            fputs("</p>", f);
        }
        for (size_t t = 0; t < sec->ntables; t++)
            put_table(f, &sec->tables[t]);
        for (size_t i = 0; i < sec->nfigures; i++) {
            fprintf(f, "<figure class=\"fig\" id=\"fig-%zu-%zu\">", s, i);
            fputs(sec->figures[i], f); /* SVG from gpbo_fig_svg: markup, not text */
            if (sec->captions && sec->captions[i]) {
                fputs("<figcaption>", f);
                put_escaped(f, sec->captions[i]);
                fputs("</figcaption>", f);
            }
            fputs("</figure>\n", f);
        }
        fputs("</section>\n", f);
    }
    fputs("</main></body></html>\n", f);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || (!in_place && rename(tmp, path) != 0)) {
        if (!in_place)
            unlink(tmp);
        free(tmp);
        return gpbo_error_set(GPBO_EIO, "report: cannot write %s", path);
    }
    free(tmp);
    return GPBO_OK;
}
