/*
 * pump_model: every result code and every annunciation arises where it should; delivery in
 * pulses, extended and multiwave boluses, temp basal, suspend/resume/stop, priming,
 * reservoir, battery, occlusion, insulin on board, the bolus calculator, low-glucose
 * protection; and the audit trail.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "pump_model.h"

/* ---- an audit recorder for the tests ---------------------------------------------- */

enum { MAX_SEEN = 4096 };

typedef struct audit {
	pump_event ev[MAX_SEEN];
	size_t n;
} audit;

static void record(const pump_event *ev, void *user_data)
{
	audit *a = user_data;
	if (a->n < MAX_SEEN)
		a->ev[a->n++] = *ev;
}

static size_t count_kind(const audit *a, pump_event_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++)
		n += a->ev[i].kind == k;
	return n;
}

static bool raised(const audit *a, pump_annunciation_type t)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->ev[i].kind == PUMP_EV_ANNUNCIATION && a->ev[i].annunciation.type == t &&
		    a->ev[i].annunciation.status == PUMP_ANN_PENDING)
			return true;
	return false;
}

static audit log_;

static pump_config base_config(void)
{
	pump_config c;
	pump_config_defaults(&c);
	c.basal_segment_count = 1;
	c.basal_segments[0] = (pump_basal_segment){0, 1.2};
	c.on_event = record;
	c.user_data = &log_;
	return c;
}

static pump *new_pump(const pump_config *c)
{
	memset(&log_, 0, sizeof log_);
	pump *p = pump_new(c);
	cr_assert_not_null(p, "config refused: %s", pump_config_check(c));
	return p;
}

static pump_bolus_request normal(double u)
{
	return (pump_bolus_request){.type = PUMP_BOLUS_NORMAL, .immediate_u = u};
}

static double run_minutes(pump *p, int64_t from, int minutes, double *bolus_u)
{
	double total = 0, bol = 0;
	for (int64_t k = from; k < from + minutes; k++) {
		pump_delivery d = pump_tick(p, k, NAN);
		total += d.basal_u + d.bolus_u;
		bol += d.bolus_u;
	}
	if (bolus_u)
		*bolus_u = bol;
	return total;
}

/* A refused command: the pump is bit for bit what it was; the audit says why. */
static void expect_refusal(pump *p, pump_result got, pump_result want, const pump *before)
{
	cr_assert_eq(got, want, "got %s, expected %s", pump_result_name(got),
	             pump_result_name(want));
	cr_assert(pump_state_equal(p, before), "a refused command changed the pump");
	cr_assert_eq(log_.ev[log_.n - 1].kind, PUMP_EV_COMMAND);
	cr_assert_eq(log_.ev[log_.n - 1].result, want);
}

/* ---- names ------------------------------------------------------------------------ */

Test(pump_names, every_result_command_fault_and_annunciation_has_a_round_trip_name)
{
	for (int r = 0; r < PUMP_RESULT_COUNT; r++) {
		pump_result back;
		cr_assert(pump_result_from_name(pump_result_name((pump_result)r), &back));
		cr_assert_eq(back, (pump_result)r);
	}
	for (int c = 0; c < PUMP_COMMAND_COUNT; c++) {
		pump_command back;
		cr_assert(pump_command_from_name(pump_command_name((pump_command)c), &back));
		cr_assert_eq(back, (pump_command)c);
	}
	for (int f = 0; f < PUMP_FAULT_COUNT; f++) {
		pump_fault back;
		cr_assert(pump_fault_from_name(pump_fault_name((pump_fault)f), &back));
		cr_assert_eq(back, (pump_fault)f);
	}
	pump_annunciation_type t;
	cr_assert(pump_annunciation_from_name("occlusion", &t));
	cr_assert_eq(t, PUMP_ANN_OCCLUSION);
	cr_assert_eq(PUMP_ANN_OCCLUSION, 0x003C, "IDS code word");
	cr_assert_not(pump_annunciation_from_name("nonsense", &t));
	const pump_annunciation_type *types;
	const size_t n = pump_annunciation_types(&types);
	cr_assert_geq(n, 12);
	for (size_t i = 0; i < n; i++) {
		cr_assert(pump_annunciation_from_name(pump_annunciation_name(types[i]), &t),
		          "type 0x%04X", types[i]);
		cr_assert_eq(t, types[i]);
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(types[i], types[j]);
	}
}

/* ---- configuration ---------------------------------------------------------------- */

Test(pump_config, inconsistent_configs_are_refused_with_a_reason)
{
	pump_config c = base_config();
	c.basal_segments[0].rate_u_per_h = 20.0; /* above the 15 U/h default limit */
	cr_assert_not_null(pump_config_check(&c));
	cr_assert_null(pump_new(&c));
	c = base_config();
	c.insulin_peak_min = 200; /* over half the action time */
	cr_assert_not_null(pump_config_check(&c));
	c = base_config();
	c.pulse_u = 0;
	cr_assert_not_null(pump_config_check(&c));
	c = base_config();
	cr_assert_null(pump_config_check(&c));
}

