/*
 * plot_long — the picture of a run of 14 days or more: what a month or ten years look like
 * when a trace line would be solid ink. Drawn from the trace's profile (agp.h), so it costs
 * the same for 14 days as for 10 years:
 *
 *   the glucose profile by time of day over every day (the Ambulatory Glucose Profile):
 *   median, 25–75 % and 5–95 % of true glucose, the 70–180 band, 54 and 250 mg/dL;
 *   a day-by-day strip: each day's (or group of days') time below 54, 54–70, 70–180,
 *   180–250 and above 250 mg/dL, the days labelled at a readable step;
 *   the alarms and faults of the run named with their counts; the footer.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "plot_internal.h"

static void set_rgb(plot *p, SDL_Color c)
{
	SDL_SetRenderDrawColor(p->r, c.r, c.g, c.b, 0xFF);
}

static int y_of(const plot_rect *r, double v, double lo, double hi)
{
	double f = (v - lo) / (hi - lo);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return r->y + r->h - 1 - (int)lround(f * (r->h - 1));
}

/* The whole run's figures on true glucose, from the day records. */
static void run_figures(const agp *a, char *buf, size_t cap)
{
	double n = 0, sum = 0, in = 0, b70 = 0, b54 = 0, a250 = 0;
	for (size_t i = 0; i < agp_day_count(a); i++) {
		const agp_day *d = agp_day_at(a, i);
		n += d->minutes;
		sum += d->bg_sum_mgdl;
		in += d->in_range;
		b70 += d->below_70;
		b54 += d->below_54;
		a250 += d->above_250;
	}
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, cap,
	         "true glucose, every minute: mean %.0f · in 70–180: %.1f %% · below 70: %.1f %% · "
	         "below 54: %.1f %% · above 250: %.1f %%",
	         sum / n, 100 * in / n, 100 * b70 / n, 100 * b54 / n, 100 * a250 / n);
}

static void draw_profile(plot *p, const plot_rect *g, const agp *a)
{
	const double lo = 40, hi = 350;
	plot_set_colour(p, PLOT_COLOUR_PANEL);
	plot_fill_rect(p, g);
	plot_set_colour(p, PLOT_COLOUR_TARGET_BAND);
	const int y180 = y_of(g, 180, lo, hi), y70 = y_of(g, 70, lo, hi);
	plot_fill(p, g->x, y180, g->w, y70 - y180 + 1);
	for (int band = 0; band < 2; band++) {
		plot_set_colour(p, band == 0 ? PLOT_COLOUR_BASAL_FILL : PLOT_COLOUR_BASAL);
		for (int s = 0; s < AGP_SLOTS; s++) {
			double q[AGP_PERCENTILES];
			if (!agp_slot_percentiles(a, s, q))
				continue;
			const int xa = g->x + s * g->w / AGP_SLOTS,
			          xb = g->x + (s + 1) * g->w / AGP_SLOTS;
			const int ya = y_of(g, band == 0 ? q[4] : q[3], lo, hi);
			const int yb = y_of(g, band == 0 ? q[0] : q[1], lo, hi);
			plot_fill(p, xa, ya, xb - xa, yb - ya + 1);
		}
	}
	plot_set_colour(p, PLOT_COLOUR_LIMIT_LINE);
	const int f = p->font_px;
	plot_dashed_hline(p, g->x, g->x + g->w, y_of(g, 54, lo, hi), f / 2 + 2, f / 3 + 2, 1);
	plot_dashed_hline(p, g->x, g->x + g->w, y_of(g, 250, lo, hi), f / 2 + 2, f / 3 + 2, 1);
	size_t n = 0;
	if (plot_reserve_points(p, AGP_SLOTS + 2)) {
		for (int s = 0; s < AGP_SLOTS; s++) {
			double q[AGP_PERCENTILES];
			if (agp_slot_percentiles(a, s, q))
				p->pts[n++] =
				    (SDL_Point){g->x + (2 * s + 1) * g->w / (2 * AGP_SLOTS),
				                y_of(g, q[2], lo, hi)};
		}
		plot_set_colour(p, PLOT_COLOUR_BG_LINE);
		plot_polyline(p, n, plot_stroke(p));
	}
	plot_set_colour(p, PLOT_COLOUR_FRAME);
	plot_frame_rect(p, g);
	const double marks[] = {54, 70, 180, 250, 350};
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		char b[16];
		snprintf(b, sizeof b, "%.0f", marks[k]);
		const int lh = plot_line_height(p, PLOT_FONT_SMALL);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM), g->x - f / 2,
		          y_of(g, marks[k], lo, hi) - lh / 2, PLOT_ALIGN_RIGHT, b, NULL);
	}
	for (int h = 0; h <= 24; h += 3) {
		char b[16];
		snprintf(b, sizeof b, "%02d:00", h % 24);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM),
		          g->x + h * g->w / 24, g->y + g->h + f / 3, PLOT_ALIGN_CENTRE, b, NULL);
	}
}

