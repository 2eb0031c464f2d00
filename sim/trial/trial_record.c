/*
 * trial_record — a trial's rows into record_trial's plain values (see trial_record.h).
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "record_trial.h"
#include "trial_record.h"

bool trial_record_write(const char *path, const trial_plan *p, const trial_record_info *info,
                        const trial_row *rows, char *err, size_t cap)
{
	const trial_definition *d = &p->def;
	GString *names = g_string_new(NULL);
	for (size_t i = 0; i < d->patient_count; i++)
		g_string_append_printf(names, "%s%s", i ? "," : "", trial_patient(d, i)->name);
	const record_trial t = {
	    .definition_sha256 = p->hash,
	    .base_path = d->base_path,
	    .base_text = d->base_text,
	    .patients = names->str,
	    .days = d->days,
	    .controller = trial_controller_name(d->controller),
	    .meals = meal_plan_kind_name(d->meals),
	    .cgm = d->force_cgm ? cgm_params_for(d->cgm)->name : NULL,
	    .seed = d->seed,
	    .engine = trial_engine_name(info->run->engine),
	    .threads = info->run->threads,
	    .build = info->build,
	    .host = info->host,
	    .started_at = info->started_at,
	    .ended_at = info->ended_at,
	    .wall_s = info->wall_s,
	};
	record_trial_patient *rp = g_new0(record_trial_patient, d->patient_count);
	for (size_t i = 0; i < d->patient_count; i++) { /* rows[i]: patient i (trial_table.h) */
		const trial_row *r = &rows[i];
		const glucose_metrics *m = &r->m;
		const glucose_accumulator *a = &r->acc;
		rp[i] = (record_trial_patient){
		    .patient = r->patient,
		    .cohort = r->cohort,
		    .status = r->failed ? "failed" : "ok",
		    .why = r->why,
		    .minutes = r->minutes,
		    .insulin_u = r->insulin_u,
		    .mean_mgdl = m->mean_mgdl,
		    .sd_mgdl = m->sd_mgdl,
		    .cv_pct = m->cv_pct,
		    .gmi_pct = m->gmi_pct,
		    .tir_pct = m->tir_pct,
		    .tbr70_pct = m->tbr70_pct,
		    .tbr54_pct = m->tbr54_pct,
		    .tar180_pct = m->tar180_pct,
		    .tar250_pct = m->tar250_pct,
		    .min_mgdl = m->min_mgdl,
		    .max_mgdl = m->max_mgdl,
		    .lbgi = m->lbgi,
		    .hbgi = m->hbgi,
		    .tdd_u = r->minutes > 0 ? r->insulin_u / ((double)r->minutes / 1440.0) : NAN,
		    .samples = (int64_t)a->n,
		    .below54 = (int64_t)a->below54,
		    .below70 = (int64_t)a->below70,
		    .in_range = (int64_t)a->in_range,
		    .above180 = (int64_t)a->above180,
		    .above250 = (int64_t)a->above250,
		    .bg_sum = a->sum,
		    .bg_sum_sq = a->sum_sq,
		    .low_risk_sum = a->low_risk,
		    .high_risk_sum = a->high_risk,
		};
	}
	int64_t id = 0;
	const bool ok = record_trial_write(path, &t, rp, d->patient_count, &id, err, cap);
	g_free(rp);
	g_string_free(names, TRUE);
	return ok;
}