/* ---- every result code -------------------------------------------------------------- */

Test(pump_results, ok_starts_a_bolus_and_audits_it)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	uint16_t id = 0;
	cr_assert_eq(
	    pump_bolus(p, 0, PUMP_SOURCE_PUMP,
	               &(pump_bolus_request){.type = PUMP_BOLUS_NORMAL, .immediate_u = 2.0}, &id),
	    PUMP_OK);
	cr_assert_neq(id, 0);
	cr_assert_eq(count_kind(&log_, PUMP_EV_BOLUS_STARTED), 1);
	pump_free(p);
}

Test(pump_results, invalid_values_are_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	const double bad[] = {0.0, -1.0, NAN, INFINITY, 0.01 /* under one pulse */};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pump_bolus_request r = normal(bad[i]);
		expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL),
		               PUMP_REFUSED_INVALID_VALUE, before);
	}
	pump_bolus_request ext = {.type = PUMP_BOLUS_EXTENDED, .extended_u = 2, .duration_min = 0};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &ext, NULL),
	               PUMP_REFUSED_INVALID_VALUE, before);
	pump_bolus_request odd = {.type = (pump_bolus_type)7, .immediate_u = 1};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &odd, NULL),
	               PUMP_REFUSED_INVALID_VALUE, before);
	expect_refusal(p, pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_RELATIVE, 2000, 60),
	               PUMP_REFUSED_INVALID_VALUE, before);
	expect_refusal(p, pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_ABSOLUTE, -1, 60),
	               PUMP_REFUSED_INVALID_VALUE, before);
	expect_refusal(p, pump_set_max_bolus(p, 0, PUMP_SOURCE_PHONE, NAN),
	               PUMP_REFUSED_INVALID_VALUE, before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, bolus_over_max_is_refused_and_delivers_nothing)
{
	pump_config c = base_config();
	c.limits.max_bolus_u = 10.0;
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	pump_bolus_request r = normal(10.05);
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MAX_BOLUS,
	               before);
	double bolus;
	run_minutes(p, 0, 30, &bolus);
	cr_assert_eq(bolus, 0.0);
	/* exactly the limit is allowed */
	r = normal(10.0);
	cr_assert_eq(pump_bolus(p, 30, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, multiwave_counts_both_parts_against_max_bolus)
{
	pump_config c = base_config();
	c.limits.max_bolus_u = 5.0;
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	pump_bolus_request r = {
	    .type = PUMP_BOLUS_MULTIWAVE, .immediate_u = 3, .extended_u = 3, .duration_min = 60};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MAX_BOLUS,
	               before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, temp_basal_above_max_basal_is_refused)
{
	pump_config c = base_config();
	c.limits.max_basal_u_per_h = 3.0;
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_ABSOLUTE, 3.5, 60),
	               PUMP_REFUSED_MAX_BASAL, before);
	/* 250 % of 1.2 U/h = 3 U/h: at the limit, allowed; relative above it refused */
	expect_refusal(p, pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_RELATIVE, 251, 60),
	               PUMP_REFUSED_INVALID_VALUE, before);
	cr_assert_eq(pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_RELATIVE, 250, 60), PUMP_OK);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, boluses_beyond_the_daily_total_are_refused)
{
	pump_config c = base_config();
	c.limits.max_daily_u = 12.0;
	c.bolus_speed_u_per_min = 0; /* instant */
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(5.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 60, NULL); /* 5 U + 1.2 U basal */
	cr_assert_eq(pump_bolus(p, 60, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	run_minutes(p, 60, 60, NULL); /* 12.4 > 12: the pump stopped at the limit */
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_leq(st.delivered_24h_u, 12.0 + 1e-9, "delivered %.4f", st.delivered_24h_u);
	cr_assert(raised(&log_, PUMP_ANN_MAX_DELIVERY));
	cr_assert_eq(st.therapy, PUMP_THERAPY_PAUSE);
	cr_assert_eq(pump_resume(p, 120, PUMP_SOURCE_PUMP), PUMP_OK);
	pump *before = pump_clone(p);
	r = normal(1.0);
	expect_refusal(p, pump_bolus(p, 120, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MAX_DAILY,
	               before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, bolus_that_would_exceed_max_iob_is_refused)
{
	pump_config c = base_config();
	c.limits.max_iob_u = 8.0;
	c.bolus_speed_u_per_min = 0;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(6.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 30, NULL);
	cr_assert_gt(pump_iob_u(p, 30), 5.0);
	pump *before = pump_clone(p);
	r = normal(3.0);
	expect_refusal(p, pump_bolus(p, 30, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MAX_IOB,
	               before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, bolus_too_soon_after_the_last_is_refused)
{
	pump_config c = base_config();
	c.limits.min_bolus_interval_min = 60;
	c.bolus_speed_u_per_min = 0;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(1.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 59, NULL);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_bolus(p, 59, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MIN_INTERVAL,
	               before);
	run_minutes(p, 59, 1, NULL);
	cr_assert_eq(pump_bolus(p, 60, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, second_bolus_while_one_is_delivering_is_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(6.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 1, NULL);
	pump *before = pump_clone(p);
	r = normal(1.0);
	expect_refusal(p, pump_bolus(p, 1, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_BOLUS_ACTIVE,
	               before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, commands_while_not_running_are_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	cr_assert_eq(pump_suspend(p, 0, PUMP_SOURCE_PUMP), PUMP_OK);
	pump *before = pump_clone(p);
	pump_bolus_request r = normal(1.0);
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_NOT_RUNNING,
	               before);
	expect_refusal(p, pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_ABSOLUTE, 1, 30),
	               PUMP_REFUSED_NOT_RUNNING, before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, occlusion_blocks_commands_and_resume_until_confirmed)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 0, PUMP_FAULT_OCCLUSION, 0);
	run_minutes(p, 0, 200, NULL); /* 1.2 U/h: 2 U missed after 100 min */
	cr_assert(raised(&log_, PUMP_ANN_OCCLUSION));
	pump *before = pump_clone(p);
	pump_bolus_request r = normal(1.0);
	expect_refusal(p, pump_bolus(p, 200, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_OCCLUSION,
	               before);
	expect_refusal(p, pump_resume(p, 200, PUMP_SOURCE_PHONE), PUMP_REFUSED_OCCLUSION, before);
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.type, PUMP_ANN_OCCLUSION);
	cr_assert_eq(pump_confirm_annunciation(p, 200, PUMP_SOURCE_PUMP, a.id), PUMP_OK);
	pump_inject_fault(p, 200, PUMP_FAULT_OCCLUSION_CLEARED, 0);
	cr_assert_eq(pump_resume(p, 200, PUMP_SOURCE_PUMP), PUMP_OK);
	cr_assert_gt(run_minutes(p, 200, 10, NULL), 0.0);
	pump_free(before);
	pump_free(p);
}

/* The limits and the person's bolus limit, which no fault may change. */
static void expect_limits_unchanged(const pump *p, const pump_config *c)
{
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(pump_get_config(p)->limits.max_bolus_u, c->limits.max_bolus_u);
	cr_assert_eq(pump_get_config(p)->limits.max_daily_u, c->limits.max_daily_u);
	cr_assert_eq(st.max_bolus_u, c->limits.max_bolus_u);
	cr_assert_eq(st.max_bolus_person_u, c->limits.max_bolus_u);
}

Test(pump_faults, occlusion_with_the_threshold_missed_alarms_at_once_mid_bolus)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(6.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 2, NULL); /* 3 U of 6 at 1.5 U/min */
	pump_inject_fault(p, 2, PUMP_FAULT_OCCLUSION, c.occlusion_threshold_u);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP, "stopped at the fault, not a minute later");
	cr_assert(!st.bolus_active);
	cr_assert(raised(&log_, PUMP_ANN_OCCLUSION));
	const pump_event *ended = NULL;
	for (size_t i = 0; i < log_.n; i++)
		if (log_.ev[i].kind == PUMP_EV_BOLUS_ENDED)
			ended = &log_.ev[i];
	cr_assert_not_null(ended);
	cr_assert_str_eq(ended->detail, "uncertain");
	cr_assert_float_eq(ended->value, 3.0, 1e-9, "what it delivered before the fault");
	cr_assert_eq(run_minutes(p, 3, 30, NULL), 0.0, "nothing through a blocked line");
	expect_limits_unchanged(p, &c);
	pump_free(p);
}

Test(pump_faults, occlusion_without_missed_insulin_is_noticed_as_before)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 0, PUMP_FAULT_OCCLUSION, 0);
	cr_assert(!raised(&log_, PUMP_ANN_OCCLUSION), "not before the pump misses 2 U");
	run_minutes(p, 0, 200, NULL);
	cr_assert(raised(&log_, PUMP_ANN_OCCLUSION));
	pump_free(p);
}

Test(pump_faults, reservoir_low_drops_to_the_threshold_and_alarms_now)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 5, PUMP_FAULT_RESERVOIR_LOW, 0);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_float_eq(st.reservoir_u, c.reservoir_low_u, 1e-9);
	cr_assert_float_eq(st.discarded_u, c.reservoir_u - c.reservoir_low_u, 1e-9);
	cr_assert(raised(&log_, PUMP_ANN_RESERVOIR_LOW));
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN, "a low reservoir still delivers");
	cr_assert_gt(run_minutes(p, 5, 10, NULL), 0.0);
	expect_limits_unchanged(p, &c);
	pump_free(p);
}

