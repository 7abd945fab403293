/*
 * stem.c: a study's name encoded as a file name (cli.h: cli_file_stem), apart from show.c so
 * that the fuzz harness of the compare loader links it alone.
 */
#include <stdio.h>

#include "cli.h"
#include "gpbo/sys/error.h"

int cli_file_stem(char *out, size_t cap, const char *name)
{
    size_t n = 0, max = cap - 1 < CLI_STEM_MAX ? cap - 1 : CLI_STEM_MAX;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || (c == '.' && p != name);
        if (n + (keep ? 1 : 3) > max)
            return gpbo_error_set(GPBO_EINVAL,
                                  "the study name is too long to name a file (over %zu bytes "
                                  "encoded)",
                                  max);
        if (keep)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, 4, "%%%02X", c);
    }
    out[n] = '\0';
    if (n == 0)
        return gpbo_error_set(GPBO_EINVAL, "the study name is empty");
    return GPBO_OK;
}
