/*
 * trial_traces — `fakepump trial --traces DIR`: each patient's per-minute trace as
 * DIR/NAME.csv ("adult#001.csv"), the columns of `run --csv` (csv_writer.h).
 */
#ifndef FAKEPUMP_TRIAL_TRACES_H
#define FAKEPUMP_TRIAL_TRACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The trace file of `patient` in `dir`, its header written; NULL with a message in err. */
FILE *trial_trace_open(const char *dir, const char *name, char *err, size_t cap);
/* Flush and close; non-zero when something could not be written. */
int trial_trace_close(FILE *f);
/* "DIR/NAME.csv" into buf; false when it does not fit. */
bool trial_trace_path(const char *dir, const char *name, char *buf, size_t cap);

#endif
