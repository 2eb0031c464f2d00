/*
 * plot_layout — see plot_layout.h. Integer geometry in multiples of the text size; the
 * only floating point is the mapping of minutes and values to pixels (floor for time, so a
 * minute's pixels start where the minute starts; round for values).
 */
#include "plot_layout.h"

#include <limits.h>
#include <math.h>
#include <string.h>

const plot_extents plot_no_extents = {INFINITY, -INFINITY, 0.0, 0.0};

double plot_nice_ceil(double x)
{
	if (!(x > 0.0) || !isfinite(x))
		return 1.0;
	double k = pow(10.0, floor(log10(x)));
	static const double m[] = {1.0, 2.0, 2.5, 5.0, 10.0};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (m[i] * k >= x * (1.0 - 1e-12))
			return m[i] * k;
	return 10.0 * k;
}

bool plot_layout_frame(const plot_view *v, int font_px, plot_layout *l)
{
	const int f = font_px;
	memset(l, 0, sizeof *l);
	if (!v || v->to_min <= v->from_min || f <= 0)
		return false;
	const plot_rect a = v->area;
	const int left = (f * 9) / 2, right = (f * 3) / 2;
	const int legend_h = (f * 12) / 5, alarms_h = (f * 9) / 5, labels_h = (f * 14) / 5;
	const int title_h = (f * 17) / 10, gap = f / 2;
	int footer_lines = 0;
	for (const char *p = v->footer; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		footer_lines++;
	if (footer_lines > 3)
		footer_lines = 3;
	const int footer_h = footer_lines ? footer_lines * ((f * 3) / 2) + f / 2 : 0;
	const int avail =
	    a.h - legend_h - alarms_h - labels_h - 3 * title_h - 2 * gap - 6 - footer_h;
	const int width = a.w - left - right;
	if (avail < 9 * f || width < 10 * f)
		return false;
	const int gh = (avail * 56) / 100, ih = (avail * 24) / 100, bh = avail - gh - ih;
	const int x = a.x + left;

	l->area = a;
	l->font_px = f;
	l->from_min = v->from_min;
	l->to_min = v->to_min;
	l->legend = (plot_rect){a.x, a.y, a.w, legend_h};
	/* Each panel: a title line, then the framed data rectangle. */
	int y = a.y + legend_h + title_h + 1;
	l->glucose = (plot_rect){x, y, width, gh};
	y += gh + 1 + gap + title_h + 1;
	l->insulin = (plot_rect){x, y, width, ih};
	y += ih + 1 + gap + title_h + 1;
	l->basal = (plot_rect){x, y, width, bh};
	y += bh + 1;
	l->alarms = (plot_rect){x, y, width, alarms_h};
	l->time_labels = (plot_rect){x, y + alarms_h, width, labels_h};
	l->footer = (plot_rect){x, y + alarms_h + labels_h, width, footer_h};
	return true;
}

void plot_layout_scales(plot_layout *l, const plot_extents *e)
{
	/* 40–350 mg/dL as the AGP report draws it, widened only for data outside. */
	l->bg_lo_mgdl = 40.0;
	l->bg_hi_mgdl = 350.0;
	if (e->bg_min <= e->bg_max) {
		if (e->bg_min < 40.0)
			l->bg_lo_mgdl = fmax(0.0, 10.0 * floor((e->bg_min - 5.0) / 10.0));
		if (e->bg_max > 340.0)
			l->bg_hi_mgdl = fmin(1000.0, 50.0 * ceil((e->bg_max + 10.0) / 50.0));
	}
	l->insulin_hi_u = plot_nice_ceil(fmax(2.0, e->insulin_max_u * 1.15));
	l->basal_hi_u_per_h = plot_nice_ceil(fmax(1.0, e->basal_max_u_per_h * 1.25));
}

void plot_extents_add_markers(plot_extents *e, const trace *t, int64_t from_min, int64_t to_min)
{
	size_t first = 0;
	size_t n = trace_markers_in(t, from_min, to_min, &first);
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind == TRACE_MARK_BOLUS && m->amount > e->insulin_max_u)
			e->insulin_max_u = m->amount;
	}
}

