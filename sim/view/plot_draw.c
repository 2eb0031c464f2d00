/*
 * plot_draw — plot_draw (plot.h): the drawing order of one frame. Every step is in a file of
 * its concept (plot_internal.h lists them); this file only orders them, and hands views of
 * PLOT_LONG_MIN and more to the long-term picture (plot_long.c).
 *
 * Drawing order (back to front): panel backgrounds, the future, target band, grid, zero-basal
 * shading, basal, insulin on board, boluses, CGM dots, the 54/250 lines, true glucose, meals,
 * "now", alarm flags, frames, labels, titles, legend. The true glucose line is drawn over the
 * CGM dots so the truth is never hidden by the sensor.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "glucose_metrics.h"
#include "plot_internal.h"

/* Background and panels; right of "now" (live runs) greyed. Returns x of "now" or INT_MIN. */
static int draw_backdrop(plot *p, const plot_layout *l, const plot_view *v)
{
	const plot_rect *panels[] = {&l->glucose, &l->insulin, &l->basal};
	plot_clip(p, &l->area);
	plot_set_colour(p, PLOT_COLOUR_BACKGROUND);
	plot_fill_rect(p, &l->area);
	for (size_t k = 0; k < 3; k++) {
		plot_set_colour(p, PLOT_COLOUR_PANEL);
		plot_fill_rect(p, panels[k]);
	}
	if (v->now_min < 0 || v->now_min >= l->to_min)
		return INT_MIN;
	const int x_now = plot_x_of_min(l, (double)v->now_min);
	const int x0 = x_now + 1 > l->glucose.x ? x_now + 1 : l->glucose.x;
	plot_set_colour(p, PLOT_COLOUR_FUTURE);
	for (size_t k = 0; k < 3; k++)
		plot_fill(p, x0, panels[k]->y, panels[k]->x + panels[k]->w - x0, panels[k]->h);
	return x_now;
}

/* 70–180 mg/dL filled up to "now", only outlined in the future. */
static void draw_target_band(plot *p, const plot_layout *l, int x_now)
{
	const plot_rect *g = &l->glucose;
	const int y180 = plot_y_of_bg(l, GLUCOSE_RANGE_HIGH_MGDL),
	          y70 = plot_y_of_bg(l, GLUCOSE_RANGE_LOW_MGDL);
	plot_set_colour(p, PLOT_COLOUR_TARGET_BAND);
	plot_fill(p, g->x, y180, x_now == INT_MIN ? g->w : x_now + 1 - g->x, y70 - y180 + 1);
	if (x_now != INT_MIN && x_now + 1 < g->x + g->w) {
		plot_fill(p, x_now + 1, y180, g->x + g->w - x_now - 1, plot_hair(p));
		plot_fill(p, x_now + 1, y70, g->x + g->w - x_now - 1, plot_hair(p));
	}
}

/* Basal: zero-rate shading, value grid, filled step plot. */
static void draw_basal(plot *p, const plot_layout *l)
{
	plot_clip(p, &l->basal);
	plot_draw_zero_basal(p, l);
	plot_clip(p, &l->basal);
	plot_value_grid(p, &l->basal, l->basal_hi_u_per_h, plot_y_of_basal, l);
	plot_set_colour(p, PLOT_COLOUR_BASAL_FILL);
	plot_fill_under(p, l, PLOT_SERIES_BASAL, &l->basal);
	plot_set_colour(p, PLOT_COLOUR_BASAL);
	plot_polyline(p, plot_build_line(p, l, PLOT_SERIES_BASAL, true), plot_stroke(p));
}

/* Insulin: IOB area, value grid, IOB line, bolus bars over them. */
static void draw_insulin(plot *p, const plot_layout *l, const trace *t)
{
	plot_clip(p, &l->insulin);
	plot_set_colour(p, PLOT_COLOUR_IOB_FILL);
	plot_fill_under(p, l, PLOT_SERIES_IOB, &l->insulin);
	plot_value_grid(p, &l->insulin, l->insulin_hi_u, plot_y_of_insulin, l);
	plot_set_colour(p, PLOT_COLOUR_IOB);
	plot_polyline(p, plot_build_line(p, l, PLOT_SERIES_IOB, false), plot_stroke(p));
	plot_draw_boluses(p, l, t);
}