Test(pump_faults, battery_low_and_dead)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 1, PUMP_FAULT_BATTERY_LOW, 0);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_float_eq(st.battery_pct, c.battery.low_pct, 1e-9);
	cr_assert(raised(&log_, PUMP_ANN_BATTERY_LOW));
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN);
	pump_bolus_request r = normal(3.0);
	cr_assert_eq(pump_bolus(p, 1, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	pump_inject_fault(p, 1, PUMP_FAULT_BATTERY_DEAD, 0);
	pump_get_status(p, &st);
	cr_assert_eq(st.battery_pct, 0.0);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP);
	cr_assert(!st.bolus_active, "the bolus under way ends with the battery");
	cr_assert(raised(&log_, PUMP_ANN_BATTERY_EMPTY));
	pump *before = pump_clone(p);
	expect_refusal(p, pump_resume(p, 2, PUMP_SOURCE_PUMP), PUMP_REFUSED_BATTERY_EMPTY, before);
	pump_free(before);
	expect_limits_unchanged(p, &c);
	pump_free(p);
}

Test(pump_faults, bolus_interrupted_ends_the_bolus_uncertain_and_basal_goes_on)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 0, PUMP_FAULT_BOLUS_INTERRUPTED, 0);
	cr_assert_eq(count_kind(&log_, PUMP_EV_BOLUS_ENDED), 0, "no bolus: nothing to interrupt");
	pump_bolus_request r = normal(4.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_OK);
	run_minutes(p, 0, 1, NULL); /* 1.5 U of 4 */
	pump_inject_fault(p, 1, PUMP_FAULT_BOLUS_INTERRUPTED, 0);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert(!st.bolus_active);
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN);
	const pump_event *last_end = NULL;
	for (size_t i = 0; i < log_.n; i++)
		if (log_.ev[i].kind == PUMP_EV_BOLUS_ENDED)
			last_end = &log_.ev[i];
	cr_assert_str_eq(last_end->detail, "uncertain");
	cr_assert_float_eq(last_end->value, 1.5, 1e-9);
	cr_assert(raised(&log_, PUMP_ANN_BOLUS_CANCELED));
	double bolus = 0;
	cr_assert_gt(run_minutes(p, 1, 10, &bolus), 0.0, "basal goes on");
	cr_assert_eq(bolus, 0.0, "the rest of the bolus is never delivered");
	pump_free(p);
}

