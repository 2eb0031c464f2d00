/*
 * trial_table — a trial's rows and their CSV, JSON and human forms (see trial_table.h).
 */
#include <math.h>
#include <string.h>

#include "trial_table.h"

static void add_patient(trial_row *row, const trial_patient_result *r)
{
	glucose_accumulator_merge(&row->acc, &r->acc);
	row->insulin_u += r->insulin_u;
	row->minutes += r->minutes;
	row->patients++;
	row->failed += r->status != TRIAL_OK;
	row->below40 += r->acc.n > 0 && r->acc.min < 40.0;
}

static trial_row empty_row(const char *name, const char *cohort)
{
	trial_row row = {.cohort = cohort};
	snprintf(row.patient, sizeof row.patient, "%s", name);
	glucose_accumulator_init(&row.acc);
	return row;
}

/* A cohort's or everyone's metrics: the mean of its patients' (each patient weighs the
 * same, as the literature reports cohorts), min and max their extremes, TDD their mean. */
static void average_patients(trial_row *agg, const trial_row *patients, size_t count)
{
	glucose_metrics sum = {0};
	size_t k = 0;
	double tdd = 0.0;
	for (size_t i = 0; i < count; i++) {
		const trial_row *r = &patients[i];
		if ((strcmp(agg->cohort, "all") != 0 && strcmp(agg->cohort, r->cohort) != 0) ||
		    r->acc.n == 0)
			continue;
		const glucose_metrics *m = &r->m;
		sum.mean_mgdl += m->mean_mgdl;
		sum.sd_mgdl += m->sd_mgdl;
		sum.cv_pct += m->cv_pct;
		sum.gmi_pct += m->gmi_pct;
		sum.tir_pct += m->tir_pct;
		sum.tbr70_pct += m->tbr70_pct;
		sum.tbr54_pct += m->tbr54_pct;
		sum.tar180_pct += m->tar180_pct;
		sum.tar250_pct += m->tar250_pct;
		sum.lbgi += m->lbgi;
		sum.hbgi += m->hbgi;
		tdd += r->insulin_u / ((double)r->minutes / 1440.0);
		k++;
	}
	if (k == 0)
		return;
	const double n = (double)k;
	glucose_metrics *m = &agg->m;
	m->mean_mgdl = sum.mean_mgdl / n;
	m->sd_mgdl = sum.sd_mgdl / n;
	m->cv_pct = sum.cv_pct / n;
	m->gmi_pct = sum.gmi_pct / n;
	m->tir_pct = sum.tir_pct / n;
	m->tbr70_pct = sum.tbr70_pct / n;
	m->tbr54_pct = sum.tbr54_pct / n;
	m->tar180_pct = sum.tar180_pct / n;
	m->tar250_pct = sum.tar250_pct / n;
	m->lbgi = sum.lbgi / n;
	m->hbgi = sum.hbgi / n;
	agg->tdd_u = tdd / n; /* min_mgdl, max_mgdl: the pooled extremes, already there */
}

size_t trial_table_rows(const trial_plan *p, const trial_patient_result *results, trial_row *rows)
{
	static const char *const cohorts[] = {"adult", "adolescent", "child"};
	size_t n = 0;
	for (size_t i = 0; i < p->def.patient_count; i++) {
		rows[n] = empty_row(results[i].patient->name, trial_cohort_of(results[i].patient));
		rows[n].why = results[i].status != TRIAL_OK ? results[i].why : NULL;
		add_patient(&rows[n++], &results[i]);
	}
	for (size_t c = 0; c < 3; c++) {
		char name[32];
		snprintf(name, sizeof name, "cohort:%s", cohorts[c]);
		trial_row row = empty_row(name, cohorts[c]);
		for (size_t i = 0; i < p->def.patient_count; i++)
			if (strcmp(trial_cohort_of(results[i].patient), cohorts[c]) == 0)
				add_patient(&row, &results[i]);
		if (row.patients > 0)
			rows[n++] = row;
	}
	rows[n] = empty_row("all", "all");
	for (size_t i = 0; i < p->def.patient_count; i++)
		add_patient(&rows[n], &results[i]);
	n++;
	for (size_t i = 0; i < n; i++)
		glucose_metrics_of(&rows[i].acc, &rows[i].m);
	for (size_t i = p->def.patient_count; i < n; i++)
		average_patients(&rows[i], rows, p->def.patient_count);
	return n;
}