/* Glucose: CGM dots, the 54 / 250 lines, the true glucose line on top, meals. */
static void draw_glucose(plot *p, const plot_layout *l, const trace *t)
{
	const plot_rect *g = &l->glucose;
	const int f = p->font_px, dash_t = f >= 24 ? 3 : 1;
	plot_clip(p, g);
	plot_draw_cgm(p, l);
	plot_set_colour(p, PLOT_COLOUR_LIMIT_LINE);
	plot_dashed_hline(p, g->x, g->x + g->w, plot_y_of_bg(l, GLUCOSE_BELOW_VERY_LOW_MGDL),
	                  f / 2 + 2, f / 3 + 2, dash_t);
	plot_dashed_hline(p, g->x, g->x + g->w, plot_y_of_bg(l, GLUCOSE_ABOVE_VERY_HIGH_MGDL),
	                  f / 2 + 2, f / 3 + 2, dash_t);
	plot_set_colour(p, PLOT_COLOUR_BG_LINE);
	plot_polyline(p, plot_build_line(p, l, PLOT_SERIES_BG, false), plot_stroke(p));
	plot_draw_meals(p, l, t);
}

/* Panel titles with the window's figures (from the columns' statistics). */
static void draw_titles(plot *p, const plot_layout *l)
{
	const plot_columns *cc = &p->cc;
	char stats[160] = "";
	if (cc->n > 0) {
		const double n = (double)cc->n;
		snprintf(stats, sizeof stats,
		         "mean %.0f · in 70–180: %.1f %% · below 70: %.1f %% · below 54: %.1f %% · "
		         "above 250: %.1f %%",
		         cc->bg_sum / n, 100.0 * (double)cc->in_range / n,
		         100.0 * (double)cc->below_70 / n, 100.0 * (double)cc->below_54 / n,
		         100.0 * (double)cc->above_250 / n);
	}
	plot_draw_panel_title(p, &l->glucose, "Glucose, mg/dL", stats[0] ? stats : NULL);
	char ins[96] = "";
	if (cc->n > 0)
		snprintf(ins, sizeof ins, "delivered %.1f U · carbs %.0f g", cc->insulin_u,
		         cc->carbs_g);
	plot_draw_panel_title(p, &l->insulin, "Insulin on board and boluses, U",
	                      ins[0] ? ins : NULL);
	plot_draw_panel_title(p, &l->basal, "Basal rate, U/h", NULL);
}

bool plot_draw(plot *p, const trace *t, const plot_view *v, plot_layout *layout_out)
{
	plot_layout l;
	if (p && v && v->to_min - v->from_min >= PLOT_LONG_MIN && trace_profile(t)) {
		if (layout_out)
			memset(layout_out, 0, sizeof *layout_out);
		return plot_draw_long(p, t, v);
	}
	if (!p || !plot_layout_frame(v, p->font_px, &l))
		return false;
	p->frame++;
	if (!plot_columns_sync(&p->cc, t, &l))
		return false;
	plot_extents e = p->cc.ext;
	plot_extents_add_markers(&e, t, l.from_min, l.to_min);
	plot_layout_scales(&l, &e);
	if (layout_out)
		*layout_out = l;
	const int start_clock = trace_start_min_of_day(t);
	const plot_rect *panels[] = {&l.glucose, &l.insulin, &l.basal};

	const int x_now = draw_backdrop(p, &l, v);
	draw_target_band(p, &l, x_now);
	plot_clip(p, &l.glucose);
	plot_draw_sensor_faults(p, &l, t);
	plot_clip(p, &l.area);
	plot_y_label gl[PLOT_Y_LABELS_MAX];
	const size_t ng = plot_glucose_grid(p, &l, gl);
	plot_draw_vertical_grid(p, &l, start_clock);
	draw_basal(p, &l);
	draw_insulin(p, &l, t);
	draw_glucose(p, &l, t);

	/* Over the panels: "now", alarms, frames, labels, titles, legend. */
	plot_clip(p, &l.area);
	if (x_now != INT_MIN && x_now >= l.glucose.x) {
		plot_set_colour(p, PLOT_COLOUR_NOW);
		for (size_t k = 0; k < 3; k++)
			plot_fill(p, x_now, panels[k]->y, plot_hair(p), panels[k]->h);
	}
	plot_draw_alarms(p, &l, t);
	plot_set_colour(p, PLOT_COLOUR_FRAME);
	for (size_t k = 0; k < 3; k++)
		plot_frame_rect(p, panels[k]);
	plot_draw_y_labels(p, &l.glucose, gl, ng);
	plot_value_labels(p, &l.insulin, l.insulin_hi_u, plot_y_of_insulin, &l);
	plot_value_labels(p, &l.basal, l.basal_hi_u_per_h, plot_y_of_basal, &l);
	plot_draw_time_axis(p, &l, start_clock);
	draw_titles(p, &l);
	plot_draw_legend(p, &l, v->title);
	if (l.footer.h > 0)
		plot_draw_footer(p, &l.footer, v->footer);
	plot_clip(p, NULL);
	return true;
}
