/*
 * engine — one-minute fixed-step loop over patient, pump and CGM (see engine.h).
 *
 * Order within minute k: read the state at t = k (BG, Gsub, the CGM sample if one is due),
 * apply the scenario's events at k (meals, pump commands, faults), let the pump's
 * controller decide (when the scenario closes the loop), let the pump deliver over [k, k+1)
 * (it sees the CGM reading: low-glucose protection), then integrate the patient to t = k + 1
 * — here, or by the caller when the patient is outside (engine_new_external). Between two calls of
 * engine_next the engine is "between minutes" at k + 1: the only other time the pump may change
 * (engine.h). Never touches the wall clock.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "controller_loop.h"
#include "engine.h"
#include "engine_ble.h"
#include "sensor_faults.h"

struct engine {
	const scenario *sc;
	patient *patient;
	pump *pump;
	cgm_sensor *cgm;
	sensor_faults *sensor_faults;
	double cgm_min_mgdl, cgm_max_mgdl;
	int64_t t_min;
	size_t next_event;
	bool finished;
	bool detailed_rows;
	double last_cgm_mgdl;      /* the newest reading, NaN before the first */
	int64_t last_cgm_min;      /* … and its minute */
	double eat_rate_g_per_min; /* of the meal being eaten */
	controller_loop *loop;     /* the pump's controller, when the scenario has one */
	double announced_g;        /* carbs announced to it this minute */
	engine_controller_fn on_controller;
	void *controller_user_data;
	engine_event_fn on_event;
	void *user_data;
	engine_ble *ble; /* the pump's Bluetooth side, when the scenario uses it */
	ble_audit_fn on_audit;
	void *audit_user_data;
	engine_pairing_fn on_pairing;
	void *pairing_user_data;
	const char *error;
	char error_buf[400]; /* a step that could not be played (engine_ble_apply) */
	bool in_minute;      /* inside engine_next: no request from outside now */
	int64_t between_min; /* the minute boundary between minutes (engine_now_min) */
	double live_meal_g;  /* engine_apply_now: eaten from the next minute */
};

static void forward_pump_event(const pump_event *ev, void *user_data)
{
	engine *e = user_data;
	if (e->ble)
		engine_ble_pump_event(e->ble, ev);
	if (e->on_event)
		e->on_event(ev, e->user_data);
}

static void forward_audit(const ble_audit_event *ev, void *user_data)
{
	engine *e = user_data;
	if (e->on_audit)
		e->on_audit(ev, e->audit_user_data);
}

/* The engine, with the patient inside it or (external) outside. */
static engine *engine_create(const scenario *sc, bool external)
{
	if (!sc || !sc->patient || sc->duration_min <= 0)
		return NULL;
	engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->sc = sc;
	e->detailed_rows = true;
	e->last_cgm_mgdl = NAN;
	e->eat_rate_g_per_min = 5.0;
	pump_config cfg = sc->pump;
	cfg.on_event = forward_pump_event;
	cfg.user_data = e;
	e->patient = external ? NULL : patient_new(sc->patient);
	e->pump = pump_new(&cfg);
	e->cgm = cgm_sensor_new(sc->cgm, sc->cgm_interval_min, sc->seed);
	/* A stream of its own, so that a noise burst never shifts the sensor's own noise. */
	e->sensor_faults = sensor_faults_new(sc->seed ^ 0x5E45u);
	const cgm_params *cp = cgm_params_for(sc->cgm);
	e->cgm_min_mgdl = cp ? cp->min_mgdl : 0.0;
	e->cgm_max_mgdl = cp && cp->max_mgdl > 0 ? cp->max_mgdl : 1e9;
	if (e->pump && engine_ble_needed(sc))
		e->ble = engine_ble_new(sc, e->pump, forward_audit, e);
	if (sc->has_controller) {
		e->loop = controller_loop_new(&sc->controller);
		if (e->loop && e->pump && !sc->controller_enabled)
			controller_loop_set_enabled(e->loop, e->pump, 0, false);
	}
	if ((!external && !e->patient) || !e->pump || !e->cgm || !e->sensor_faults ||
	    (engine_ble_needed(sc) && !e->ble) || (sc->has_controller && !e->loop)) {
		engine_free(e);
		return NULL;
	}
	return e;
}