Test(pump_faults, annunciation_burst_raises_that_many_advisories_none_needing_the_person)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 3, PUMP_FAULT_ANNUNCIATION_BURST, 8);
	size_t n = 0;
	for (size_t i = 0; i < log_.n; i++)
		if (log_.ev[i].kind == PUMP_EV_ANNUNCIATION) {
			n++;
			cr_assert(!pump_annunciation_needs_person(log_.ev[i].annunciation.type));
		}
	cr_assert_eq(n, 8);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.annunciation_count, 8);
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN);
	pump_inject_fault(p, 4, PUMP_FAULT_ANNUNCIATION_BURST, 1e9);
	pump_get_status(p, &st);
	cr_assert_eq(st.annunciation_count, 8 + PUMP_ANNUNCIATION_BURST_MAX);
	expect_limits_unchanged(p, &c);
	pump_free(p);
}

Test(pump_results, empty_reservoir_refuses_and_stops)
{
	pump_config c = base_config();
	c.reservoir_u = 0.5;
	c.reservoir_low_u = 0.1;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(1.0);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL),
	               PUMP_REFUSED_RESERVOIR_EMPTY, before);
	run_minutes(p, 0, 60, NULL); /* 1.2 U/h empties 0.5 U in 25 minutes */
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.reservoir_u, 0.0);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP);
	cr_assert(raised(&log_, PUMP_ANN_RESERVOIR_LOW));
	cr_assert(raised(&log_, PUMP_ANN_RESERVOIR_EMPTY));
	cr_assert_float_eq(st.delivered_total_u, 0.5, 1e-9);
	pump_free(before);
	before = pump_clone(p);
	expect_refusal(p, pump_resume(p, 60, PUMP_SOURCE_PHONE), PUMP_REFUSED_RESERVOIR_EMPTY,
	               before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, empty_battery_refuses_and_stops)
{
	pump_config c = base_config();
	c.battery_pct = 30;
	pump *p = new_pump(&c);
	pump_inject_fault(p, 0, PUMP_FAULT_BATTERY_DRAIN, 60.0); /* 1 %/min */
	run_minutes(p, 0, 40, NULL);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.battery_pct, 0.0);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP);
	cr_assert(raised(&log_, PUMP_ANN_BATTERY_LOW));
	cr_assert(raised(&log_, PUMP_ANN_BATTERY_EMPTY));
	pump *before = pump_clone(p);
	pump_bolus_request r = normal(1.0);
	expect_refusal(p, pump_bolus(p, 40, PUMP_SOURCE_PHONE, &r, NULL),
	               PUMP_REFUSED_BATTERY_EMPTY, before);
	expect_refusal(p, pump_resume(p, 40, PUMP_SOURCE_PUMP), PUMP_REFUSED_BATTERY_EMPTY, before);
	cr_assert_eq(run_minutes(p, 40, 30, NULL), 0.0, "nothing without a battery");
	pump_change_battery(p, 70, PUMP_SOURCE_PUMP);
	cr_assert_eq(pump_resume(p, 70, PUMP_SOURCE_PUMP), PUMP_OK);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, cancel_of_an_unknown_bolus_is_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_cancel_bolus(p, 0, PUMP_SOURCE_PHONE, 0), PUMP_REFUSED_NO_SUCH_BOLUS,
	               before);
	uint16_t id;
	pump_bolus_request r = normal(5.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, &id), PUMP_OK);
	pump_free(before);
	before = pump_clone(p);
	expect_refusal(p, pump_cancel_bolus(p, 0, PUMP_SOURCE_PHONE, (uint16_t)(id + 1)),
	               PUMP_REFUSED_NO_SUCH_BOLUS, before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, cancel_temp_basal_without_one_is_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_cancel_temp_basal(p, 0, PUMP_SOURCE_PHONE),
	               PUMP_REFUSED_NO_TEMP_BASAL, before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, procedures_in_the_wrong_state_are_not_applicable)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	/* never prime or change the reservoir into a patient being treated (T10) */
	expect_refusal(p, pump_prime(p, 0, PUMP_SOURCE_PUMP, 2.0), PUMP_REFUSED_NOT_APPLICABLE,
	               before);
	expect_refusal(p, pump_fill_reservoir(p, 0, PUMP_SOURCE_PUMP, 200),
	               PUMP_REFUSED_NOT_APPLICABLE, before);
	/* and from a phone never at all: it cannot know the set is off the body */
	expect_refusal(p, pump_prime(p, 0, PUMP_SOURCE_PHONE, 2.0), PUMP_REFUSED_NEEDS_PERSON,
	               before);
	expect_refusal(p, pump_fill_reservoir(p, 0, PUMP_SOURCE_PHONE, 200),
	               PUMP_REFUSED_NEEDS_PERSON, before);
	expect_refusal(p, pump_resume(p, 0, PUMP_SOURCE_PHONE), PUMP_REFUSED_NOT_APPLICABLE,
	               before);
	pump_free(before);
	cr_assert_eq(pump_stop(p, 0, PUMP_SOURCE_PUMP), PUMP_OK);
	before = pump_clone(p);
	expect_refusal(p, pump_suspend(p, 0, PUMP_SOURCE_PUMP), PUMP_REFUSED_NOT_APPLICABLE,
	               before);
	expect_refusal(p, pump_stop(p, 0, PUMP_SOURCE_PUMP), PUMP_REFUSED_NOT_APPLICABLE, before);
	pump_free(before);
	pump_free(p);
}

