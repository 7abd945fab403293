/*
 * gpbo/sys/options.h: the one implementation of the rule every versioned options struct of gpbo
 * follows (docs/abi.md), for gpbo's modules and for code that extends gpbo with options structs
 * of its own. Such a struct starts with `unsigned int version`, only ever gains fields at its
 * end, and a caller built against version v owns exactly the bytes of version v.
 */
#ifndef GPBO_SYS_OPTIONS_H
#define GPBO_SYS_OPTIONS_H

#include <stddef.h>

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The bytes of a struct up to the end of `field`: what its version that ended there owns. */
#define GPBO_OPTIONS_FIELD_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/** One versioned options struct, described once by the module that defines it. */
typedef struct gpbo_options_type {
    const char *init_name;  /**< the init function in messages: "study_options_init" */
    const char *field;      /**< what callers call it in messages: "options", "config" */
    const char *init_macro; /**< named in messages: "GPBO_STUDY_OPTIONS_INIT" */
    unsigned int current;   /**< the version this library was built with */
    const size_t *size;     /**< size[v]: the bytes of version v, 1 <= v <= current */
    const void *defaults;   /**< the current version's defaults (its _INIT macro) */
} gpbo_options_type;

/**
 * The init function of a type: writes the defaults of `version`'s fields, and `version`, into
 * opts, and nothing past them.
 * @return GPBO_OK; GPBO_EINVAL for NULL opts or a version outside 1..current (opts unchanged).
 */
GPBO_API int gpbo_options_init(const gpbo_options_type *type, void *opts, unsigned int version);

/**
 * Reads a caller's struct (NULL: the defaults) into out, a struct of the current version: the
 * fields of the caller's version from opts, the later ones their defaults. Never reads past the
 * caller's version.
 * @param fn the public function in messages ("study_open").
 * @return GPBO_OK; GPBO_EINVAL for a version outside 1..current (out then holds the defaults).
 */
GPBO_API int gpbo_options_load(const gpbo_options_type *type, const char *fn, const void *opts,
                               void *out);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_SYS_OPTIONS_H */