engine *engine_new(const scenario *sc)
{
	return engine_create(sc, false);
}

engine *engine_new_external(const scenario *sc)
{
	return engine_create(sc, true);
}

void engine_free(engine *e)
{
	if (!e)
		return;
	patient_free(e->patient);
	cgm_sensor_free(e->cgm);
	sensor_faults_free(e->sensor_faults);
	engine_ble_free(e->ble); /* before the pump it is bound to */
	controller_loop_free(e->loop);
	pump_free(e->pump);
	free(e);
}

void engine_on_event(engine *e, engine_event_fn fn, void *user_data)
{
	e->on_event = fn;
	e->user_data = user_data;
}

void engine_on_ble_audit(engine *e, ble_audit_fn fn, void *user_data)
{
	e->on_audit = fn;
	e->audit_user_data = user_data;
}

void engine_on_controller(engine *e, engine_controller_fn fn, void *user_data)
{
	e->on_controller = fn;
	e->controller_user_data = user_data;
}

void engine_on_pairing_window(engine *e, engine_pairing_fn fn, void *user_data)
{
	e->on_pairing = fn;
	e->pairing_user_data = user_data;
}

void engine_set_detailed_rows(engine *e, bool detailed)
{
	e->detailed_rows = detailed;
}

const char *engine_error(const engine *e)
{
	return e->error;
}

ble_server *engine_enable_ble(engine *e)
{
	if (!e->ble && e->pump)
		e->ble = engine_ble_new(e->sc, e->pump, forward_audit, e);
	return engine_server(e);
}

ble_server *engine_server(engine *e)
{
	return e->ble ? engine_ble_server(e->ble) : NULL;
}

const pump *engine_pump(const engine *e)
{
	return e->pump;
}

int64_t engine_now_min(const engine *e)
{
	return e->between_min;
}

pump_result engine_confirm_annunciation(engine *e, uint16_t id)
{
	assert(!e->in_minute);
	return pump_confirm_annunciation(e->pump, e->between_min, PUMP_SOURCE_PUMP, id);
}

bool engine_bond_created(engine *e, const char *device)
{
	assert(!e->in_minute);
	if (!e->ble)
		return false;
	ble_server_bond_created(engine_ble_server(e->ble), device, e->between_min);
	return true;
}

void engine_bond_removed(engine *e, const char *device)
{
	assert(!e->in_minute);
	if (e->ble)
		ble_server_bond_removed(engine_ble_server(e->ble), device, e->between_min);
}

void engine_pairing_attempts(engine *e, unsigned attempts)
{
	assert(!e->in_minute);
	pump_announce_pairing_attempts(e->pump, e->between_min, attempts);
}

/* A fault injected on purpose at minute k by `origin`: the pump's, or one shown to the phone
 * by the server (until k + for_min, or until cleared). */
static bool engine_fault(engine *e, const fault_spec *s, double amount, int64_t k,
                         const char *origin, const char **why)
{
	if (!s->is_ble) {
		pump_inject_fault_by(e->pump, k, s->pump, amount, origin);
		return true;
	}
	ble_server *srv = engine_server(e);
	if (!srv) {
		if (why)
			*why = "this run has no Bluetooth server (run --ble, or a scenario with "
			       "phones)";
		return false;
	}
	if (s->clear) {
		ble_server_fault_clear(srv, s->clear_all ? BLE_FAULT_COUNT : s->ble.kind, k);
		return true;
	}
	ble_fault f = s->ble;
	f.origin = origin;
	f.until_min = s->for_min > 0 ? k + s->for_min : BLE_FAULT_UNTIL_CLEARED;
	return ble_server_fault(srv, &f, k, why);
}

/* The scenario acting as the person at the pump: a command from the pump's own keys
 * (PUMP_SOURCE_PUMP), or a fault of the pump itself. */