Test(pump_results, phone_cannot_raise_max_bolus_above_the_pump)
{
	pump_config c = base_config();
	c.limits.max_bolus_u = 8.0;
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_set_max_bolus(p, 0, PUMP_SOURCE_PHONE, 12.0),
	               PUMP_REFUSED_LIMIT_ABOVE_PUMP, before);
	cr_assert_eq(pump_set_max_bolus(p, 0, PUMP_SOURCE_PHONE, 4.0), PUMP_OK);
	pump_bolus_request r = normal(5.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_MAX_BOLUS);
	cr_assert_eq(pump_set_max_bolus(p, 0, PUMP_SOURCE_PHONE, 8.0), PUMP_OK,
	             "back up to the pump's");
	pump_free(before);
	pump_free(p);
}

Test(pump_results, confirming_an_unknown_annunciation_is_refused)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	expect_refusal(p, pump_confirm_annunciation(p, 0, PUMP_SOURCE_PHONE, 99),
	               PUMP_REFUSED_NO_SUCH_ANNUNCIATION, before);
	expect_refusal(p, pump_snooze_annunciation(p, 0, PUMP_SOURCE_PHONE, 0),
	               PUMP_REFUSED_NO_SUCH_ANNUNCIATION, before);
	pump_free(before);
	pump_free(p);
}

/* ---- delivery ----------------------------------------------------------------------- */

Test(pump_delivery, bolus_comes_in_pulses_at_the_set_speed)
{
	pump_config c = base_config();
	c.bolus_speed_u_per_min = 1.5;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(4.12); /* rounds down to 4.10 */
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	const double expected[] = {1.5, 1.5, 1.1, 0.0};
	for (int k = 0; k < 4; k++) {
		pump_delivery d = pump_tick(p, k, NAN);
		cr_assert_float_eq(d.bolus_u, expected[k], 1e-9, "minute %d: %.4f", k, d.bolus_u);
		cr_assert_float_eq(d.basal_u, 1.2 / 60.0, 1e-12);
	}
	cr_assert_eq(count_kind(&log_, PUMP_EV_BOLUS_ENDED), 1);
	pump_free(p);
}

