/*
 * json_util.c: JSON in and out for the search module (spaces, study options, stored parameter
 * values), through base/json_safe.h, which copes with jansson's behaviour when memory runs out.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "search_internal.h"

char *gpbo_search__json_dumps(const json_t *j, size_t flags)
{
    return gpbo_json_dumps(j, flags);
}

json_t *gpbo_search__json_loads(const char *txt, int *code)
{
    json_error_t err;
    return gpbo_json_parse(json_loads, txt, &err, code);
}