static void person_command(engine *e, const scenario_event *ev, int64_t k)
{
	pump *p = e->pump;
	const pump_source src = PUMP_SOURCE_PUMP;
	switch (ev->kind) {
	case SCENARIO_EVENT_BOLUS: {
		pump_bolus_request req = {.type = ev->bolus_type, .duration_min = ev->duration_min};
		if (ev->bolus_type == PUMP_BOLUS_EXTENDED) {
			req.extended_u = ev->amount;
		} else {
			req.immediate_u = ev->amount;
			req.extended_u = ev->extended_u;
		}
		pump_bolus(p, k, src, &req, NULL);
		break;
	}
	case SCENARIO_EVENT_CALCULATED_BOLUS: {
		pump_bolus_request req = {
		    .type = PUMP_BOLUS_NORMAL,
		    .immediate_u = pump_bolus_advice_u(p, k, ev->amount, e->last_cgm_mgdl)};
		/* Advice of 0 U is still a command the person made: refused and audited. */
		pump_bolus(p, k, src, &req, NULL);
		break;
	}
	case SCENARIO_EVENT_TEMP_BASAL:
		pump_temp_basal(p, k, src, ev->relative ? PUMP_TBR_RELATIVE : PUMP_TBR_ABSOLUTE,
		                ev->amount, ev->duration_min);
		break;
	case SCENARIO_EVENT_CANCEL_BOLUS:
		pump_cancel_bolus(p, k, src, 0);
		break;
	case SCENARIO_EVENT_CANCEL_TEMP_BASAL:
		pump_cancel_temp_basal(p, k, src);
		break;
	case SCENARIO_EVENT_SUSPEND:
		pump_suspend(p, k, src);
		break;
	case SCENARIO_EVENT_RESUME:
		pump_resume(p, k, src);
		break;
	case SCENARIO_EVENT_STOP:
		pump_stop(p, k, src);
		break;
	case SCENARIO_EVENT_PRIME:
		pump_prime(p, k, src, ev->amount);
		break;
	case SCENARIO_EVENT_FILL:
		pump_fill_reservoir(p, k, src, ev->amount);
		break;
	case SCENARIO_EVENT_REFILL: {
		/* A reservoir change as a person does it: stop, new reservoir, run again. */
		pump_status st;
		pump_get_status(p, &st);
		if (st.therapy != PUMP_THERAPY_STOP)
			pump_stop(p, k, src);
		if (pump_fill_reservoir(p, k, src, ev->amount) == PUMP_OK)
			pump_resume(p, k, src);
		break;
	}
	case SCENARIO_EVENT_SET_MAX_BOLUS:
		pump_set_max_bolus(p, k, src, ev->amount);
		break;
	case SCENARIO_EVENT_CHANGE_BATTERY:
		pump_change_battery(p, k, src);
		break;
	case SCENARIO_EVENT_FAULT:
		engine_fault(e, &ev->fault_spec, ev->amount, k, "scenario", NULL);
		break;
	case SCENARIO_EVENT_CONFIRM: {
		pump_annunciation active[32];
		size_t n = pump_active_annunciations(p, active, 32);
		for (size_t i = 0; i < n; i++)
			if (ev->confirm_all || active[i].type == ev->annunciation)
				pump_confirm_annunciation(p, k, src, active[i].id);
		break;
	}
	default:
		break; /* not the person's (apply_event) */
	}
}

/* One scenario event at minute k. False when a phone's step could not be played
 * (e->error says why): the run fails. */
