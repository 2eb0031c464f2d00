/*
 * insulin_ledger — delivered against scheduled insulin, net IOB and activity (see
 * insulin_ledger.h). Sums over a ring of one value a minute with the action curve
 * tabulated at whole minutes: no exponential in a step.
 */
#include <stdlib.h>

#include "insulin_curve.h"
#include "insulin_ledger.h"

struct insulin_ledger {
	int action_min;
	double *net_u;     /* ring: net_u[t % action_min] = delivered − scheduled in minute t */
	double *remaining; /* remaining[a], a = 0 … action_min (0 at the end) */
	double *activity;  /* activity[a] = remaining[a] − remaining[a + 1], a < action_min */
	int64_t last_min;  /* newest minute recorded */
	int has_last;
	double delivered_total_u;
};

insulin_ledger *insulin_ledger_new(int action_min, int peak_min)
{
	if (action_min < 2 || action_min > 1440 || peak_min < 1 || 2 * peak_min >= action_min)
		return NULL;
	insulin_ledger *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->action_min = action_min;
	l->net_u = calloc((size_t)action_min, sizeof *l->net_u);
	l->remaining = calloc((size_t)action_min + 1, sizeof *l->remaining);
	l->activity = calloc((size_t)action_min, sizeof *l->activity);
	if (!l->net_u || !l->remaining || !l->activity) {
		insulin_ledger_free(l);
		return NULL;
	}
	for (int a = 0; a <= action_min; a++)
		l->remaining[a] = insulin_curve_remaining(a, action_min, peak_min);
	for (int a = 0; a < action_min; a++)
		l->activity[a] = l->remaining[a] - l->remaining[a + 1];
	return l;
}

void insulin_ledger_free(insulin_ledger *l)
{
	if (!l)
		return;
	free(l->net_u);
	free(l->remaining);
	free(l->activity);
	free(l);
}

void insulin_ledger_record(insulin_ledger *l, int64_t t, double delivered_u, double scheduled_u)
{
	const int64_t n = l->action_min;
	if (l->has_last) {
		if (t <= l->last_min)
			return; /* out of order: the contract says increasing; keep what we have */
		for (int64_t m = l->last_min + 1; m < t && m <= l->last_min + n; m++)
			l->net_u[m % n] = 0.0;
	}
	l->net_u[t % n] = delivered_u - scheduled_u;
	l->last_min = t;
	l->has_last = 1;
	l->delivered_total_u += delivered_u;
}

/* Σ net(m)·table[now + offset − m] over the minutes still within the action time. */
static double weighted_sum(const insulin_ledger *l, int64_t at, const double *table, int len)
{
	if (!l->has_last)
		return 0.0;
	const int64_t n = l->action_min;
	double s = 0.0;
	/* minutes m with 1 ≤ at − m < len and m within the ring (m > last − n) */
	int64_t lo = at - len + 1, hi = at - 1;
	if (hi > l->last_min)
		hi = l->last_min;
	if (lo < l->last_min - n + 1)
		lo = l->last_min - n + 1;
	if (lo < 0)
		lo = 0;
	for (int64_t m = lo; m <= hi; m++)
		s += l->net_u[m % n] * table[at - m];
	return s;
}

double insulin_ledger_net_iob_u(const insulin_ledger *l, int64_t now)
{
	return weighted_sum(l, now, l->remaining, l->action_min);
}

double insulin_ledger_activity_u_per_min(const insulin_ledger *l, int64_t now)
{
	return weighted_sum(l, now, l->activity, l->action_min);
}

void insulin_ledger_forecast(const insulin_ledger *l, int64_t now, int step, size_t count,
                             double *out)
{
	for (size_t k = 0; k < count; k++)
		out[k] = 0.0;
	if (!l->has_last || step < 1 || count == 0)
		return;
	const int64_t n = l->action_min;
	/* Bin b holds the minutes aged b·step + 1 … (b + 1)·step at now, as if at its middle. */
	enum { MAX_BINS = 1440 };
	double bins[MAX_BINS];
	const int nbins = (int)((n + step - 1) / step);
	for (int b = 0; b < nbins; b++)
		bins[b] = 0.0;
	int64_t lo = now - n, hi = now - 1;
	if (hi > l->last_min)
		hi = l->last_min;
	if (lo < l->last_min - n + 1)
		lo = l->last_min - n + 1;
	if (lo < 0)
		lo = 0;
	for (int64_t m = lo; m <= hi; m++)
		bins[(now - m - 1) / step] += l->net_u[m % n];
	const int mid = (step + 1) / 2;
	for (int b = 0; b < nbins; b++) {
		if (bins[b] == 0.0)
			continue;
		const int64_t age0 = (int64_t)b * step + mid;
		for (size_t k = 0; k < count; k++) {
			const int64_t age = age0 + (int64_t)k * step;
			if (age >= n)
				break;
			out[k] += bins[b] * l->activity[age];
		}
	}
}

double insulin_ledger_delivered_total_u(const insulin_ledger *l)
{
	return l->delivered_total_u;
}

double insulin_ledger_remaining(const insulin_ledger *l, int age_min)
{
	if (age_min <= 0)
		return 1.0;
	if (age_min >= l->action_min)
		return 0.0;
	return l->remaining[age_min];
}
