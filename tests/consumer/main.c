/*
 * main.c: a program outside gpbo's tree, built against an installed gpbo by
 * tests/consumer/run.sh (CMake package and pkg-config). It uses each module it was told about
 * (GPBO_HAVE_<MODULE>) just enough to prove the headers and libraries link and work.
 */
#include <stdio.h>
#include <string.h>

#include <gpbo/gpbo.h>

int main(void)
{
    if (strcmp(gpbo_strerror(GPBO_EINVAL), "invalid argument") != 0) {
        fprintf(stderr, "unexpected gpbo_strerror text\n");
        return 1;
    }
    printf("gpbo %s\n", gpbo_version());
    return 0;
}