static bool apply_event(engine *e, const scenario_event *ev, int64_t k, engine_row *row)
{
	/* The phone's events go through the protocol: encoded, written, decoded, checked. */
	if (e->ble && (ev->from_phone || ev->kind == SCENARIO_EVENT_ATTACK)) {
		switch (engine_ble_apply(e->ble, ev, k, e->error_buf, sizeof e->error_buf)) {
		case ENGINE_BLE_PLAYED:
			return true;
		case ENGINE_BLE_FAILED:
			e->error = e->error_buf;
			return false;
		case ENGINE_BLE_NOT_MINE:
			break;
		}
	}
	if (ev->kind == SCENARIO_EVENT_FAULT && ev->fault_spec.is_ble) {
		const char *why = "";
		if (engine_fault(e, &ev->fault_spec, ev->amount, k, "scenario", &why))
			return true;
		/* A fault that cannot be shown never passes silently. */
		snprintf(e->error_buf, sizeof e->error_buf, "fault %s: %s",
		         ble_fault_name(ev->fault_spec.ble.kind), why);
		e->error = e->error_buf;
		return false;
	}
	switch (ev->kind) {
	case SCENARIO_EVENT_MEAL:
		row->meal_announced_g += ev->amount;
		if (ev->eat_rate_g_per_min > 0.0)
			e->eat_rate_g_per_min = ev->eat_rate_g_per_min;
		if (ev->announce)
			e->announced_g += ev->amount;
		break;
	case SCENARIO_EVENT_ANNOUNCE: /* told the controller, not eaten */
		e->announced_g += ev->amount;
		break;
	case SCENARIO_EVENT_CONTROLLER: /* the person at the pump switches it */
		if (e->loop)
			controller_loop_set_enabled(e->loop, e->pump, k, ev->controller_on);
		break;
	case SCENARIO_EVENT_BOLUS:
	case SCENARIO_EVENT_CALCULATED_BOLUS:
	case SCENARIO_EVENT_TEMP_BASAL:
	case SCENARIO_EVENT_CANCEL_BOLUS:
	case SCENARIO_EVENT_CANCEL_TEMP_BASAL:
	case SCENARIO_EVENT_SUSPEND:
	case SCENARIO_EVENT_RESUME:
	case SCENARIO_EVENT_STOP:
	case SCENARIO_EVENT_PRIME:
	case SCENARIO_EVENT_FILL:
	case SCENARIO_EVENT_REFILL:
	case SCENARIO_EVENT_SET_MAX_BOLUS:
	case SCENARIO_EVENT_CHANGE_BATTERY:
	case SCENARIO_EVENT_FAULT:
	case SCENARIO_EVENT_CONFIRM:
		person_command(e, ev, k);
		break;
	case SCENARIO_EVENT_SENSOR_DROPOUT:
	case SCENARIO_EVENT_SENSOR_DRIFT:
	case SCENARIO_EVENT_SENSOR_NOISE:
	case SCENARIO_EVENT_SENSOR_COMPRESSION:
		/* started before the minute's reading (engine_next) */
		break;
	case SCENARIO_EVENT_PHONE_READ:
	case SCENARIO_EVENT_PHONE_SUBSCRIBE:
	case SCENARIO_EVENT_PHONE_SET_CGM_INTERVAL:
		if (e->ble && engine_ble_apply(e->ble, ev, k, e->error_buf, sizeof e->error_buf) ==
		                  ENGINE_BLE_FAILED) {
			e->error = e->error_buf;
			return false;
		}
		break;
	case SCENARIO_EVENT_ATTACK:
		break; /* played by engine_ble above */
	case SCENARIO_EVENT_PAIRING_WINDOW:
		/* The radio is the caller's (run --ble): the pump only has the key. */
		if (e->on_pairing)
			e->on_pairing(k, ev->duration_min, e->pairing_user_data);
		break;
	case SCENARIO_EVENT_KIND_COUNT:
		break;
	}
	return true;
}

/* Minute k's state: BG and Gsub at t = k, sensor faults that start now (they shape this
 * minute's reading), the CGM sample if one is due; the server hears of the reading. */