/* Days per bar: 1, 7, 30, 91 or 365, the smallest that leaves bars at least 3 px wide. */
static size_t group_days(size_t days, int width)
{
	static const size_t steps[] = {1, 7, 30, 91, 365};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if ((double)width / ((double)(days + steps[i] - 1) / (double)steps[i]) >= 3.0)
			return steps[i];
	return 365;
}

static void draw_strip(plot *p, const plot_rect *s, const agp *a, size_t *group_out)
{
	const size_t days = agp_day_count(a);
	const size_t group = group_days(days, s->w);
	const size_t bars = (days + group - 1) / group;
	*group_out = group;
	plot_set_colour(p, PLOT_COLOUR_PANEL);
	plot_fill_rect(p, s);
	for (size_t b = 0; b < bars; b++) {
		double part[5] = {0}, n = 0;
		for (size_t d = b * group; d < (b + 1) * group && d < days; d++) {
			const agp_day *day = agp_day_at(a, d);
			part[0] += day->below_54;
			part[1] += day->below_70 - day->below_54;
			part[2] += day->in_range;
			part[3] += day->above_180 - day->above_250;
			part[4] += day->above_250;
			n += day->minutes;
		}
		if (n <= 0)
			continue;
		const int xa = s->x + (int)(b * (size_t)s->w / bars);
		const int xb = s->x + (int)((b + 1) * (size_t)s->w / bars);
		const int w = xb - xa > 6 ? xb - xa - 1 : xb - xa;
		double top = s->y + s->h;
		for (int k = 0; k < 5; k++) {
			const double h = part[k] / n * s->h;
			if (h <= 0)
				continue;
			set_rgb(p, plot_range_colours[k]);
			plot_fill(p, xa, (int)lround(top - h), w,
			          (int)lround(top) - (int)lround(top - h));
			top -= h;
		}
	}
	plot_set_colour(p, PLOT_COLOUR_FRAME);
	plot_frame_rect(p, s);
	/* day labels at a step that leaves room for them */
	const int f = p->font_px;
	int last_right = INT_MIN;
	for (size_t b = 0; b < bars; b++) {
		const int64_t day = agp_day_at(a, b * group)->day;
		char buf[32];
		snprintf(buf, sizeof buf, "Day %lld", (long long)day);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		const int x = s->x + (int)((2 * b + 1) * (size_t)s->w / (2 * bars));
		if (x - w / 2 < last_right + f || x + w / 2 > s->x + s->w + f)
			continue;
		plot_set_colour(p, PLOT_COLOUR_FRAME);
		plot_fill(p, x, s->y + s->h, plot_hair(p), f / 3);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM), x,
		          s->y + s->h + f / 3, PLOT_ALIGN_CENTRE, buf, NULL);
		last_right = x + w / 2;
	}
}

/* "Alarms: Reservoir low ×120, Occlusion ×2 · faults: occlusion ×2" from the markers. */
static void alarm_line(const trace *t, int64_t from, int64_t to, char *buf, size_t cap)
{
	enum { NAMES = 12 };
	char names[NAMES][TRACE_LABEL_MAX + 8];
	size_t counts[NAMES] = {0}, n = 0, total = 0;
	size_t first = 0;
	const size_t count = trace_markers_in(t, from, to, &first);
	for (size_t i = first; i < first + count; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_ANNUNCIATION && m->kind != TRACE_MARK_FAULT &&
		    m->kind != TRACE_MARK_SENSOR)
			continue;
		total++;
		char name[TRACE_LABEL_MAX + 8];
		const char *human =
		    m->kind == TRACE_MARK_ANNUNCIATION ? plot_annunciation_label(m->code) : NULL;
		snprintf(name, sizeof name, "%s%s",
		         m->kind == TRACE_MARK_FAULT    ? "fault: "
		         : m->kind == TRACE_MARK_SENSOR ? "sensor: "
		                                        : "",
		         human ? human : m->label);
		size_t j = 0;
		while (j < n && strcmp(names[j], name) != 0)
			j++;
		if (j == n && n < NAMES)
			snprintf(names[n++], sizeof names[0], "%s", name);
		if (j < NAMES)
			counts[j]++;
	}
	size_t used = (size_t)snprintf(
	    buf, cap, "%s", total ? "Alarms and faults: " : "No alarm and no fault in the run");
	for (size_t j = 0; j < n && used < cap; j++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s ×%zu", j ? ", " : "",
		                         names[j], counts[j]);
}

