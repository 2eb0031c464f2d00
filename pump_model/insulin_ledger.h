/*
 * insulin_ledger — the insulin the pump really delivered, minute by minute, against what its
 * basal programme scheduled for that minute; and what follows from it: the net insulin on
 * board, the insulin acting now, and the activity still to come.
 *
 * "Net" is oref0's insulin on board: boluses plus every deviation of the delivered basal
 * from the scheduled one (a high temp adds, a zero temp or a suspension subtracts), each
 * decaying on the exponential action curve (insulin_curve.h). The pump's own IOB
 * (pump_iob_u) counts boluses only, as pumps' "active insulin" does; a controller that
 * changes the basal needs the net figure (OpenAPS docs, "Understanding the determine-basal
 * logic": iob, activity, basaliob).
 *
 * Pure and deterministic; allocates only in insulin_ledger_new.
 */
#ifndef FAKEPUMP_INSULIN_LEDGER_H
#define FAKEPUMP_INSULIN_LEDGER_H

#include <stddef.h>
#include <stdint.h>

typedef struct insulin_ledger insulin_ledger;

/* NULL when 0 < 2·peak_min < action_min ≤ 1440 does not hold, or memory is short. */
insulin_ledger *insulin_ledger_new(int action_min, int peak_min);
void insulin_ledger_free(insulin_ledger *l);

/*
 * Minute `t_min` delivered `delivered_u` (basal + bolus, what reached the patient) while
 * the programme scheduled `scheduled_u` of basal. Minutes are recorded in increasing
 * order; a minute skipped counts as nothing delivered and nothing scheduled.
 */
void insulin_ledger_record(insulin_ledger *l, int64_t t_min, double delivered_u,
                           double scheduled_u);

/* Net insulin on board at the start of minute now_min (minutes before it), U. */
double insulin_ledger_net_iob_u(const insulin_ledger *l, int64_t now_min);
/* Net insulin acting over [now_min, now_min + 1), U/min (oref0's "activity"). */
double insulin_ledger_activity_u_per_min(const insulin_ledger *l, int64_t now_min);
/*
 * Activity of the insulin delivered before now_min at now_min + k·step_min, k = 0 … count−1
 * (nothing net delivered from now on: the programme runs), written to out[k], U/min.
 * Deliveries are grouped in 15-minute blocks of the clock for speed: a dose counts as if
 * given at its block's middle minute, a shift of at most 7 minutes.
 */
void insulin_ledger_forecast(const insulin_ledger *l, int64_t now_min, int step_min, size_t count,
                             double *out_activity_u_per_min);
/* Everything delivered since the ledger began, U (differences give an interval's dose). */
double insulin_ledger_delivered_total_u(const insulin_ledger *l);
/* The curve's fraction still on board `age_min` after a dose (table look-up). */
double insulin_ledger_remaining(const insulin_ledger *l, int age_min);

#endif
