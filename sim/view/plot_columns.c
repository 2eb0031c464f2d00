/*
 * plot_columns — see plot_columns.h. Values are kept as float: a pixel is far coarser than
 * float's 7 digits, and the buckets of a wide window stay small.
 */
#include "plot_columns.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glucose_metrics.h"
#include "pump_model.h"

static void fold_row(plot_columns *cc, const plot_layout *l, const engine_row *r)
{
	int c = plot_x_of_min(l, (double)r->t_min) - cc->x0;
	if (c < 0 || c >= cc->w)
		return;
	plot_column *col = &cc->cols[c];
	const float bg = (float)r->bg_mgdl, iob = (float)r->iob_u, basal = (float)r->basal_u_per_h;
	if (col->rows == 0) {
		col->bg_first = col->bg_min = col->bg_max = bg;
		col->iob_first = col->iob_min = col->iob_max = iob;
		col->basal_first = col->basal_min = col->basal_max = basal;
	} else {
		col->bg_min = fminf(col->bg_min, bg);
		col->bg_max = fmaxf(col->bg_max, bg);
		col->iob_min = fminf(col->iob_min, iob);
		col->iob_max = fmaxf(col->iob_max, iob);
		col->basal_min = fminf(col->basal_min, basal);
		col->basal_max = fmaxf(col->basal_max, basal);
	}
	col->bg_last = bg;
	col->iob_last = iob;
	col->basal_last = basal;
	col->last_t = r->t_min;
	col->rows++;
	if (r->has_cgm) {
		const float cgm = (float)r->cgm_mgdl;
		if (col->cgm_count == 0) {
			col->cgm_min = col->cgm_max = cgm;
		} else {
			col->cgm_min = fminf(col->cgm_min, cgm);
			col->cgm_max = fmaxf(col->cgm_max, cgm);
		}
		col->cgm_count++;
	}
	if (r->therapy_state == PUMP_THERAPY_PAUSE)
		col->zero |= PLOT_ZERO_PAUSED;
	else if (r->therapy_state == PUMP_THERAPY_STOP)
		col->zero |= PLOT_ZERO_STOPPED;
	else if (!(r->basal_u_per_h > 0.0))
		col->zero |= PLOT_ZERO_RATE;

	plot_extents_add_row(&cc->ext, r);
	cc->n++;
	cc->bg_sum += r->bg_mgdl;
	if (r->bg_mgdl >= GLUCOSE_RANGE_LOW_MGDL && r->bg_mgdl <= GLUCOSE_RANGE_HIGH_MGDL)
		cc->in_range++;
	if (r->bg_mgdl < GLUCOSE_RANGE_LOW_MGDL)
		cc->below_70++;
	if (r->bg_mgdl < GLUCOSE_BELOW_VERY_LOW_MGDL)
		cc->below_54++;
	if (r->bg_mgdl > GLUCOSE_RANGE_HIGH_MGDL)
		cc->above_180++;
	if (r->bg_mgdl > GLUCOSE_ABOVE_VERY_HIGH_MGDL)
		cc->above_250++;
	cc->insulin_u += r->insulin_u_per_min;
	cc->carbs_g += r->meal_announced_g;
}

bool plot_columns_sync(plot_columns *cc, const trace *t, const plot_layout *l)
{
	const size_t count = trace_row_count(t);
	bool valid = cc->t == t && cc->from == l->from_min && cc->to == l->to_min &&
	             cc->x0 == l->glucose.x && cc->w == l->glucose.w && cc->next_row <= count;
	if (valid && cc->next_row > 0) {
		const engine_row *r = trace_row(t, cc->next_row - 1);
		valid = r->t_min == cc->check_t && r->bg_mgdl == cc->check_bg;
	}
	if (!valid) {
		if (l->glucose.w > cc->cols_cap) {
			plot_column *c = realloc(cc->cols, (size_t)l->glucose.w * sizeof *c);
			if (!c)
				return false;
			cc->cols = c;
			cc->cols_cap = l->glucose.w;
		}
		plot_column *cols = cc->cols;
		const int cap = cc->cols_cap;
		*cc = (plot_columns){.t = t,
		                     .from = l->from_min,
		                     .to = l->to_min,
		                     .x0 = l->glucose.x,
		                     .w = l->glucose.w,
		                     .cols = cols,
		                     .cols_cap = cap,
		                     .ext = plot_no_extents};
		memset(cc->cols, 0, (size_t)cc->w * sizeof *cc->cols);
		trace_rows_in(t, l->from_min, l->to_min, &cc->next_row);
	}
	size_t i = cc->next_row;
	for (; i < count; i++) {
		const engine_row *r = trace_row(t, i);
		if (r->t_min >= cc->to)
			break;
		fold_row(cc, l, r);
	}
	cc->next_row = i;
	if (i > 0) {
		const engine_row *r = trace_row(t, i - 1);
		cc->check_t = r->t_min;
		cc->check_bg = r->bg_mgdl;
	}
	return true;
}

void plot_columns_free(plot_columns *cc)
{
	free(cc->cols);
	*cc = (plot_columns){0};
}

void plot_column_values(const plot_column *c, plot_series series, float v[4])
{
	switch (series) {
	case PLOT_SERIES_BG:
		v[0] = c->bg_first, v[1] = c->bg_min, v[2] = c->bg_max, v[3] = c->bg_last;
		break;
	case PLOT_SERIES_IOB:
		v[0] = c->iob_first, v[1] = c->iob_min, v[2] = c->iob_max, v[3] = c->iob_last;
		break;
	default:
		v[0] = c->basal_first, v[1] = c->basal_min, v[2] = c->basal_max;
		v[3] = c->basal_last;
		break;
	}
}

int plot_y_of_series(const plot_layout *l, plot_series series, double v)
{
	switch (series) {
	case PLOT_SERIES_BG:
		return plot_y_of_bg(l, v);
	case PLOT_SERIES_IOB:
		return plot_y_of_insulin(l, v);
	default:
		return plot_y_of_basal(l, v);
	}
}

int plot_column_end_x(const plot_layout *l, const plot_column *col, int x)
{
	const int e = plot_x_of_min(l, (double)(col->last_t + 1));
	return e > x + 1 ? e : x + 1;
}