void plot_extents_add_row(plot_extents *e, const engine_row *r)
{
	if (r->bg_mgdl < e->bg_min)
		e->bg_min = r->bg_mgdl;
	if (r->bg_mgdl > e->bg_max)
		e->bg_max = r->bg_mgdl;
	if (r->has_cgm) {
		if (r->cgm_mgdl < e->bg_min)
			e->bg_min = r->cgm_mgdl;
		if (r->cgm_mgdl > e->bg_max)
			e->bg_max = r->cgm_mgdl;
	}
	if (r->iob_u > e->insulin_max_u)
		e->insulin_max_u = r->iob_u;
	if (r->basal_u_per_h > e->basal_max_u_per_h)
		e->basal_max_u_per_h = r->basal_u_per_h;
}

bool plot_compute_layout(const trace *t, const plot_view *v, int font_px, plot_layout *out)
{
	if (!out || !plot_layout_frame(v, font_px, out))
		return false;
	plot_extents e = plot_no_extents;
	size_t first = 0;
	size_t n = trace_rows_in(t, v->from_min, v->to_min, &first);
	for (size_t i = first; i < first + n; i++)
		plot_extents_add_row(&e, trace_row(t, i));
	plot_extents_add_markers(&e, t, v->from_min, v->to_min);
	plot_layout_scales(out, &e);
	return true;
}

int plot_x_of_min(const plot_layout *l, double t_min)
{
	const double span = (double)(l->to_min - l->from_min);
	double x = (double)l->glucose.x +
	           floor((t_min - (double)l->from_min) * (double)l->glucose.w / span);
	if (x < (double)INT_MIN / 2)
		return INT_MIN / 2;
	if (x > (double)INT_MAX / 2)
		return INT_MAX / 2;
	return (int)x;
}

static int y_in(const plot_rect *panel, double value, double lo, double hi)
{
	if (!(value == value))
		value = lo;
	double frac = (value - lo) / (hi - lo);
	if (frac < 0.0)
		frac = 0.0;
	if (frac > 1.0)
		frac = 1.0;
	return panel->y + panel->h - 1 - (int)lround(frac * (double)(panel->h - 1));
}

int plot_y_of_bg(const plot_layout *l, double bg_mgdl)
{
	return y_in(&l->glucose, bg_mgdl, l->bg_lo_mgdl, l->bg_hi_mgdl);
}

int plot_y_of_insulin(const plot_layout *l, double units)
{
	return y_in(&l->insulin, units, 0.0, l->insulin_hi_u);
}

int plot_y_of_basal(const plot_layout *l, double rate_u_per_h)
{
	return y_in(&l->basal, rate_u_per_h, 0.0, l->basal_hi_u_per_h);
}

plot_time_ticks plot_choose_time_ticks(const plot_layout *l)
{
	static const int64_t steps[] = {15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080};
	const size_t n_steps = sizeof steps / sizeof steps[0];
	const double px_per_min = (double)l->glucose.w / (double)(l->to_min - l->from_min);
	const double min_major_px = 5.0 * l->font_px, min_minor_px = 0.9 * l->font_px;
	plot_time_ticks tt = {steps[n_steps - 1], 0};
	for (size_t i = 0; i < n_steps; i++) {
		if ((double)steps[i] * px_per_min >= min_major_px) {
			tt.major_min = steps[i];
			break;
		}
	}
	for (size_t i = 0; i < n_steps; i++) {
		if (steps[i] < tt.major_min && tt.major_min % steps[i] == 0 &&
		    (double)steps[i] * px_per_min >= min_minor_px) {
			tt.minor_min = steps[i];
			break;
		}
	}
	return tt;
}

size_t plot_value_ticks(double hi, double *out, size_t cap)
{
	size_t n = 0;
	out[n++] = 0.0;
	out[n++] = hi;
	/* hi is 1, 2, 2.5 or 5 × 10^k: split it into 4, 5, 2 or 3 nice steps. */
	static const int parts[] = {4, 5, 2, 3};
	double step = hi;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		const double s = hi / parts[i];
		if (fabs(plot_nice_ceil(s) - s) < 1e-9 * hi) {
			step = s;
			break;
		}
	}
	for (int k = 1; k * step < hi - 1e-9 && n < cap; k++)
		out[n++] = k * step;
	return n;
}
