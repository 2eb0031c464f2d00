/*
 * engine — one-minute fixed-step loop over patient, pump and CGM (see engine.h).
 *
 * Order within minute k: read the state at t = k (BG, Gsub, CGM sample if due), apply the
 * scenario's events at k (meal announcements, bolus commands), let the pump deliver over
 * [k, k+1), then integrate the patient to t = k + 1. Never touches the wall clock.
 */
#include <stdlib.h>

#include "engine.h"
#include "pump_model.h"

struct engine {
	const scenario *sc;
	patient *patient;
	pump *pump;
	cgm_sensor *cgm;
	int64_t t_min;
	size_t next_event;
	bool finished;
	const char *error;
};

static pump_config pump_config_from(const scenario *sc)
{
	pump_config cfg = {
		.start_min_of_day = sc->start_min_of_day,
		.bolus_speed_u_per_min = sc->bolus_speed_u_per_min,
	};
	if (sc->basal_kind == SCENARIO_BASAL_STEADY_STATE) {
		cfg.steady_basal_u_per_min = patient_basal_u_per_min(sc->patient);
	} else {
		cfg.basal_segment_count = sc->basal_segment_count;
		for (size_t i = 0; i < sc->basal_segment_count; i++) {
			cfg.basal_segments[i].start_min_of_day = sc->basal_segments[i].start_min_of_day;
			cfg.basal_segments[i].rate_u_per_h = sc->basal_segments[i].rate_u_per_h;
		}
	}
	return cfg;
}

engine *engine_new(const scenario *sc)
{
	if (!sc || !sc->patient || sc->duration_min <= 0)
		return NULL;
	engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->sc = sc;
	pump_config cfg = pump_config_from(sc);
	e->patient = patient_new(sc->patient);
	e->pump = pump_new(&cfg);
	e->cgm = cgm_sensor_new(sc->cgm, sc->cgm_interval_min, sc->seed);
	if (!e->patient || !e->pump || !e->cgm) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void engine_free(engine *e)
{
	if (!e)
		return;
	patient_free(e->patient);
	pump_free(e->pump);
	cgm_sensor_free(e->cgm);
	free(e);
}

const char *engine_error(const engine *e)
{
	return e->error;
}

engine_status engine_next(engine *e, engine_row *row)
{
	if (e->finished)
		return ENGINE_DONE;
	const int64_t k = e->t_min;
	const int64_t clock_min = k + e->sc->start_min_of_day;

	*row = (engine_row){
		.t_min = k,
		.day = (int)(clock_min / 1440) + 1,
		.min_of_day = (int)(clock_min % 1440),
		.bg_mgdl = patient_bg_mgdl(e->patient),
		.gsub_mgdl = patient_gsub_mgdl(e->patient),
	};
	row->has_cgm = cgm_sensor_read(e->cgm, k, row->gsub_mgdl, &row->cgm_mgdl);

	while (e->next_event < e->sc->event_count && e->sc->events[e->next_event].at_min == k) {
		const scenario_event *ev = &e->sc->events[e->next_event++];
		switch (ev->kind) {
		case SCENARIO_EVENT_MEAL:
			row->meal_announced_g += ev->amount;
			break;
		case SCENARIO_EVENT_BOLUS:
			pump_bolus(e->pump, k, ev->amount);
			break;
		}
	}

	const pump_delivery d = pump_deliver_minute(e->pump, k);
	row->basal_u_per_min = d.basal_u;
	row->bolus_u_per_min = d.bolus_u;
	row->insulin_u_per_min = d.basal_u + d.bolus_u;

	if (k >= e->sc->duration_min) {
		/* Final state: its inputs are shown, never integrated. */
		e->finished = true;
		return ENGINE_LAST_ROW;
	}

	patient_step_info info = {0};
	patient_step_result r = patient_step(e->patient, row->meal_announced_g,
	                                     row->insulin_u_per_min, &info);
	row->cho_g_per_min = info.eaten_g;
	if (r != PATIENT_STEP_OK) {
		e->error = r == PATIENT_STEP_BAD_INPUT ? "invalid model input"
		                                       : "the patient model's integrator failed";
		e->finished = true;
		return ENGINE_FAILED;
	}
	e->t_min = k + 1;
	return ENGINE_ROW;
}