double trial_row_tdd_u(const trial_row *r)
{
	if (r->patients > 1 || strncmp(r->patient, "cohort:", 7) == 0 ||
	    strcmp(r->patient, "all") == 0)
		return r->tdd_u;
	return r->minutes > 0 ? r->insulin_u / ((double)r->minutes / 1440.0) : NAN;
}

/* A number with `decimals`, or nothing when it is not finite. */
static void put_num(FILE *out, double v, int decimals)
{
	if (!isfinite(v))
		return;
	const double scale = pow(10.0, decimals);
	if (fabs(v) * scale < 0.5)
		v = 0.0; /* never "-0.0": a glucose frozen at 0 is a hair below it */
	fprintf(out, ",%.*f", decimals, v);
}

int trial_table_csv(FILE *out, const trial_plan *p, const trial_row *rows, size_t n)
{
	fputs("patient,cohort,controller,days,mean_mgdl,sd_mgdl,cv_pct,gmi_pct,tir_pct,tbr70_pct,"
	      "tbr54_pct,tar180_pct,tar250_pct,min_mgdl,max_mgdl,lbgi,hbgi,tdd_u,status,"
	      "patients,failed,minutes\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const trial_row *r = &rows[i];
		const glucose_metrics *m = &r->m;
		fprintf(out, "%s,%s,%s,%d", r->patient, r->cohort,
		        trial_controller_name(p->def.controller), p->def.days);
		const double v[] = {m->mean_mgdl,  m->sd_mgdl,        m->cv_pct,    m->gmi_pct,
		                    m->tir_pct,    m->tbr70_pct,      m->tbr54_pct, m->tar180_pct,
		                    m->tar250_pct, m->min_mgdl,       m->max_mgdl,  m->lbgi,
		                    m->hbgi,       trial_row_tdd_u(r)};
		static const int decimals[] = {1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 2, 2, 2};
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			if (!isfinite(v[k]))
				fputc(',', out);
			put_num(out, v[k], decimals[k]);
		}
		fprintf(out, ",%s,%zu,%zu,%lld\n", r->failed ? "failed" : "ok", r->patients,
		        r->failed, (long long)r->minutes);
	}
	return ferror(out);
}

/* A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7). */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static void json_num(FILE *out, const char *key, double v, bool comma)
{
	if (isfinite(v))
		fprintf(out, "\"%s\":%.17g%s", key, v, comma ? "," : "");
	else
		fprintf(out, "\"%s\":null%s", key, comma ? "," : "");
}

