/*
 * gpbo/gpbo.h: the umbrella header; includes the public header of every gpbo module.
 * Link gpbo::gpbo (CMake) or `pkg-config gpbo` to use them all.
 *
 * Compatibility (docs/abi.md): each options struct starts with its version and only ever grows
 * at the end; a program built against an older header passes its own version, and the library
 * writes and reads nothing past that version's fields (later ones take their defaults). The
 * shared libraries' soname is 0.MINOR while gpbo is 0.x (libgpbo_gp.so.0.1): a release that
 * breaks the ABI raises MINOR, one that only adds raises PATCH; from 1.0 on the soname is MAJOR.
 */
#ifndef GPBO_GPBO_H
#define GPBO_GPBO_H

#include "gpbo/error.h"
#include "gpbo/acquisition.h"
#include "gpbo/gp.h"
#include "gpbo/pruner.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"
#include "gpbo/trainer.h"

#endif /* GPBO_GPBO_H */
