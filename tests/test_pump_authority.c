/*
 * pump_model authority: every command from every source in every pump state (the matrix of
 * docs/pump.md "Authority"). For each cell a fresh pump is brought into the state, the
 * command is given, and:
 *  - a refused command leaves the pump bit for bit as it was;
 *  - the rules hold: a phone never gets what the person would not get; where the person
 *    gets it and the phone does not, the phone's refusal is an authority one (needs_person,
 *    limit_above_pump); a phone resumes only its own pause or stop, never raises a limit
 *    above the person's, never acknowledges what needs the person, never handles the pump;
 *  - the matrix the pump produces is the one docs/pump.md shows, cell for cell (the docs
 *    are the expected table; on a mismatch the test prints the table it measured).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pump_model.h"

#ifndef PUMP_DOC
#define PUMP_DOC "docs/pump.md"
#endif

/* ---- the states ------------------------------------------------------------------- */

typedef struct state_def {
	const char *name; /* column heading */
	void (*build)(pump *p, int64_t *now);
	bool lgs; /* config: low-glucose protection on */
	double max_daily_u, reservoir_u, battery_pct;
} state_def;

static void ticks(pump *p, int64_t *now, int minutes, double cgm)
{
	for (int i = 0; i < minutes; i++, (*now)++)
		pump_tick(p, *now, cgm);
}

static void st_run(pump *p, int64_t *now)
{
	ticks(p, now, 5, NAN);
}

static void st_bolus_running(pump *p, int64_t *now)
{
	pump_bolus_request r = {.type = PUMP_BOLUS_NORMAL, .immediate_u = 6.0};
	pump_bolus(p, *now, PUMP_SOURCE_PUMP, &r, NULL);
	ticks(p, now, 1, NAN);
}

static void st_person_tbr(pump *p, int64_t *now)
{
	pump_temp_basal(p, *now, PUMP_SOURCE_PUMP, PUMP_TBR_RELATIVE, 50, 120);
	ticks(p, now, 1, NAN);
}

static void st_person_limit(pump *p, int64_t *now)
{
	pump_set_max_bolus(p, *now, PUMP_SOURCE_PUMP, 5.0);
	ticks(p, now, 1, NAN);
}

static void st_bolus_canceled(pump *p, int64_t *now)
{
	pump_bolus_request r = {.type = PUMP_BOLUS_NORMAL, .immediate_u = 6.0};
	pump_bolus(p, *now, PUMP_SOURCE_PHONE, &r, NULL);
	ticks(p, now, 1, NAN);
	pump_cancel_bolus(p, *now, PUMP_SOURCE_PHONE, 0);
}

static void st_paused_by_phone(pump *p, int64_t *now)
{
	pump_suspend(p, *now, PUMP_SOURCE_PHONE);
	ticks(p, now, 1, NAN);
}

static void st_paused_by_person(pump *p, int64_t *now)
{
	pump_suspend(p, *now, PUMP_SOURCE_PUMP);
	ticks(p, now, 1, NAN);
}

static void st_stopped_by_person(pump *p, int64_t *now)
{
	pump_stop(p, *now, PUMP_SOURCE_PUMP);
	ticks(p, now, 1, NAN);
}

static void st_lgs_suspend(pump *p, int64_t *now)
{
	ticks(p, now, 3, 62.0); /* at the threshold (70): the protection suspends */
}

static void st_max_daily(pump *p, int64_t *now)
{
	ticks(p, now, 10 * 60, NAN); /* 1 U/h against a 3 U day: paused after 3 h */
}

static void st_occlusion_alarm(pump *p, int64_t *now)
{
	pump_inject_fault(p, *now, PUMP_FAULT_OCCLUSION, 0);
	ticks(p, now, 150, NAN); /* 2 U missed at 1 U/h: the alarm after 120 min */
}

static void st_occlusion_cleared(pump *p, int64_t *now)
{
	st_occlusion_alarm(p, now);
	pump_annunciation a;
	if (pump_newest_annunciation(p, &a))
		pump_confirm_annunciation(p, *now, PUMP_SOURCE_PUMP, a.id);
	pump_inject_fault(p, *now, PUMP_FAULT_OCCLUSION_CLEARED, 0);
}

static void st_reservoir_empty(pump *p, int64_t *now)
{
	ticks(p, now, 70, NAN); /* 1 U left at 1 U/h */
}

static void st_battery_empty(pump *p, int64_t *now)
{
	ticks(p, now, 70, NAN); /* 0.25 % at 0.25 %/h, and the motor's share */
}

