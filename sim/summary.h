/*
 * summary — the statistics of a run, accumulated row by row (no storage of the trace).
 */
#ifndef FAKEPUMP_SUMMARY_H
#define FAKEPUMP_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "engine.h"

typedef struct summary {
	int64_t samples;         /* state rows seen (t = 0 … duration) */
	double bg_sum_mgdl;
	double bg_min_mgdl, bg_max_mgdl;
	int64_t in_range_70_180; /* rows with 70 <= BG <= 180 */
	double insulin_u;        /* delivered over [0, duration) */
	double carbs_g;          /* eaten over [0, duration) */
	int64_t minutes;         /* integrated minutes */
} summary;

void summary_init(summary *s);
/* `integrated` is false for the final row, whose inputs are never applied. */
void summary_add(summary *s, const engine_row *row, int integrated);
double summary_mean_bg_mgdl(const summary *s);
double summary_time_in_range_pct(const summary *s);
/* One line, no trailing newline: "name: patient, D d: BG mean … ". */
void summary_print_line(const summary *s, const char *name, const char *patient_name, FILE *out);

#endif
