/*
 * run_picture — what a run's picture (`run --png`) needs from its scenario beyond the rows
 * and pump events the trace gets: the provenance footer (which fakepump, which scenario file
 * and its SHA-256, patient, seed, sensor, pump limits, security profile, when) and the
 * scenario's sensor faults as trace markers, so they are shaded and named.
 *
 * The run's end calls these (see docs/report.md "Pictures"); pure but for the clock that
 * dates the footer.
 */
#ifndef FAKEPUMP_RUN_PICTURE_H
#define FAKEPUMP_RUN_PICTURE_H

#include <stddef.h>

#include "scenario.h"
#include "trace.h"

/* Three lines into buf ('\n' between): the build and the date; the scenario, patient, seed
 * and sensor; the pump's limits, protection and security profile. */
void run_picture_footer(const scenario *sc, char *buf, size_t cap);

/* Every sensor fault of the scenario as a TRACE_MARK_SENSOR marker. */
void run_picture_sensor_faults(trace *t, const scenario *sc);

#endif