static const state_def states[] = {
    {"run", st_run, false, 150, 300, 100},
    {"bolus running", st_bolus_running, false, 150, 300, 100},
    {"person's temp basal", st_person_tbr, false, 150, 300, 100},
    {"person's max bolus 5 U", st_person_limit, false, 150, 300, 100},
    {"bolus canceled (pending)", st_bolus_canceled, false, 150, 300, 100},
    {"paused by the phone", st_paused_by_phone, false, 150, 300, 100},
    {"paused by the person", st_paused_by_person, false, 150, 300, 100},
    {"stopped by the person", st_stopped_by_person, false, 150, 300, 100},
    {"low-glucose suspend", st_lgs_suspend, true, 150, 300, 100},
    {"max daily reached", st_max_daily, false, 3, 300, 100},
    {"occlusion alarm", st_occlusion_alarm, false, 150, 300, 100},
    {"occlusion confirmed, line clear", st_occlusion_cleared, false, 150, 300, 100},
    {"reservoir empty", st_reservoir_empty, false, 150, 1, 100},
    {"battery empty", st_battery_empty, false, 150, 300, 0.25},
};
enum { STATES = sizeof states / sizeof states[0] };

static pump *build(const state_def *s, int64_t *now)
{
	pump_config c;
	pump_config_defaults(&c);
	c.basal_segment_count = 1;
	c.basal_segments[0] = (pump_basal_segment){0, 1.0};
	c.lgs.enabled = s->lgs;
	c.limits.max_daily_u = s->max_daily_u;
	c.reservoir_u = s->reservoir_u;
	c.reservoir_low_u = 0.5; /* raised before the reservoir runs dry */
	c.battery_pct = s->battery_pct;
	c.battery.low_pct = 0;
	pump *p = pump_new(&c);
	cr_assert_not_null(p, "%s: %s", s->name, pump_config_check(&c));
	*now = 0;
	s->build(p, now);
	return p;
}

/* ---- the commands ----------------------------------------------------------------- */

typedef struct command_def {
	const char *name; /* row heading */
	pump_command command;
	pump_result (*run)(pump *p, int64_t now, pump_source src);
} command_def;

static pump_result c_bolus(pump *p, int64_t now, pump_source src)
{
	pump_bolus_request r = {.type = PUMP_BOLUS_NORMAL, .immediate_u = 1.0};
	return pump_bolus(p, now, src, &r, NULL);
}

static pump_result c_extended(pump *p, int64_t now, pump_source src)
{
	pump_bolus_request r = {.type = PUMP_BOLUS_EXTENDED, .extended_u = 3.0, .duration_min = 60};
	return pump_bolus(p, now, src, &r, NULL);
}

static pump_result c_cancel_bolus(pump *p, int64_t now, pump_source src)
{
	return pump_cancel_bolus(p, now, src, 0);
}

static pump_result c_tbr_up(pump *p, int64_t now, pump_source src)
{
	return pump_temp_basal(p, now, src, PUMP_TBR_RELATIVE, 150, 30);
}

static pump_result c_tbr_down(pump *p, int64_t now, pump_source src)
{
	return pump_temp_basal(p, now, src, PUMP_TBR_RELATIVE, 20, 30);
}

static pump_result c_cancel_tbr(pump *p, int64_t now, pump_source src)
{
	return pump_cancel_temp_basal(p, now, src);
}

static pump_result c_suspend(pump *p, int64_t now, pump_source src)
{
	return pump_suspend(p, now, src);
}

static pump_result c_resume(pump *p, int64_t now, pump_source src)
{
	return pump_resume(p, now, src);
}

static pump_result c_stop(pump *p, int64_t now, pump_source src)
{
	return pump_stop(p, now, src);
}

static pump_result c_prime(pump *p, int64_t now, pump_source src)
{
	return pump_prime(p, now, src, 2.0);
}

static pump_result c_fill(pump *p, int64_t now, pump_source src)
{
	return pump_fill_reservoir(p, now, src, 200.0);
}

static pump_result c_max_lower(pump *p, int64_t now, pump_source src)
{
	return pump_set_max_bolus(p, now, src, 3.0);
}

static pump_result c_max_raise(pump *p, int64_t now, pump_source src)
{
	return pump_set_max_bolus(p, now, src, 20.0);
}

static uint16_t newest_id(const pump *p)
{
	pump_annunciation a;
	return pump_newest_annunciation(p, &a) ? a.id : 0;
}

