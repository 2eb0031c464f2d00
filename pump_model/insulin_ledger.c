/*
 * insulin_ledger — delivered against scheduled insulin, net IOB and activity (see
 * insulin_ledger.h).
 *
 * Speed matters: the closed loop may cost a fifth of the open loop's time, a fraction of
 * a microsecond a minute (bench/closed_loop --speed). So:
 *  - IOB and activity now are O(1) a minute: the exponential curve is, below td,
 *    R(t) = 1 − S(1 − a) − S(1 − a)·(t²/(τ·td·(1 − a)) − t/τ − 1)·e^(−t/τ), so Σ u·R(age)
 *    needs only U = Σ u and the moments E_k = Σ u·age^k·e^(−age/τ) (k = 0, 1, 2), which a
 *    minute of ageing maps to e^(−1/τ)·(E0, E1 + E0, E2 + 2E1 + E0); the dose reaching td
 *    leaves them; once a day they are recomputed from the ring so that rounding cannot
 *    drift;
 *  - the ring of the last `action_min` minutes is written twice (at i and i + n), so that
 *    it is always one contiguous, oldest-first run: the forecast groups it in bins of its
 *    step and correlates them with the tabulated activity, no modulo, no exponential;
 *  - the minute's ring slot is carried along (last_slot), not taken as t % n: a 64-bit
 *    division by a variable was a third of a recorded minute's cost; and the daily
 *    recomputation reads e^(−age/τ) from a table made once, the same bits as the call.
 */
#include <math.h>
#include <stdlib.h>

#include "insulin_curve.h"
#include "insulin_ledger.h"

/* U = Σ u and E_k = Σ u·age^k·e^(−age/τ) over the doses within the action time. */
typedef struct moments {
	double sum_u, e0, e1, e2;
} moments;

struct insulin_ledger {
	int n;                 /* action_min */
	double *net_u;         /* 2n: net_u[i] = net_u[i + n] = minute t with t % n == i */
	double *rev_remaining; /* n + 1: rev_remaining[j] = remaining(n − j) */
	double *rev_activity;  /* n + 1: rev_activity[j] = activity(n − j) */
	double *activity;      /* n: activity(a) = remaining(a) − remaining(a + 1) */
	double *decay_at;      /* n: decay_at[age] = e^(−age/τ), the recomputation's weights */
	int64_t last_min;      /* newest minute recorded */
	int last_slot;         /* last_min % n */
	int has_last;
	double delivered_total_u;
	/* net insulin per absolute 15-minute block (forecast), a ring over the action time */
	double *block_u;
	int block_count;
	int block_slot, block_minute; /* the newest minute's block and its minute in it */
	/* the curve's constants and the moments at `last_min + 1` */
	double tau, decay, decay_td, c_const, c_q2, c_q1, s1a;
	moments m;
};

enum { RECOMPUTE_EVERY_MIN = 1440, BLOCK_MIN = 15 };

