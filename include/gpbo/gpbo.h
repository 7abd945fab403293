/*
 * gpbo/gpbo.h: the umbrella header; includes the public header of every gpbo module.
 * Link gpbo::gpbo (CMake) or `pkg-config gpbo` to use them all.
 */
#ifndef GPBO_GPBO_H
#define GPBO_GPBO_H

#include "gpbo/error.h"
#include "gpbo/acquisition.h"
#include "gpbo/gp.h"
#include "gpbo/pruner.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "gpbo/trainer.h"

#endif /* GPBO_GPBO_H */