static pump_result c_confirm(pump *p, int64_t now, pump_source src)
{
	return pump_confirm_annunciation(p, now, src, newest_id(p));
}

static pump_result c_snooze(pump *p, int64_t now, pump_source src)
{
	return pump_snooze_annunciation(p, now, src, newest_id(p));
}

static pump_result c_battery(pump *p, int64_t now, pump_source src)
{
	return pump_change_battery(p, now, src);
}

static const command_def commands[] = {
    {"bolus 1 U", PUMP_CMD_BOLUS, c_bolus},
    {"extended 3 U / 60 min", PUMP_CMD_BOLUS, c_extended},
    {"cancel bolus", PUMP_CMD_CANCEL_BOLUS, c_cancel_bolus},
    {"temp basal 150 %", PUMP_CMD_TEMP_BASAL, c_tbr_up},
    {"temp basal 20 %", PUMP_CMD_TEMP_BASAL, c_tbr_down},
    {"cancel temp basal", PUMP_CMD_CANCEL_TEMP_BASAL, c_cancel_tbr},
    {"suspend", PUMP_CMD_SUSPEND, c_suspend},
    {"resume", PUMP_CMD_RESUME, c_resume},
    {"stop", PUMP_CMD_STOP, c_stop},
    {"prime 2 U", PUMP_CMD_PRIME, c_prime},
    {"fill reservoir", PUMP_CMD_FILL_RESERVOIR, c_fill},
    {"max bolus 3 U", PUMP_CMD_SET_MAX_BOLUS, c_max_lower},
    {"max bolus 20 U", PUMP_CMD_SET_MAX_BOLUS, c_max_raise},
    {"confirm the newest", PUMP_CMD_CONFIRM_ANNUNCIATION, c_confirm},
    {"snooze the newest", PUMP_CMD_SNOOZE_ANNUNCIATION, c_snooze},
    {"change battery", PUMP_CMD_CHANGE_BATTERY, c_battery},
};
enum { COMMANDS = sizeof commands / sizeof commands[0] };

/* The sources as the matrix shows them: the person, the protection, the pump's closed-loop
 * controller, the phone. */
static const pump_source sources[] = {PUMP_SOURCE_PUMP, PUMP_SOURCE_AUTOMATION,
                                      PUMP_SOURCE_CONTROLLER, PUMP_SOURCE_PHONE};
enum { SOURCES = 4, PERSON = 0, PROTECTION = 1, CONTROLLER = 2, PHONE = 3 };

/* ---- measuring the matrix --------------------------------------------------------- */

static pump_result matrix[COMMANDS][STATES][SOURCES];
static pump_annunciation_type newest_type[STATES]; /* 0: none */
static pump_status status_of[STATES];

static void measure(void)
{
	for (int s = 0; s < STATES; s++) {
		int64_t now;
		pump *base = build(&states[s], &now);
		pump_annunciation a;
		newest_type[s] = pump_newest_annunciation(base, &a) ? a.type : 0;
		pump_get_status(base, &status_of[s]);
		for (int c = 0; c < COMMANDS; c++)
			for (int k = 0; k < SOURCES; k++) {
				pump *p = pump_clone(base);
				cr_assert_not_null(p);
				pump_result r = commands[c].run(p, now, sources[k]);
				matrix[c][s][k] = r;
				cr_assert(r == PUMP_OK || pump_state_equal(p, base),
				          "%s, %s, from the %s: refused (%s) yet the pump changed",
				          states[s].name, commands[c].name,
				          pump_source_name(sources[k]), pump_result_name(r));
				pump_free(p);
			}
		pump_free(base);
	}
}

/* One cell as docs/pump.md shows it: one result when all agree, else person / protection
 * / controller / phone. */
static void cell_text(int c, int s, char *out, size_t cap)
{
	const pump_result *r = matrix[c][s];
	if (r[0] == r[1] && r[1] == r[2] && r[2] == r[3])
		snprintf(out, cap, "%s", pump_result_name(r[0]));
	else
		snprintf(out, cap, "%s / %s / %s / %s", pump_result_name(r[PERSON]),
		         pump_result_name(r[PROTECTION]), pump_result_name(r[CONTROLLER]),
		         pump_result_name(r[PHONE]));
}

/* The matrix as markdown: one table per state group would be wider than a page, so the
 * states are rows and the commands columns, in two halves. */