insulin_ledger *insulin_ledger_new(int action_min, int peak_min)
{
	if (action_min < 2 || action_min > 1440 || peak_min < 1 || 2 * peak_min >= action_min)
		return NULL;
	insulin_ledger *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	const int n = action_min;
	l->n = n;
	l->net_u = calloc(2 * (size_t)n, sizeof *l->net_u);
	l->rev_remaining = calloc((size_t)n + 1, sizeof *l->rev_remaining);
	l->rev_activity = calloc((size_t)n + 1, sizeof *l->rev_activity);
	l->activity = calloc((size_t)n, sizeof *l->activity);
	l->block_count = n / BLOCK_MIN + 2;
	l->block_u = calloc((size_t)l->block_count, sizeof *l->block_u);
	l->decay_at = calloc((size_t)n, sizeof *l->decay_at);
	if (!l->net_u || !l->rev_remaining || !l->rev_activity || !l->activity || !l->block_u ||
	    !l->decay_at) {
		insulin_ledger_free(l);
		return NULL;
	}
	double *remaining = l->rev_remaining; /* fill forwards, then reverse in place */
	for (int a = 0; a <= n; a++)
		remaining[a] = insulin_curve_remaining(a, n, peak_min);
	for (int a = 0; a < n; a++)
		l->activity[a] = remaining[a] - remaining[a + 1];
	for (int j = 0; j <= n; j++)
		l->rev_activity[j] = j == 0 ? 0.0 : l->activity[n - j];
	for (int j = 0; j < (n + 1) / 2; j++) {
		const double t = remaining[j];
		remaining[j] = remaining[n - j];
		remaining[n - j] = t;
	}
	/* The same constants as insulin_curve.c. */
	const double td = n, tp = peak_min;
	const double tau = tp * (1.0 - tp / td) / (1.0 - 2.0 * tp / td);
	const double a = 2.0 * tau / td;
	const double s = 1.0 / (1.0 - a + (1.0 + a) * exp(-td / tau));
	l->tau = tau;
	l->decay = exp(-1.0 / tau);
	l->decay_td = exp(-td / tau);
	l->s1a = s * (1.0 - a);
	l->c_const = 1.0 - l->s1a;
	l->c_q2 = 1.0 / (tau * td * (1.0 - a));
	l->c_q1 = -1.0 / tau;
	for (int age = 1; age < n; age++)
		l->decay_at[age] = exp(-(double)age / tau);
	return l;
}

void insulin_ledger_free(insulin_ledger *l)
{
	if (!l)
		return;
	free(l->net_u);
	free(l->rev_remaining);
	free(l->rev_activity);
	free(l->activity);
	free(l->block_u);
	free(l->decay_at);
	free(l);
}

/* Σ u·R(age) from the moments (ages within the action time). */
static double moments_iob(const insulin_ledger *l, double sum_u, double e0, double e1, double e2)
{
	return sum_u * l->c_const - l->s1a * (l->c_q2 * e2 + l->c_q1 * e1 - e0);
}

/* The moments from the ring, exactly (the first minute, and once a day). */
static void moments_recompute(insulin_ledger *l)
{
	const int n = l->n;
	const double *run = &l->net_u[l->last_slot + 1 == n ? 0 : l->last_slot + 1];
	double u = 0, e0 = 0, e1 = 0, e2 = 0;
	for (int i = 1; i < n; i++) { /* run[i] is aged n − i at last + 1; age n counts 0 */
		const double age = n - i, w = run[i] * l->decay_at[n - i];
		u += run[i];
		e0 += w;
		e1 += w * age;
		e2 += w * age * age;
	}
	l->m = (moments){u, e0, e1, e2};
}

/* Age the moments *m one minute: they shift; the dose reaching td leaves them.
 * new_at_slot is new_at % n. (*m is the caller's local copy: stored field by field and
 * read back in pairs, the ledger's own would stall on store forwarding.) */
static void moments_age(const insulin_ledger *l, moments *m, int64_t new_at, int new_at_slot)
{
	const double q = l->decay;
	const double e0 = m->e0, e1 = m->e1, e2 = m->e2;
	m->e0 = q * e0;
	m->e1 = q * (e1 + e0);
	m->e2 = q * (e2 + 2.0 * e1 + e0);
	const int64_t leaving = new_at - l->n; /* the minute now aged exactly td */
	if (leaving >= 0 && leaving > l->last_min - l->n) {
		const double u = l->net_u[new_at_slot]; /* leaving ≡ new_at (mod n) */
		if (u != 0.0) {
			const double age = l->n, w = u * l->decay_td;
			m->sum_u -= u;
			m->e0 -= w;
			m->e1 -= w * age;
			m->e2 -= w * age * age;
		}
	}
}

/* Minute t's net insulin into its 15-minute block; a block starting anew is cleared (the
 * ring of blocks is longer than the action time, so a block is reused only once its
 * minutes have all left the curve). */
