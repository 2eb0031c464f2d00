/*
 * run_picture — see run_picture.h.
 */
#include "run_picture.h"

#include <glib.h>
#include <stdio.h>
#include <time.h>

#include "run_facts.h"

void run_picture_footer(const scenario *sc, char *buf, size_t cap)
{
	char when[40];
	const time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	char *sha =
	    sc->text ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, sc->text, -1) : NULL;
	const cgm_params *cp = cgm_params_for(sc->cgm);
	const pump_limits *l = &sc->pump.limits;
	snprintf(
	    buf, cap,
	    "fakepump %s · drawn %s\n%s (SHA-256 %.12s…) · %s · seed %u · %s every %d min\n"
	    "limits bolus %.3g U, basal %.3g U/h, daily %.4g U, IOB %.3g U · low-glucose "
	    "suspend %s · %s, E2E %s",
	    run_facts_build(), when, sc->path ? sc->path : "built-in scenario", sha ? sha : "?",
	    sc->patient ? sc->patient->name : "?", (unsigned)sc->seed, cp ? cp->name : "?",
	    sc->cgm_interval_min > 0 ? sc->cgm_interval_min
	    : cp                     ? cp->sample_time_min
	                             : 0,
	    l->max_bolus_u, l->max_basal_u_per_h, l->max_daily_u, l->max_iob_u,
	    sc->pump.lgs.enabled ? "on" : "off",
	    sc->security == SCENARIO_SECURITY_LEGACY_VULNERABLE ? "legacy-vulnerable" : "hardened",
	    sc->e2e ? "on" : "off");
	g_free(sha);
}

void run_picture_sensor_faults(trace *t, const scenario *sc)
{
	for (size_t i = 0; i < sc->event_count; i++) {
		const scenario_event *e = &sc->events[i];
		if (e->kind >= SCENARIO_EVENT_SENSOR_DROPOUT &&
		    e->kind <= SCENARIO_EVENT_SENSOR_COMPRESSION)
			trace_add_sensor_fault(t, e->at_min, e->duration_min,
			                       scenario_event_kind_name(e->kind));
	}
}