Test(pump_delivery, instant_bolus_is_the_exact_dose_in_one_minute)
{
	pump_config c = base_config();
	c.bolus_speed_u_per_min = 0;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(50.0 / 12.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	pump_delivery d = pump_tick(p, 0, NAN);
	cr_assert_eq(d.bolus_u, 50.0 / 12.0, "not rounded to a pulse");
	cr_assert_eq(pump_tick(p, 1, NAN).bolus_u, 0.0);
	pump_free(p);
}

Test(pump_delivery, extended_and_multiwave_spread_over_their_duration)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_bolus_request r = {.type = PUMP_BOLUS_MULTIWAVE,
	                        .immediate_u = 2.0,
	                        .extended_u = 3.0,
	                        .duration_min = 60};
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	double first_two = 0, total = 0, max_minute = 0;
	for (int k = 0; k < 70; k++) {
		double b = pump_tick(p, k, NAN).bolus_u;
		if (k < 2)
			first_two += b;
		total += b;
		max_minute = fmax(max_minute, b);
	}
	cr_assert_float_eq(total, 5.0, 1e-9);
	cr_assert_gt(first_two, 2.0, "the immediate part comes first");
	cr_assert_lt(first_two, 2.2);
	cr_assert_leq(max_minute, c.bolus_speed_u_per_min + 1e-9, "never beats the bolus speed");
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_not(st.bolus_active);
	pump_free(p);
}

Test(pump_results, no_extended_programme_beats_the_bolus_speed)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump *before = pump_clone(p);
	/* 25 U "extended" over 1 min: a fast bolus 16 times the speed in disguise */
	pump_bolus_request r = {.type = PUMP_BOLUS_EXTENDED, .extended_u = 25.0, .duration_min = 1};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_INVALID_VALUE,
	               before);
	r.duration_min = PUMP_EXTENDED_MIN_MIN - 1;
	r.extended_u = 1.0;
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_REFUSED_INVALID_VALUE,
	               before);
	/* 25 U over 15 min is 1.67 U/min, faster than 1.5 U/min: from anyone */
	r = (pump_bolus_request){
	    .type = PUMP_BOLUS_EXTENDED, .extended_u = 25.0, .duration_min = 15};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_REFUSED_BOLUS_RATE,
	               before);
	r = (pump_bolus_request){.type = PUMP_BOLUS_MULTIWAVE,
	                         .immediate_u = 1.0,
	                         .extended_u = 24.0,
	                         .duration_min = 15};
	expect_refusal(p, pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, NULL), PUMP_REFUSED_BOLUS_RATE,
	               before);
	pump_free(before);
	/* at exactly the speed it runs, and no minute is faster */
	r = (pump_bolus_request){.type = PUMP_BOLUS_MULTIWAVE,
	                         .immediate_u = 3.0,
	                         .extended_u = 22.5,
	                         .duration_min = 15};
	r.extended_u = 21.0; /* 1.4 U/min, and 24 U under the 25 U limit */
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	double total = 0;
	for (int k = 0; k < 40; k++) {
		const double b = pump_tick(p, k, NAN).bolus_u;
		cr_assert_leq(b, c.bolus_speed_u_per_min + 1e-9, "minute %d: %.2f U", k, b);
		total += b;
	}
	cr_assert_float_eq(total, 24.0, 1e-9, "all of it, a little after its 15 minutes");
	pump_free(p);
}

Test(pump_delivery, cancel_stops_the_bolus_before_the_next_pulse)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_bolus_request r = {
	    .type = PUMP_BOLUS_EXTENDED, .extended_u = 6.0, .duration_min = 120};
	uint16_t id;
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PHONE, &r, &id), PUMP_OK);
	run_minutes(p, 0, 30, NULL);
	cr_assert_eq(pump_cancel_bolus(p, 30, PUMP_SOURCE_PHONE, id), PUMP_OK);
	cr_assert(raised(&log_, PUMP_ANN_BOLUS_CANCELED));
	double bolus;
	run_minutes(p, 30, 120, &bolus);
	cr_assert_eq(bolus, 0.0);
	pump_free(p);
}

Test(pump_delivery, temp_basal_changes_the_rate_then_ends_with_an_annunciation)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	cr_assert_eq(pump_temp_basal(p, 0, PUMP_SOURCE_PHONE, PUMP_TBR_RELATIVE, 50, 60), PUMP_OK);
	cr_assert_float_eq(run_minutes(p, 0, 60, NULL), 0.6, 1e-9);
	cr_assert_float_eq(run_minutes(p, 60, 60, NULL), 1.2, 1e-9);
	cr_assert(raised(&log_, PUMP_ANN_TBR_OVER));
	cr_assert_eq(pump_temp_basal(p, 120, PUMP_SOURCE_PHONE, PUMP_TBR_ABSOLUTE, 0.0, 30),
	             PUMP_OK);
	cr_assert_eq(pump_suspend(p, 130, PUMP_SOURCE_PUMP), PUMP_OK);
	cr_assert(raised(&log_, PUMP_ANN_TBR_CANCELED), "a suspend cancels the temp basal");
	pump_free(p);
}

