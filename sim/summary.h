/*
 * summary — the statistics of a run, accumulated row by row and event by event (no storage
 * of the trace): the glucose figures (glucose_metrics.h: mean, SD, CV, GMI, time in ranges,
 * min, max, LBGI/HBGI — defined there), insulin (basal and bolus), carbohydrate, pump
 * commands and annunciations.
 *
 * The glucose figures are on plasma glucose (bg_mgdl), one sample per state row
 * (t = 0 … duration). Must never compute a glucose figure itself.
 */
#ifndef FAKEPUMP_SUMMARY_H
#define FAKEPUMP_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "glucose_metrics.h"

typedef struct summary {
	glucose_accumulator glucose; /* bg_mgdl of every state row (t = 0 … duration) */
	double basal_u, bolus_u;     /* delivered over [0, duration) */
	double carbs_g;              /* eaten over [0, duration) */
	int64_t minutes;             /* integrated minutes */
	int64_t annunciations;       /* raised */
	/* the first one raised, and the worst (alarm > warning > notice; the first of the
	 * worst kind): pump_annunciation_type, 0 when none */
	int first_alarm, worst_alarm, worst_alarm_rank;
	int64_t first_alarm_min, worst_alarm_min;
	int64_t commands, refused; /* pump commands and how many were refused */
	int64_t refused_over_ble;  /* refusals of the pump's Bluetooth server (audit) */
} summary;

void summary_init(summary *s);
/* `integrated` is false for the final row, whose inputs are never applied. */
void summary_add(summary *s, const engine_row *row, int integrated);
void summary_add_event(summary *s, const pump_event *ev);

/* The figures, computed from the sums. */
typedef struct summary_figures {
	double days;
	glucose_metrics glucose;
	double insulin_u, basal_u, bolus_u, carbs_g;
	int64_t annunciations, commands, refused;
} summary_figures;

void summary_figures_of(const summary *s, summary_figures *out);
/* One line, no trailing newline: "name: patient, D d: BG mean …, alarms 2 (first …)". */
void summary_print_line(const summary *s, const char *name, const char *patient_name,
                        int start_min_of_day, FILE *out);
/*
 * The alarms raised, for people: "none", or "3 (first reservoir_low at d1 11:20, worst
 * reservoir_empty at d1 15:02)". Worst: an alarm that stops therapy (occlusion,
 * reservoir_empty, battery_empty) over a warning that needs the person (reservoir_low,
 * battery_low, low_glucose_suspend, max_delivery, new_bond, pairing_attempts,
 * controller_fallback) over a
 * notice (bolus_canceled, tbr_over, tbr_canceled, low_glucose_resume).
 */
void summary_alarms_text(const summary *s, int start_min_of_day, char *buf, size_t cap);
/* The figures as a JSON object (for the run database); returns the length written. */
size_t summary_json(const summary *s, char *buf, size_t cap);

#endif