static void block_add(insulin_ledger *l, int64_t t, double net)
{
	/* the usual case first: the same block as the previous minute, or the next one */
	if (l->has_last && t == l->last_min + 1) {
		if (++l->block_minute == BLOCK_MIN) {
			l->block_minute = 0;
			l->block_slot = l->block_slot + 1 == l->block_count ? 0 : l->block_slot + 1;
			l->block_u[l->block_slot] = 0.0;
		}
		l->block_u[l->block_slot] += net;
		return;
	}
	const int64_t block = t / BLOCK_MIN;
	const int64_t prev_block = l->has_last ? l->last_min / BLOCK_MIN : -1;
	/* every block after the previous minute's, up to this one, starts empty */
	for (int64_t b = prev_block + 1; b <= block && b <= prev_block + l->block_count; b++)
		l->block_u[b % l->block_count] = 0.0;
	l->block_slot = (int)(block % l->block_count);
	l->block_minute = (int)(t % BLOCK_MIN);
	l->block_u[l->block_slot] += net;
}

void insulin_ledger_record(insulin_ledger *l, int64_t t, double delivered_u, double scheduled_u)
{
	const int64_t n = l->n;
	if (t < 0)
		return;
	if (l->has_last && t <= l->last_min)
		return; /* out of order: the contract says increasing; keep what we have */
	const double net = delivered_u - scheduled_u;
	block_add(l, t, net);
	if (l->has_last && t - l->last_min <= 2) {
		/* the usual case: age by one minute (and by one more after a skipped minute);
		 * slots step on from last_slot (n ≥ 2: one wrap at most) */
		int prev_slot = l->last_slot; /* the slot of at − 2; of at − 1 once stepped */
		moments m = l->m;
		for (int64_t at = l->last_min + 2; at <= t + 1; at++) {
			const int at_slot =
			    prev_slot + 2 >= n ? prev_slot + 2 - (int)n : prev_slot + 2;
			moments_age(l, &m, at, at_slot);
			prev_slot = prev_slot + 1 == n ? 0 : prev_slot + 1;
			if (at <= t)
				l->net_u[prev_slot] = l->net_u[prev_slot + n] = 0.0;
		}
		const int slot = prev_slot; /* t % n */
		l->net_u[slot] = l->net_u[slot + n] = net;
		/* the new minute, aged 1 at t + 1 */
		const double w = net * l->decay;
		m.sum_u += net;
		m.e0 += w;
		m.e1 += w;
		m.e2 += w;
		l->m = m;
		l->last_min = t;
		l->last_slot = slot;
		if ((t + 1) % RECOMPUTE_EVERY_MIN == 0)
			moments_recompute(l);
	} else {
		if (l->has_last)
			for (int64_t m = l->last_min + 1; m < t && m <= l->last_min + n; m++)
				l->net_u[m % n] = l->net_u[m % n + n] = 0.0;
		l->net_u[t % n] = l->net_u[t % n + n] = net;
		l->last_min = t;
		l->last_slot = (int)(t % n);
		l->has_last = 1;
		moments_recompute(l);
	}
	l->delivered_total_u += delivered_u;
}

/*
 * Σ net(m)·curve(at − m) over the last n minutes recorded, with rev[j] = curve(n − j):
 * the run net_u[start … start + n) holds minutes last − n + 1 … last, so minute i of it is
 * aged g + n − i at `at` (g = at − last − 1) and weighs rev[i − g].
 */
static double dot_at(const insulin_ledger *l, int64_t at, const double *rev)
{
	if (!l->has_last || at <= l->last_min - l->n + 1)
		return 0.0;
	const int n = l->n;
	const int64_t g64 = at - l->last_min - 1;
	if (g64 < 0 || g64 >= n)
		return 0.0; /* asked about the past, or everything is older than the curve */
	const int g = (int)g64;
	const double *run = &l->net_u[(l->last_min + 1) % n];
	double s = 0.0;
	for (int i = g; i < n; i++)
		s += run[i] * rev[i - g];
	return s;
}

