/*
 * lr_dump.c: for test_schedules_torch.py — prints the learning rate of every epoch of a
 * schedule, as gpbo's trainer sets it, one number a line.
 * Usage: lr_dump SCHEDULE LR GAMMA STEP_SIZE WARMUP EPOCHS   (SCHEDULE: a schedule's name)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_optim.h"

int main(int argc, char **argv)
{
    if (argc != 7)
        return 2;
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    int found = 0;
    for (int s = 0; s < GPBO_TRAINER_SCHED_COUNT; s++)
        if (!strcmp(argv[1], gpbo_trainer_schedule_name((gpbo_trainer_schedule)s))) {
            c.schedule = (gpbo_trainer_schedule)s;
            found = 1;
        }
    if (!found)
        return 2;
    c.lr = atof(argv[2]);
    c.gamma = atof(argv[3]);
    c.step_size = strtoul(argv[4], NULL, 10);
    c.warmup_epochs = strtoul(argv[5], NULL, 10);
    c.epochs = strtoul(argv[6], NULL, 10);
    for (size_t e = 0; e < c.epochs; e++)
        printf("%.17g\n", gpbo_trainer__lr_at(&c, e));
    return 0;
}