static void json_row(FILE *out, const trial_plan *p, const trial_row *r)
{
	const glucose_metrics *m = &r->m;
	const glucose_accumulator *a = &r->acc;
	fprintf(out, "{\"patient\":\"%s\",\"cohort\":\"%s\",\"controller\":\"%s\",\"days\":%d,",
	        r->patient, r->cohort, trial_controller_name(p->def.controller), p->def.days);
	json_num(out, "mean_mgdl", m->mean_mgdl, true);
	json_num(out, "sd_mgdl", m->sd_mgdl, true);
	json_num(out, "cv_pct", m->cv_pct, true);
	json_num(out, "gmi_pct", m->gmi_pct, true);
	json_num(out, "tir_pct", m->tir_pct, true);
	json_num(out, "tbr70_pct", m->tbr70_pct, true);
	json_num(out, "tbr54_pct", m->tbr54_pct, true);
	json_num(out, "tar180_pct", m->tar180_pct, true);
	json_num(out, "tar250_pct", m->tar250_pct, true);
	json_num(out, "min_mgdl", m->min_mgdl, true);
	json_num(out, "max_mgdl", m->max_mgdl, true);
	json_num(out, "lbgi", m->lbgi, true);
	json_num(out, "hbgi", m->hbgi, true);
	json_num(out, "tdd_u", trial_row_tdd_u(r), true);
	fprintf(out, "\"status\":\"%s\",\"patients\":%zu,\"failed\":%zu,\"below40\":%zu,",
	        r->failed ? "failed" : "ok", r->patients, r->failed, r->below40);
	fprintf(out, "\"minutes\":%lld,", (long long)r->minutes);
	json_num(out, "insulin_u", r->insulin_u, true);
	/* The raw sums: rows of shards merge by adding these (min and max: their extremes). */
	fprintf(out, "\"sums\":{\"samples\":%zu,", a->n);
	json_num(out, "bg_sum", a->sum, true);
	json_num(out, "bg_sum_sq", a->sum_sq, true);
	fprintf(out,
	        "\"below54\":%zu,\"below70\":%zu,\"in_range\":%zu,\"above180\":%zu,"
	        "\"above250\":%zu,",
	        a->below54, a->below70, a->in_range, a->above180, a->above250);
	json_num(out, "min", a->n ? a->min : NAN, true);
	json_num(out, "max", a->n ? a->max : NAN, true);
	json_num(out, "low_risk_sum", a->low_risk, true);
	json_num(out, "high_risk_sum", a->high_risk, false);
	fputs("}}", out);
}

int trial_table_json(FILE *out, const trial_plan *p, const trial_row *rows, size_t n)
{
	const trial_definition *d = &p->def;
	fprintf(out, "{\"trial\":{\"hash\":\"%s\",\"base\":", p->hash);
	if (d->base_path)
		json_string(out, d->base_path);
	else
		fputs("null", out);
	fprintf(out, ",\"days\":%d,\"controller\":\"%s\",\"meals\":\"%s\",\"cgm\":", d->days,
	        trial_controller_name(d->controller), meal_plan_kind_name(d->meals));
	if (d->force_cgm)
		fprintf(out, "\"%s\"", cgm_params_for(d->cgm)->name);
	else
		fputs("null", out);
	fprintf(out, ",\"seed\":%u,\"patients\":[", (unsigned)d->seed);
	for (size_t i = 0; i < d->patient_count; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", trial_patient(d, i)->name);
	fputs("]},\n\"rows\":[\n", out);
	for (size_t i = 0; i < n; i++) {
		json_row(out, p, &rows[i]);
		fputs(i + 1 < n ? ",\n" : "\n", out);
	}
	fputs("]}\n", out);
	return ferror(out);
}

void trial_table_print(FILE *out, const trial_plan *p, const trial_row *rows, size_t n)
{
	const trial_definition *d = &p->def;
	fprintf(out, "trial %.12s: %zu patient%s x %d day%s, %s, %s meals, seed %u\n", p->hash,
	        d->patient_count, d->patient_count == 1 ? "" : "s", d->days,
	        d->days == 1 ? "" : "s", trial_controller_name(d->controller),
	        meal_plan_kind_name(d->meals), (unsigned)d->seed);
	fprintf(out, "%-18s %8s %6s %7s %7s %7s %6s %7s %7s %9s\n", "group", "patients", "failed",
	        "TIR %", "<70 %", "<54 %", "CV %", "mean", "min", "below 40");
	for (size_t i = 0; i < n; i++) {
		const trial_row *r = &rows[i];
		if (strncmp(r->patient, "cohort:", 7) != 0 && strcmp(r->patient, "all") != 0)
			continue; /* the patients' own rows are in the CSV */
		fprintf(out, "%-18s %8zu %6zu %7.1f %7.2f %7.2f %6.1f %7.1f %7.1f %9zu\n",
		        r->patient, r->patients, r->failed, r->m.tir_pct, r->m.tbr70_pct,
		        r->m.tbr54_pct, r->m.cv_pct, r->m.mean_mgdl, fmax(r->m.min_mgdl, 0.0),
		        r->below40);
	}
}