Test(pump_delivery, suspended_or_stopped_pump_delivers_nothing)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(5.0);
	cr_assert_eq(pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	pump_tick(p, 0, NAN);
	cr_assert_eq(pump_suspend(p, 1, PUMP_SOURCE_PUMP), PUMP_OK);
	cr_assert_eq(run_minutes(p, 1, 60, NULL), 0.0);
	cr_assert_eq(pump_resume(p, 61, PUMP_SOURCE_PUMP), PUMP_OK);
	double bolus;
	run_minutes(p, 61, 10, &bolus);
	cr_assert_eq(bolus, 0.0, "a canceled bolus never comes back on resume");
	cr_assert_eq(pump_stop(p, 71, PUMP_SOURCE_PUMP), PUMP_OK);
	cr_assert_eq(run_minutes(p, 71, 60, NULL), 0.0);
	pump_free(p);
}

Test(pump_delivery, priming_consumes_the_reservoir_but_is_never_delivered)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	cr_assert_eq(pump_stop(p, 0, PUMP_SOURCE_PUMP), PUMP_OK);
	cr_assert_eq(pump_fill_reservoir(p, 0, PUMP_SOURCE_PUMP, 200.0), PUMP_OK);
	cr_assert_eq(pump_prime(p, 0, PUMP_SOURCE_PUMP, 2.5), PUMP_OK);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_float_eq(st.reservoir_u, 197.5, 1e-9);
	cr_assert_float_eq(st.primed_total_u, 2.5, 1e-9);
	cr_assert_eq(st.delivered_total_u, 0.0);
	cr_assert_eq(count_kind(&log_, PUMP_EV_PRIMED), 1);
	pump_free(p);
}

/* docs/pump.md: the alarm comes after occlusion_threshold_u (2.0 U) of missed insulin. */
Test(pump_delivery, occlusion_alarm_after_the_documented_missed_insulin_and_nothing_counted)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	pump_inject_fault(p, 10, PUMP_FAULT_OCCLUSION, 0);
	pump_bolus_request r = normal(1.0);
	cr_assert_eq(pump_bolus(p, 10, PUMP_SOURCE_PUMP, &r, NULL), PUMP_OK);
	int64_t alarm_at = -1;
	for (int64_t k = 10; k < 300 && alarm_at < 0; k++) {
		size_t seen = log_.n;
		pump_delivery d = pump_tick(p, k, NAN);
		cr_assert_eq(d.basal_u + d.bolus_u, 0.0, "an occluded line delivers nothing");
		for (size_t i = seen; i < log_.n; i++)
			if (log_.ev[i].kind == PUMP_EV_ANNUNCIATION &&
			    log_.ev[i].annunciation.type == PUMP_ANN_OCCLUSION)
				alarm_at = k;
	}
	cr_assert_geq(alarm_at, 0, "no occlusion alarm");
	/* 1 U of bolus pulses + basal: the alarm at the first minute with >= 2.0 U missed */
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.delivered_total_u, 0.0);
	cr_assert_eq(st.therapy, PUMP_THERAPY_STOP);
	bool uncertain = false;
	for (size_t i = 0; i < log_.n; i++)
		if (log_.ev[i].kind == PUMP_EV_BOLUS_ENDED)
			uncertain =
			    strcmp(log_.ev[i].detail, "uncertain") == 0 && log_.ev[i].value == 0.0;
	cr_assert(uncertain, "the bolus ends as uncertain with 0 U delivered");
	/* 1 U of bolus + 0.02 U/min of basal missed: 2.0 U reached at minute 10 + 50 */
	cr_assert_eq(alarm_at, 10 + 49, "alarm at minute %lld", (long long)alarm_at);
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_geq(a.aux, 2.0 - 1e-9, "missed insulin %.3f U", a.aux);
	cr_assert_lt(a.aux, 2.0 + 1.2 / 60.0 + 1e-9, "within one minute of the threshold");
	pump_free(p);
}

Test(pump_delivery, snoozed_annunciation_comes_back)
{
	pump_config c = base_config();
	c.reservoir_u = 21.0;
	pump *p = new_pump(&c);
	run_minutes(p, 0, 60, NULL);
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.type, PUMP_ANN_RESERVOIR_LOW);
	cr_assert_eq(pump_snooze_annunciation(p, 60, PUMP_SOURCE_PUMP, a.id), PUMP_OK);
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.status, PUMP_ANN_SNOOZED);
	run_minutes(p, 60, 20, NULL);
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.status, PUMP_ANN_PENDING);
	cr_assert_eq(pump_confirm_annunciation(p, 80, PUMP_SOURCE_PUMP, a.id), PUMP_OK);
	cr_assert_not(pump_newest_annunciation(p, &a));
	pump_free(p);
}