static void read_minute(engine *e, int64_t k, double bg_mgdl, double gsub_mgdl, engine_row *row)
{
	int64_t day;
	clock_split(k + e->sc->start_min_of_day, &day, &row->min_of_day);
	row->t_min = k;
	row->day = (int)day;
	row->bg_mgdl = bg_mgdl;
	row->gsub_mgdl = gsub_mgdl;
	for (size_t i = e->next_event; i < e->sc->event_count && e->sc->events[i].at_min == k; i++)
		if (e->sc->events[i].kind >= SCENARIO_EVENT_SENSOR_DROPOUT &&
		    e->sc->events[i].kind <= SCENARIO_EVENT_SENSOR_COMPRESSION)
			sensor_faults_start(e->sensor_faults, &e->sc->events[i]);
	row->has_cgm = cgm_sensor_read(e->cgm, k, row->gsub_mgdl, &row->cgm_mgdl);
	if (row->has_cgm)
		row->has_cgm = sensor_faults_apply(e->sensor_faults, k, &row->cgm_mgdl,
		                                   e->cgm_min_mgdl, e->cgm_max_mgdl);
	if (row->has_cgm) {
		e->last_cgm_mgdl = row->cgm_mgdl;
		e->last_cgm_min = k;
		if (e->ble)
			engine_ble_cgm(e->ble, k, row->cgm_mgdl);
	}
}

/* The pump's controller at minute k: after the minute's commands, before the tick, with the
 * minute's reading and the carbs announced this minute. A CGM-fallback episode that begins
 * is annunciated (aux: minutes since the last reading, 0 when none came yet). */
static void controller_minute(engine *e, int64_t k, const engine_row *row)
{
	const double announced_g = e->announced_g;
	e->announced_g = 0.0;
	controller_report rep;
	if (!controller_loop_minute(e->loop, e->pump, k, row->has_cgm ? row->cgm_mgdl : NAN,
	                            announced_g, &rep))
		return;
	if (rep.fallback_began)
		pump_announce_controller_fallback(
		    e->pump, k, isnan(e->last_cgm_mgdl) ? 0u : (unsigned)(k - e->last_cgm_min));
	if (e->on_controller)
		e->on_controller(&rep, e->controller_user_data);
}

/* The pump over [k, k+1): its reservoir and battery before the delivery, the delivery, and
 * its status after (rate, IOB at k + 1, therapy, annunciation) when rows are detailed. */
static void tick_pump(engine *e, int64_t k, engine_row *row)
{
	if (e->detailed_rows) {
		/* The reservoir and battery at t = k, before the minute's delivery: row 0 is the
		 * initial fill, and each row's drop to the next is what the row delivered. */
		pump_status at_k;
		pump_get_status(e->pump, &at_k);
		row->reservoir_u = at_k.reservoir_u;
		row->battery_pct = at_k.battery_pct;
	}

	const pump_delivery d = pump_tick(e->pump, k, row->has_cgm ? row->cgm_mgdl : NAN);
	if (e->ble)
		engine_ble_tick(e->ble, k, &d);
	if (e->loop)
		controller_loop_delivered(e->loop, e->pump, k, &d);
	row->basal_u_per_min = d.basal_u;
	row->bolus_u_per_min = d.bolus_u;
	row->insulin_u_per_min = d.basal_u + d.bolus_u;
	if (e->detailed_rows) {
		pump_status st;
		pump_get_status(e->pump, &st);
		pump_annunciation newest;
		row->basal_u_per_h = st.basal_rate_u_per_h;
		row->iob_u = pump_iob_u(e->pump, k + 1);
		row->therapy_state = (int)st.therapy;
		row->annunciation =
		    pump_newest_annunciation(e->pump, &newest) ? (int)newest.type : 0;
	}
}

/* The end of a minute: the engine is between minutes (at k + 1) until the next call. */
static engine_status end_minute(engine *e, int64_t k, engine_status st)
{
	e->in_minute = false;
	if (st != ENGINE_FAILED)
		e->between_min = k + 1;
	if (st != ENGINE_ROW)
		e->finished = true;
	return st;
}

/*
 * Minute k up to the patient's step: the row (all but cho_g_per_min, which the step gives)
 * and the patient's inputs for [k, k+1). ENGINE_ROW leaves the engine inside the minute for
 * the caller to integrate and end it; the last row and a failure end it here.
 */
