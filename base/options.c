/*
 * options.c: versioned options structs (gpbo/sys/options.h, docs/abi.md): initializing exactly a
 * caller's version, and reading exactly a caller's version into the library's own.
 */
#include <string.h>

#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"

/* version is the struct's first field (an unsigned int) in every versioned options struct */
static void set_version(void *opts, unsigned int version)
{
    memcpy(opts, &version, sizeof version);
}

int gpbo_options_init(const gpbo_options_type *t, void *opts, unsigned int version)
{
    if (opts == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: %s is NULL", t->init_name, t->field);
    if (version < 1 || version > t->current)
        return gpbo_error_set(GPBO_EINVAL, "%s: version %u is unknown (this library knows 1 to %u)",
                              t->init_name, version, t->current);
    memcpy(opts, t->defaults, t->size[version]);
    set_version(opts, version);
    return GPBO_OK;
}

int gpbo_options_load(const gpbo_options_type *t, const char *fn, const void *opts, void *out)
{
    memcpy(out, t->defaults, t->size[t->current]);
    if (opts == NULL)
        return GPBO_OK;
    unsigned int version;
    memcpy(&version, opts, sizeof version);
    if (version < 1 || version > t->current)
        return gpbo_error_set(GPBO_EINVAL,
                              "%s: %s.version is %u; this library knows 1 to %u (initialize with "
                              "%s)",
                              fn, t->field, version, t->current, t->init_macro);
    memcpy(out, opts, t->size[version]);
    return GPBO_OK;
}