Test(pump_delivery, a_new_bond_and_closed_pairing_are_announced_and_change_no_therapy)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	run_minutes(p, 0, 10, NULL);
	pump *before = pump_clone(p);
	const uint16_t id = pump_announce_new_bond(p, 10, 2);
	cr_assert_neq(id, 0);
	cr_assert(raised(&log_, PUMP_ANN_NEW_BOND));
	pump_annunciation a;
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.type, PUMP_ANN_NEW_BOND);
	cr_assert_eq(a.id, id);
	cr_assert_float_eq(a.aux, 2.0, 1e-12, "AuxInfo: which bond of the run");
	cr_assert_str_eq(pump_annunciation_name(PUMP_ANN_NEW_BOND), "new_bond");
	pump_status s0, s1;
	pump_get_status(before, &s0);
	pump_get_status(p, &s1);
	cr_assert_eq(s1.therapy, s0.therapy);
	cr_assert_float_eq(s1.delivered_total_u, s0.delivered_total_u, 0.0);
	cr_assert_float_eq(s1.reservoir_u, s0.reservoir_u, 0.0);
	cr_assert_eq(pump_confirm_annunciation(p, 11, PUMP_SOURCE_PUMP, id), PUMP_OK);
	cr_assert_not(pump_newest_annunciation(p, &a));
	const uint16_t id2 = pump_announce_pairing_attempts(p, 12, 3);
	cr_assert(raised(&log_, PUMP_ANN_PAIRING_ATTEMPTS));
	cr_assert(pump_newest_annunciation(p, &a));
	cr_assert_eq(a.id, id2);
	cr_assert_neq(id2, id);
	cr_assert_eq(a.type, PUMP_ANN_PAIRING_ATTEMPTS);
	cr_assert_float_eq(a.aux, 3.0, 1e-12, "AuxInfo: the attempts");
	pump_get_status(p, &s1);
	cr_assert_eq(s1.therapy, s0.therapy);
	pump_free(before);
	pump_free(p);
}

/* ---- IOB and the bolus calculator -------------------------------------------------- */

Test(pump_iob, insulin_on_board_decays_from_delivered_bolus_only)
{
	pump_config c = base_config();
	c.bolus_speed_u_per_min = 0;
	pump *p = new_pump(&c);
	pump_bolus_request r = normal(4.0);
	pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL);
	pump_tick(p, 0, NAN);
	cr_assert_float_eq(pump_iob_u(p, 0), 4.0, 1e-12);
	double prev = 4.0;
	for (int t = 15; t <= 300; t += 15) {
		double iob = pump_iob_u(p, t);
		cr_assert_leq(iob, prev + 1e-12);
		prev = iob;
	}
	cr_assert_float_eq(pump_iob_u(p, 300), 0.0, 1e-12, "gone after the action time");
	double mid = pump_iob_u(p, 150);
	cr_assert(mid > 0.5 && mid < 2.5, "about a third left half-way: %.3f", mid);
	pump_free(p);
}

Test(pump_iob, calculator_uses_carbs_correction_and_iob_never_negative)
{
	pump_config c = base_config();
	c.carb_ratio_g_per_u = 10;
	c.correction_factor_mgdl_per_u = 50;
	c.target_mgdl = 110;
	c.bolus_speed_u_per_min = 0;
	pump *p = new_pump(&c);
	cr_assert_float_eq(pump_bolus_advice_u(p, 0, 60, 210), 8.0, 1e-9);
	cr_assert_float_eq(pump_bolus_advice_u(p, 0, 60, NAN), 6.0, 1e-9);
	cr_assert_float_eq(pump_bolus_advice_u(p, 0, 0, 60), 0.0, 1e-9, "never negative");
	pump_bolus_request r = normal(5.0);
	pump_bolus(p, 0, PUMP_SOURCE_PUMP, &r, NULL);
	pump_tick(p, 0, NAN);
	cr_assert_lt(pump_bolus_advice_u(p, 1, 60, 110), 1.05, "IOB is taken off");
	pump_free(p);
}

/* ---- low-glucose protection ------------------------------------------------------- */

Test(pump_lgs, predicted_low_suspends_and_recovery_resumes_with_annunciations)
{
	pump_config c = base_config();
	c.lgs.enabled = true;
	pump *p = new_pump(&c);
	/* falling 2 mg/dL/min from 140: at 110 the 30-min prediction is 50 → suspend */
	int64_t k = 0;
	for (; k < 40; k++) {
		double cgm = 140.0 - 2.0 * (double)k;
		pump_tick(p, k, k % 5 == 0 ? cgm : NAN);
	}
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.therapy, PUMP_THERAPY_PAUSE);
	cr_assert(st.suspended_by_lgs);
	cr_assert(raised(&log_, PUMP_ANN_LOW_GLUCOSE_SUSPEND));
	/* rising again above 90 */
	for (int i = 0; i < 60; i++, k++)
		pump_tick(p, k, k % 5 == 0 ? 80.0 + (double)i : NAN);
	pump_get_status(p, &st);
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN);
	cr_assert(raised(&log_, PUMP_ANN_LOW_GLUCOSE_RESUME));
	pump_free(p);
}

Test(pump_lgs, off_means_no_suspend)
{
	pump_config c = base_config();
	pump *p = new_pump(&c);
	for (int64_t k = 0; k < 120; k++)
		pump_tick(p, k, k % 5 == 0 ? 50.0 : NAN);
	pump_status st;
	pump_get_status(p, &st);
	cr_assert_eq(st.therapy, PUMP_THERAPY_RUN);
	pump_free(p);
}
