/*
 * text.c: text from the storage or a sweep file (a study's, a parameter's or a category's name,
 * a trial's failure reason, which is often a program's last line of stderr) as a page shows it.
 * A program's output carries terminal control sequences: colours (ESC [ 31 m), cursor moves,
 * window titles and links (ESC ] ... BEL), which a browser shows as stray characters around the
 * text ("[31mValueError[0m"). They are left out, as a terminal leaves them out; any other control
 * character is shown as its symbol (U+2400 + its code: "␇" for BEL, "␛" for an ESC that starts
 * no sequence); tabs and line ends stay (CR LF: a line end). The dashboard's page
 * (cli/dashboard.html, shown()) applies the same rules, so that both show the same text.
 * Sequences as ECMA-48 (5th ed., 1991) defines them, 8.3 and 5.3 to 5.6: CSI, then parameter
 * bytes 0x30-0x3F, intermediate bytes 0x20-0x2F and a final byte 0x40-0x7E; OSC, DCS, SOS, PM
 * and APC, then a string up to ST (ESC \ or U+009C) or BEL (as xterm ends OSC); ESC and
 * intermediate bytes then a final byte 0x30-0x7E; a C1 control (U+0080-U+009F) is ESC then its
 * code less 0x40.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/json_safe.h"
#include "report.h"

/* Where the text resumes after a control sequence whose introducer is c (the byte after ESC,
 * or a C1 control's code less 0x40) and whose next byte is at p. */
static const unsigned char *skip_sequence(unsigned c, const unsigned char *p)
{
    if (c == '[') { /* CSI */
        while (*p >= 0x30 && *p <= 0x3F)
            p++;
        while (*p >= 0x20 && *p <= 0x2F)
            p++;
        return *p >= 0x40 && *p <= 0x7E ? p + 1 : p;
    }
    if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') { /* a control string */
        for (; *p; p++) {
            if (*p == 0x07)
                return p + 1;
            if ((p[0] == 0x1B && p[1] == '\\') || (p[0] == 0xC2 && p[1] == 0x9C))
                return p + 2;
        }
        return p; /* not ended: to the end, as a terminal would */
    }
    if (c >= 0x20 && c <= 0x2F) { /* intermediate bytes, then a final byte */
        while (*p >= 0x20 && *p <= 0x2F)
            p++;
        return *p >= 0x30 && *p <= 0x7E ? p + 1 : p;
    }
    return p; /* ESC and one byte (ESC 7, ESC =, ESC \, a C1 control alone) */
}

size_t gpbo_report_text_next(const char **s, char out[4])
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t n = gpbo_utf8_seq(p);
    if (n == 0) { /* a byte that starts no UTF-8 character */
        *s += 1;
        memcpy(out, "\xEF\xBF\xBD", 3);
        return 3;
    }
    if (n == 2 && p[0] == 0xC2 && p[1] <= 0x9F) { /* a C1 control: U+0080 to U+009F */
        *s = (const char *)skip_sequence(p[1] - 0x40u, p + 2);
        return 0;
    }
    if (n > 1) {
        *s += n;
        memcpy(out, p, n);
        return n;
    }
    unsigned c = p[0];
    if (c == 0x1B && p[1] >= 0x20 && p[1] <= 0x7E) {
        *s = (const char *)skip_sequence(p[1], p + 2);
        return 0;
    }
    *s += 1;
    if (c == '\r' && p[1] == '\n')
        return 0; /* CR LF: the LF ends the line */
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
        unsigned pic = c == 0x7F ? 0x2421 : 0x2400 + c; /* E2 90 80 + (pic - 0x2400) */
        out[0] = (char)0xE2;
        out[1] = (char)0x90;
        out[2] = (char)(0x80 + (pic - 0x2400));
        return 3;
    }
    out[0] = (char)c;
    return 1;
}

char *gpbo_report_text(const char *s)
{
    if (s == NULL)
        return NULL;
    char *text = malloc(3 * strlen(s) + 1), *w = text; /* at most 3 bytes out of each byte in */
    if (text == NULL)
        return NULL;
    while (*s)
        w += gpbo_report_text_next(&s, w);
    *w = '\0';
    return text;
}