static size_t render(char *out, size_t cap)
{
	size_t o = 0;
	const int halves[3] = {0, COMMANDS / 2, COMMANDS};
	for (int h = 0; h < 2; h++) {
		o += (size_t)snprintf(out + o, cap - o, "| state |");
		for (int c = halves[h]; c < halves[h + 1]; c++)
			o += (size_t)snprintf(out + o, cap - o, " %s |", commands[c].name);
		o += (size_t)snprintf(out + o, cap - o, "\n|---|");
		for (int c = halves[h]; c < halves[h + 1]; c++)
			o += (size_t)snprintf(out + o, cap - o, "---|");
		o += (size_t)snprintf(out + o, cap - o, "\n");
		for (int s = 0; s < STATES; s++) {
			o += (size_t)snprintf(out + o, cap - o, "| %s |", states[s].name);
			for (int c = halves[h]; c < halves[h + 1]; c++) {
				char cell[96];
				cell_text(c, s, cell, sizeof cell);
				o += (size_t)snprintf(out + o, cap - o, " %s |", cell);
			}
			o += (size_t)snprintf(out + o, cap - o, "\n");
		}
		if (h == 0)
			o += (size_t)snprintf(out + o, cap - o, "\n");
	}
	return o;
}

/* ---- the tests -------------------------------------------------------------------- */

static bool authority_refusal(pump_result r)
{
	return r == PUMP_REFUSED_NEEDS_PERSON || r == PUMP_REFUSED_LIMIT_ABOVE_PUMP;
}

Test(pump_authority, every_state_is_what_its_name_says)
{
	measure();
	const pump_status *st = status_of;
	cr_assert_eq(st[5].halted_by, PUMP_SOURCE_PHONE);
	cr_assert_eq(st[6].halted_by, PUMP_SOURCE_PUMP);
	cr_assert_eq(st[7].therapy, PUMP_THERAPY_STOP);
	cr_assert(st[8].suspended_by_lgs);
	cr_assert_eq(st[8].halted_by, PUMP_SOURCE_AUTOMATION);
	cr_assert_eq(newest_type[9], PUMP_ANN_MAX_DELIVERY);
	cr_assert_eq(newest_type[10], PUMP_ANN_OCCLUSION);
	cr_assert_eq(st[11].therapy, PUMP_THERAPY_STOP);
	cr_assert_not(st[11].occluded);
	cr_assert_eq(newest_type[12], PUMP_ANN_RESERVOIR_EMPTY);
	cr_assert_eq(newest_type[13], PUMP_ANN_BATTERY_EMPTY);
	cr_assert_eq(newest_type[4], PUMP_ANN_BOLUS_CANCELED);
	cr_assert(st[1].bolus_active);
	cr_assert(st[2].temp_basal_active);
	cr_assert_eq(st[2].temp_basal_set_by, PUMP_SOURCE_PUMP);
	cr_assert_float_eq(st[3].max_bolus_person_u, 5.0, 1e-9);
}

Test(pump_authority, a_phone_never_gets_what_the_person_would_not_and_is_refused_by_rule)
{
	measure();
	for (int c = 0; c < COMMANDS; c++)
		for (int s = 0; s < STATES; s++) {
			const pump_result *r = matrix[c][s];
			const char *cn = commands[c].name, *sn = states[s].name;
			if (r[PHONE] == PUMP_OK)
				cr_assert_eq(r[PERSON], PUMP_OK,
				             "%s in %s: the phone may, the person not", cn, sn);
			if (r[PERSON] == PUMP_OK && r[PHONE] != PUMP_OK)
				cr_assert(authority_refusal(r[PHONE]),
				          "%s in %s: the person may, the phone is refused with %s "
				          "(not an "
				          "authority refusal)",
				          cn, sn, pump_result_name(r[PHONE]));
			/* a refusal the person gets too is the state's, the same for the phone
			 * (hands-on procedures aside: the phone never gets that far) */
			if (r[PERSON] != PUMP_OK && !authority_refusal(r[PHONE]))
				cr_assert_eq(r[PHONE], r[PERSON], "%s in %s", cn, sn);
		}
}