static engine_status pump_minute(engine *e, double bg_mgdl, double gsub_mgdl, engine_row *row,
                                 patient_batch_inputs *in)
{
	const int64_t k = e->t_min;
	e->in_minute = true;

	/* A copy of a zero row, not `(engine_row){0}`: GCC zeroes 128 bytes with `rep stos`,
	 * whose start-up was a third of this function's time in a trial. */
	static const engine_row zero_row;
	*row = zero_row;
	read_minute(e, k, bg_mgdl, gsub_mgdl, row);
	row->meal_announced_g += e->live_meal_g; /* a meal announced between minutes */
	e->live_meal_g = 0.0;
	while (e->next_event < e->sc->event_count && e->sc->events[e->next_event].at_min == k)
		if (!apply_event(e, &e->sc->events[e->next_event++], k, row))
			return end_minute(e, k, ENGINE_FAILED);
	/* The closed loop: after the person's and the phones' commands of minute k, before the
	 * tick; it sees the minute's reading and commands the pump as PUMP_SOURCE_CONTROLLER
	 * (docs/controllers.md). */
	if (e->loop)
		controller_minute(e, k, row);
	tick_pump(e, k, row);

	if (k >= e->sc->duration_min) {
		/* Final state: its inputs are shown, never integrated. */
		if (e->ble)
			engine_ble_finish(e->ble, k);
		return end_minute(e, k, ENGINE_LAST_ROW);
	}
	*in = (patient_batch_inputs){.meal_announced_g = row->meal_announced_g,
	                             .eat_rate_g_per_min = e->eat_rate_g_per_min,
	                             .insulin_u_per_min = row->insulin_u_per_min};
	return ENGINE_ROW;
}

engine_status engine_next(engine *e, engine_row *row)
{
	if (e->finished || !e->patient)
		return ENGINE_DONE;
	const int64_t k = e->t_min;
	patient_batch_inputs in;
	const engine_status st =
	    pump_minute(e, patient_bg_mgdl(e->patient), patient_gsub_mgdl(e->patient), row, &in);
	if (st != ENGINE_ROW)
		return st;

	patient_step_info info = {0};
	patient_step_result r = patient_step_eating(
	    e->patient, in.meal_announced_g, in.eat_rate_g_per_min, in.insulin_u_per_min, &info);
	row->cho_g_per_min = info.eaten_g;
	if (r != PATIENT_STEP_OK) {
		e->error = r == PATIENT_STEP_BAD_INPUT ? "invalid model input"
		                                       : "the patient model's integrator failed";
		return end_minute(e, k, ENGINE_FAILED);
	}
	e->t_min = k + 1;
	return end_minute(e, k, ENGINE_ROW);
}

engine_status engine_next_external(engine *e, double bg_mgdl, double gsub_mgdl, engine_row *row,
                                   patient_batch_inputs *inputs)
{
	if (e->finished || e->patient)
		return ENGINE_DONE;
	const int64_t k = e->t_min;
	const engine_status st = pump_minute(e, bg_mgdl, gsub_mgdl, row, inputs);
	if (st != ENGINE_ROW)
		return st;
	e->t_min = k + 1;
	return end_minute(e, k, ENGINE_ROW);
}

int64_t engine_minutes_without_glucose(const engine *e)
{
	if (e->finished || e->patient || e->ble)
		return 0;
	const int64_t k = e->t_min;
	const int64_t interval = cgm_sensor_interval_min(e->cgm);
	const int64_t to_reading = (interval - k % interval) % interval;
	const int64_t to_end = e->sc->duration_min - k;
	return to_reading < to_end ? to_reading : to_end > 0 ? to_end : 0;
}

/* ---- live control (engine.h) ---- */

bool engine_apply_now(engine *e, const scenario_event *ev, const char *origin, const char **why)
{
	assert(!e->in_minute);
	switch (ev->kind) {
	case SCENARIO_EVENT_MEAL:
		e->live_meal_g += ev->amount;
		if (ev->eat_rate_g_per_min > 0.0)
			e->eat_rate_g_per_min = ev->eat_rate_g_per_min;
		return true;
	case SCENARIO_EVENT_FAULT:
		return engine_fault(e, &ev->fault_spec, ev->amount, e->between_min, origin, why);
	default:
		person_command(e, ev, e->between_min);
		return true;
	}
}