bool plot_draw_long(plot *p, const trace *t, const plot_view *v)
{
	const agp *a = trace_profile(t);
	const plot_rect area = v->area;
	const int f = p->font_px;
	int footer_lines = 0;
	for (const char *q = v->footer; q && *q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : "")
		footer_lines++;
	footer_lines = footer_lines > 3 ? 3 : footer_lines;
	const int left = (f * 9) / 2, right = (f * 3) / 2, lh = (f * 17) / 10;
	const int footer_h = footer_lines ? footer_lines * ((f * 3) / 2) + f / 2 : 0;
	const int fixed = (f * 12) / 5 /* title */ + 2 * lh /* panel titles */ + 2 * lh /* axes */ +
	                  lh /* alarms */ + footer_h + f;
	const int avail = area.h - fixed, width = area.w - left - right;
	if (!a || avail < 8 * f || width < 10 * f)
		return false;
	p->frame++;
	plot_clip(p, &area);
	plot_set_colour(p, PLOT_COLOUR_BACKGROUND);
	plot_fill_rect(p, &area);
	int y = area.y;
	/* title and the run's figures */
	const int tlh = plot_line_height(p, PLOT_FONT_BOLD);
	int x = area.x + left;
	if (v->title)
		x += plot_text(p, PLOT_FONT_BOLD, plot_colour_rgb(PLOT_COLOUR_TEXT), x,
		               y + ((f * 12) / 5 - tlh) / 2, PLOT_ALIGN_LEFT, v->title, NULL) +
		     2 * f;
	char figures[200];
	run_figures(a, figures, sizeof figures);
	int fw = 0, fh = 0;
	plot_text_size(p, PLOT_FONT_SMALL, figures, &fw, &fh);
	if (x + fw <= area.x + area.w - right)
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM), x,
		          y + ((f * 12) / 5 - fh) / 2, PLOT_ALIGN_LEFT, figures, NULL);
	y += (f * 12) / 5;
	/* the profile */
	char title[160];
	snprintf(title, sizeof title, "Glucose by time of day over %zu days, mg/dL",
	         agp_day_count(a));
	const plot_rect g = {area.x + left, y + lh, width, (avail * 62) / 100};
	plot_draw_panel_title(p, &g, title,
	                      "median (line), 25–75 % (dark band), 5–95 % (light band) of true "
	                      "glucose");
	draw_profile(p, &g, a);
	y = g.y + g.h + lh;
	/* the strip */
	const plot_rect s = {area.x + left, y + lh, width, avail - g.h};
	size_t group = 1;
	draw_strip(p, &s, a, &group);
	snprintf(title, sizeof title, "Day by day%s",
	         group == 1    ? ""
	         : group == 7  ? " (a bar a week)"
	         : group == 30 ? " (a bar a month)"
	         : group == 91 ? " (a bar a quarter)"
	                       : " (a bar a year)");
	plot_draw_panel_title(p, &s, title,
	                      "share of minutes below 54, 54–70, 70–180, 180–250, above 250 mg/dL "
	                      "(dark red, vermillion, green, orange, brown)");
	y = s.y + s.h + lh;
	char alarms[1200];
	alarm_line(t, v->from_min, v->to_min, alarms, sizeof alarms);
	plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_ANNUNCIATION), area.x + left, y,
	          PLOT_ALIGN_LEFT, alarms, NULL);
	y += lh;
	if (footer_h) {
		const plot_rect fr = {area.x + left, y, width, footer_h};
		plot_draw_footer(p, &fr, v->footer);
	}
	plot_clip(p, NULL);
	return true;
}