Test(pump_authority, the_rules_cell_by_cell)
{
	measure();
	for (int s = 0; s < STATES; s++) {
		const char *sn = states[s].name;
		/* resume: a phone only its own pause */
		pump_result phone_resume = matrix[7][s][PHONE];
		if (status_of[s].therapy != PUMP_THERAPY_RUN &&
		    status_of[s].halted_by != PUMP_SOURCE_PHONE)
			cr_assert_neq(phone_resume, PUMP_OK, "phone resumed from %s", sn);
		/* limits: never above the person's */
		if (status_of[s].max_bolus_person_u < 20.0)
			cr_assert_eq(matrix[12][s][PHONE], PUMP_REFUSED_LIMIT_ABOVE_PUMP, "%s", sn);
		/* the pump in hand */
		for (int c = 9; c <= 10; c++)
			cr_assert_eq(matrix[c][s][PHONE], PUMP_REFUSED_NEEDS_PERSON, "%s", sn);
		cr_assert_eq(matrix[15][s][PHONE], PUMP_REFUSED_NEEDS_PERSON, "%s", sn);
		/* acknowledgements */
		if (newest_type[s] && pump_annunciation_needs_person(newest_type[s])) {
			cr_assert_eq(matrix[13][s][PHONE], PUMP_REFUSED_NEEDS_PERSON,
			             "confirm in %s", sn);
			cr_assert_neq(matrix[14][s][PHONE], PUMP_OK, "snooze in %s", sn);
		}
		/* safer is always allowed when the state allows it */
		for (int c = 0; c < COMMANDS; c++)
			if (commands[c].command == PUMP_CMD_SUSPEND ||
			    commands[c].command == PUMP_CMD_STOP ||
			    commands[c].command == PUMP_CMD_CANCEL_BOLUS || c == 11 || c == 4)
				cr_assert(matrix[c][s][PHONE] == matrix[c][s][PERSON] ||
				              matrix[c][s][PERSON] != PUMP_OK,
				          "%s in %s", commands[c].name, sn);
	}
	/* a phone lowering the person's temp basal is safer; raising it or ending it is not */
	cr_assert_eq(matrix[3][2][PHONE], PUMP_REFUSED_NEEDS_PERSON);
	cr_assert_eq(matrix[4][2][PHONE], PUMP_OK);
	cr_assert_eq(matrix[5][2][PHONE], PUMP_REFUSED_NEEDS_PERSON);
	/* the protection's own suspend: its rule or the person, never the phone */
	cr_assert_eq(matrix[7][8][PERSON], PUMP_OK);
	cr_assert_eq(matrix[7][8][PHONE], PUMP_REFUSED_NEEDS_PERSON);
	cr_assert_eq(matrix[7][5][PHONE], PUMP_OK, "the phone resumes its own pause");
}

/* The ranks are one chain: whatever a lower source may do, every higher one may too; the
 * controller sits above a phone and below the protection. */
Test(pump_authority, each_source_may_do_what_the_one_below_it_may)
{
	measure();
	const int chain[] = {PHONE, CONTROLLER, PROTECTION, PERSON};
	for (int c = 0; c < COMMANDS; c++)
		for (int s = 0; s < STATES; s++)
			for (int k = 0; k + 1 < 4; k++) {
				const pump_result lower = matrix[c][s][chain[k]];
				const pump_result higher = matrix[c][s][chain[k + 1]];
				if (lower == PUMP_OK)
					cr_assert_eq(higher, PUMP_OK, "%s in %s: %s may, %s not",
					             commands[c].name, states[s].name,
					             pump_source_name(sources[chain[k]]),
					             pump_source_name(sources[chain[k + 1]]));
			}
	/* the controller never resumes the protection's suspend nor the person's stop */
	cr_assert_eq(matrix[7][8][CONTROLLER], PUMP_REFUSED_NEEDS_PERSON);
	cr_assert_eq(matrix[7][7][CONTROLLER], PUMP_REFUSED_NEEDS_PERSON);
}

Test(pump_authority, docs_pump_md_shows_the_matrix_the_pump_produces)
{
	measure();
	static char want[32768];
	render(want, sizeof want);
	FILE *f = fopen(PUMP_DOC, "r");
	cr_assert_not_null(f, "cannot open %s", PUMP_DOC);
	static char doc[262144];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	const char *begin = strstr(doc, "<!-- authority-matrix:begin -->\n");
	const char *end = strstr(doc, "<!-- authority-matrix:end -->");
	cr_assert(begin && end && end > begin, "%s has no authority-matrix block", PUMP_DOC);
	begin += strlen("<!-- authority-matrix:begin -->\n");
	const size_t len = (size_t)(end - begin);
	const bool same = len == strlen(want) && memcmp(begin, want, len) == 0;
	if (!same)
		fprintf(stderr, "docs/pump.md's authority matrix differs; the pump produces:\n%s",
		        want);
	cr_assert(same, "docs/pump.md's authority matrix is not what the pump does");
}