double insulin_ledger_net_iob_u(const insulin_ledger *l, int64_t now)
{
	if (l->has_last && now == l->last_min + 1)
		return moments_iob(l, l->m.sum_u, l->m.e0, l->m.e1, l->m.e2);
	return dot_at(l, now, l->rev_remaining);
}

double insulin_ledger_activity_u_per_min(const insulin_ledger *l, int64_t now)
{
	if (l->has_last && now == l->last_min + 1) {
		/* IOB now minus IOB a minute on (R(td) = 0: nothing needs to leave) */
		const double q = l->decay;
		const moments *m = &l->m;
		const double next = moments_iob(l, m->sum_u, q * m->e0, q * (m->e1 + m->e0),
		                                q * (m->e2 + 2.0 * m->e1 + m->e0));
		return moments_iob(l, m->sum_u, m->e0, m->e1, m->e2) - next;
	}
	return dot_at(l, now, l->rev_activity);
}

void insulin_ledger_forecast(const insulin_ledger *l, int64_t now, int step, size_t count,
                             double *out)
{
	for (size_t k = 0; k < count; k++)
		out[k] = 0.0;
	if (!l->has_last || step < 1 || count == 0 || now <= l->last_min)
		return;
	const int n = l->n;
	/* Each 15-minute block of deliveries acts as if given at its middle minute: block b
	 * back from the newest is aged age0 + 15·b at now, so at now + k·step it weighs
	 * activity(age0 + 15·b + k·step). With step a multiple of 15 that is one table, t[j] =
	 * activity(age0 + 15·j), and each point a straight dot product. */
	const int64_t newest = l->last_min / BLOCK_MIN;
	const int64_t age0 = now - (newest * BLOCK_MIN + BLOCK_MIN / 2);
	int nblocks = 0;
	double u[1440 / BLOCK_MIN + 2];
	int slot = (int)(newest % l->block_count);
	for (int64_t block = newest; block >= 0 && nblocks < l->block_count - 1; block--) {
		if (age0 + (int64_t)nblocks * BLOCK_MIN >= n)
			break;
		u[nblocks++] = l->block_u[slot];
		slot = slot == 0 ? l->block_count - 1 : slot - 1;
	}
	/* The one-table path when its table fits on the stack (a forecast within a day
	 * does); longer ones take the general loop below: the same terms, summed in one
	 * accumulator instead of two. */
	enum { TABLE_CAP = 2 * (1440 / BLOCK_MIN + 2) };
	if (step % BLOCK_MIN == 0 && count <= TABLE_CAP &&
	    nblocks + (int64_t)(count - 1) * (step / BLOCK_MIN) <= TABLE_CAP) {
		const int per = step / BLOCK_MIN;
		double t[TABLE_CAP];
		const int tlen = nblocks + (int)(count - 1) * per;
		for (int j = 0; j < tlen; j++) {
			const int64_t age = age0 + (int64_t)j * BLOCK_MIN;
			t[j] = age >= 0 && age < n ? l->activity[age] : 0.0;
		}
		for (size_t k = 0; k < count; k++) {
			/* two accumulators: strict floating point will not reorder one sum */
			const double *tk = &t[(int)k * per];
			double s0 = 0.0, s1 = 0.0;
			int b = 0;
			for (; b + 1 < nblocks; b += 2) {
				s0 += u[b] * tk[b];
				s1 += u[b + 1] * tk[b + 1];
			}
			if (b < nblocks)
				s0 += u[b] * tk[b];
			out[k] = s0 + s1;
		}
		return;
	}
	for (size_t k = 0; k < count; k++) {
		double s = 0.0;
		for (int b = 0; b < nblocks; b++) {
			const int64_t age = age0 + (int64_t)b * BLOCK_MIN + (int64_t)k * step;
			if (age >= 0 && age < n)
				s += u[b] * l->activity[age];
		}
		out[k] = s;
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
	if (age_min >= l->n)
		return 0.0;
	return l->rev_remaining[l->n - age_min];
}
