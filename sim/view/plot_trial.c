/*
 * plot_trial — see plot_trial.h. Layout in pixels of the final picture; everything is drawn
 * at twice that (the supersampling of plot_png) through S().
 */
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "plot_trial.h"

enum { FONT_PX = 13, SS = 2 };

#define S(v) ((int)lround((v) * (double)SS))

static const SDL_Color ink = {0x1E, 0x1E, 0x1E, 0xFF}, dim = {0x5C, 0x5C, 0x5C, 0xFF};
static const SDL_Color band_95 = {0xCC, 0xE3, 0xF3, 0xFF}, band_75 = {0x7F, 0xB4, 0xDC, 0xFF},
                       median = {0x0B, 0x3C, 0x6B, 0xFF};
static const char *const range_names[5] = {"below 54", "54–70", "70–180", "180–250", "above 250"};
/* Okabe–Ito, one a cohort */
static const SDL_Color cohort_colours[FIGURES_COHORT_COUNT] = {
    {0xE6, 0x9F, 0x00, 0xFF}, /* adolescent: orange */
    {0x00, 0x72, 0xB2, 0xFF}, /* adult: blue */
    {0xCC, 0x79, 0xA7, 0xFF}, /* child: reddish purple */
    {0x55, 0x55, 0x55, 0xFF},
};
/* CVGA grades A … E */
static const SDL_Color grade_colours[5] = {
    {0xA6, 0xDB, 0xA0, 0xFF}, {0xD9, 0xF0, 0xD3, 0xFF}, {0xFF, 0xF2, 0xB3, 0xFF},
    {0xFD, 0xD0, 0xA2, 0xFF}, {0xF4, 0xA5, 0x82, 0xFF},
};

static void rgb(plot *p, SDL_Color c)
{
	SDL_SetRenderDrawColor(p->r, c.r, c.g, c.b, 0xFF);
}

static void box(plot *p, SDL_Color c, int x, int y, int w, int h)
{
	rgb(p, c);
	plot_fill(p, x, y, w, h);
}

static void frame(plot *p, int x, int y, int w, int h)
{
	plot_set_colour(p, PLOT_COLOUR_FRAME);
	const plot_rect r = {x, y, w, h};
	plot_frame_rect(p, &r);
}

static int say(plot *p, plot_font font, SDL_Color c, int x, int y, plot_align a, const char *s)
{
	return plot_text(p, font, c, x, y, a, s, NULL);
}

/* ---- AGP --------------------------------------------------------------------------------- */

/* Pooled shares of a profile's samples: below 54, below 70, 70–180, count. */
static void profile_shares(const agp *a, double *b54, double *b70, double *tir, double *n)
{
	double below54 = 0, below70 = 0, in = 0, all = 0;
	for (int s = 0; s < AGP_SLOTS; s++)
		for (int v = 0; v <= AGP_MAX_MGDL; v++) {
			const double c = agp_slot_count(a, s, v);
			all += c;
			below54 += v < 54 ? c : 0;
			below70 += v < 70 ? c : 0;
			in += v >= 70 && v <= 180 ? c : 0;
		}
	*n = all;
	*b54 = all > 0 ? 100 * below54 / all : 0;
	*b70 = all > 0 ? 100 * below70 / all : 0;
	*tir = all > 0 ? 100 * in / all : 0;
}

static int agp_y(const plot_rect *g, double v)
{
	const double lo = 40, hi = 400;
	double f = (v - lo) / (hi - lo);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return g->y + g->h - 1 - (int)lround(f * (g->h - 1));
}

/* The percentiles at pixel column x of the panel, interpolated between slot centres (the
 * day wraps at midnight). False when a neighbouring slot is empty. */
static bool agp_at(const agp *a, const plot_rect *g, int x, double q[AGP_PERCENTILES])
{
	const double t = ((x - g->x) + 0.5) / g->w * AGP_SLOTS - 0.5;
	const int i = (int)floor(t);
	const double frac = t - i;
	double qa[AGP_PERCENTILES], qb[AGP_PERCENTILES];
	if (!agp_slot_percentiles(a, (i + AGP_SLOTS) % AGP_SLOTS, qa) ||
	    !agp_slot_percentiles(a, (i + 1) % AGP_SLOTS, qb))
		return false;
	for (int k = 0; k < AGP_PERCENTILES; k++)
		q[k] = qa[k] + (qb[k] - qa[k]) * frac;
	return true;
}

/* x_labels: 0 none, 1 00:00 … 18:00, 2 00:00 … 24:00 (the last column's) */
static void agp_panel(plot *p, const plot_rect *g, const agp *a, bool y_labels, int x_labels)
{
	box(p, (SDL_Color){0xFF, 0xFF, 0xFF, 0xFF}, g->x, g->y, g->w, g->h);
	plot_set_colour(p, PLOT_COLOUR_TARGET_BAND);
	const int y180 = agp_y(g, 180), y70 = agp_y(g, 70);
	plot_fill(p, g->x, y180, g->w, y70 - y180 + 1);
	plot_set_colour(p, PLOT_COLOUR_GRID);
	for (int h = 6; h < 24; h += 6)
		plot_fill(p, g->x + h * g->w / 24, g->y, plot_hair(p), g->h);
	if (a) {
		for (int x = g->x; x < g->x + g->w; x++) {
			double q[AGP_PERCENTILES];
			if (!agp_at(a, g, x, q))
				continue;
			rgb(p, band_95);
			SDL_RenderDrawLine(p->r, x, agp_y(g, q[4]), x, agp_y(g, q[0]));
			rgb(p, band_75);
			SDL_RenderDrawLine(p->r, x, agp_y(g, q[3]), x, agp_y(g, q[1]));
		}
		size_t n = 0;
		if (plot_reserve_points(p, (size_t)g->w + 1)) {
			for (int x = g->x; x < g->x + g->w; x++) {
				double q[AGP_PERCENTILES];
				if (agp_at(a, g, x, q))
					p->pts[n++] = (SDL_Point){x, agp_y(g, q[2])};
			}
			rgb(p, median);
			plot_polyline(p, n, plot_stroke(p));
		}
	}
	plot_set_colour(p, PLOT_COLOUR_LIMIT_LINE);
	const int f = p->font_px;
	plot_dashed_hline(p, g->x, g->x + g->w, agp_y(g, 54), f / 2 + 2, f / 3 + 2, plot_hair(p));
	plot_dashed_hline(p, g->x, g->x + g->w, agp_y(g, 250), f / 2 + 2, f / 3 + 2, plot_hair(p));
	frame(p, g->x, g->y, g->w, g->h);
	const int lh = plot_line_height(p, PLOT_FONT_SMALL);
	if (y_labels) {
		const int marks[] = {70, 180, 250, 350}; /* 54: its dashed line, too close to 70 */
		for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
			char b[16];
			snprintf(b, sizeof b, "%d", marks[k]);
			say(p, PLOT_FONT_SMALL, dim, g->x - f / 2, agp_y(g, marks[k]) - lh / 2,
			    PLOT_ALIGN_RIGHT, b);
		}
	}
	if (x_labels)
		for (int h = 0; h <= (x_labels == 2 ? 24 : 18); h += 6) {
			char b[16];
			snprintf(b, sizeof b, "%02d:00", h);
			say(p, PLOT_FONT_SMALL, dim, g->x + h * g->w / 24, g->y + g->h + f / 3,
			    PLOT_ALIGN_CENTRE, b);
		}
	if (!a)
		say(p, PLOT_FONT_NORMAL, dim, g->x + g->w / 2, g->y + g->h / 2 - lh / 2,
		    PLOT_ALIGN_CENTRE, "no patient");
}

/* The cohorts that any column has, in order. */
static size_t cohorts_present(const trial_figures *f,
                              trial_figures_cohort out[FIGURES_COHORT_COUNT])
{
	size_t n = 0;
	for (int k = 0; k < FIGURES_COHORT_COUNT; k++) {
		bool any = false;
		for (size_t c = 0; c < f->column_count; c++)
			any = any || f->columns[c].profile[k];
		if (any)
			out[n++] = (trial_figures_cohort)k;
	}
	return n;
}

static size_t patients_of(const trial_figures_column *c, trial_figures_cohort k)
{
	size_t n = 0;
	for (size_t i = 0; i < c->patient_count; i++) {
		trial_figures_cohort pk;
		n += k == FIGURES_COHORT_ALL ||
		     (trial_figures_cohort_of(c->patients[i].cohort, &pk) && pk == k);
	}
	return n;
}

static void draw_agp(plot *p, const trial_figures *f, int W, int H, int top)
{
	trial_figures_cohort rows[FIGURES_COHORT_COUNT];
	const size_t nrows = cohorts_present(f, rows);
	const int fpx = p->font_px, lh = plot_line_height(p, PLOT_FONT_NORMAL);
	const int left = 5 * fpx, right = fpx * 2, col_gap = 2 * fpx;
	const int head = lh + fpx, row_gap = 2 * lh + fpx, bottom = 2 * lh;
	const int ncols = (int)(f->column_count ? f->column_count : 1);
	const int pw = (W - left - right - (ncols - 1) * col_gap) / ncols;
	/* the legend: what the bands are */
	const int sw = 2 * fpx, sh = fpx;
	int lx = left;
	const SDL_Color swatch[3] = {band_95, band_75, median};
	const char *const what[3] = {"5–95 %", "25–75 %", "median"};
	for (int k = 0; k < 3; k++) {
		box(p, swatch[k], lx, top + (k == 2 ? sh / 2 - 1 : fpx / 4), sw, k == 2 ? 3 : sh);
		lx +=
		    sw + fpx / 2 +
		    say(p, PLOT_FONT_SMALL, ink, lx + sw + fpx / 2, top, PLOT_ALIGN_LEFT, what[k]) +
		    fpx;
	}
	say(p, PLOT_FONT_SMALL, dim, lx + fpx, top, PLOT_ALIGN_LEFT,
	    "of true glucose by time of day (15 min), every day of every patient · 70–180 mg/dL "
	    "shaded · 54 and 250 dashed · y 40–400 mg/dL");
	top += lh + fpx / 2;
	const int ph = nrows ? (H - top - head - bottom - (int)nrows * row_gap) / (int)nrows : 0;
	for (int c = 0; c < ncols && f->column_count; c++) {
		const trial_figures_column *col = &f->columns[c];
		const int x = left + c * (pw + col_gap);
		say(p, PLOT_FONT_LARGE, ink, x + pw / 2, top, PLOT_ALIGN_CENTRE, col->controller);
		for (size_t r = 0; r < nrows; r++) {
			const int y = top + head + (int)r * (ph + row_gap) + lh + fpx / 2;
			const agp *a = col->profile[rows[r]];
			char t[160];
			if (a) {
				double b54, b70, tir, n;
				profile_shares(a, &b54, &b70, &tir, &n);
				snprintf(t, sizeof t,
				         "%s (%zu) · in range %.1f %% · below 70 %.1f %% · below "
				         "54 %.1f %%",
				         trial_figures_cohort_name(rows[r]),
				         patients_of(col, rows[r]), tir, b70, b54);
			} else
				snprintf(t, sizeof t, "%s", trial_figures_cohort_name(rows[r]));
			say(p, PLOT_FONT_SMALL, ink, x, y - lh, PLOT_ALIGN_LEFT, t);
			const plot_rect g = {x, y, pw, ph};
			agp_panel(p, &g, a, c == 0, r + 1 < nrows ? 0 : c + 1 < ncols ? 1 : 2);
		}
	}
}

/* ---- CVGA -------------------------------------------------------------------------------- */

static int cvga_x(const plot_rect *g, double v)
{
	double f = (CVGA_X_LEFT_MGDL - v) / (CVGA_X_LEFT_MGDL - CVGA_X_RIGHT_MGDL);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return g->x + (int)lround(f * (g->w - 1));
}

static int cvga_y(const plot_rect *g, double v)
{
	double f = (v - CVGA_Y_BOTTOM_MGDL) / (CVGA_Y_TOP_MGDL - CVGA_Y_BOTTOM_MGDL);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return g->y + g->h - 1 - (int)lround(f * (g->h - 1));
}

static void disc(plot *p, SDL_Color c, int cx, int cy, int r)
{
	rgb(p, c);
	for (int dy = -r; dy <= r; dy++) {
		const int dx = (int)floor(sqrt((double)(r * r - dy * dy)));
		SDL_RenderDrawLine(p->r, cx - dx, cy + dy, cx + dx, cy + dy);
	}
}

static void cvga_panel(plot *p, const plot_rect *g, const trial_figures_column *col)
{
	static const double xs[4] = {110, 90, 70, 50}, ys[4] = {110, 180, 300, 400};
	const int fpx = p->font_px, lh = plot_line_height(p, PLOT_FONT_SMALL);
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			const int x0 = cvga_x(g, xs[c]), x1 = cvga_x(g, xs[c + 1]);
			const int y0 = cvga_y(g, ys[r + 1]), y1 = cvga_y(g, ys[r]);
			const cvga_zone z = cvga_zone_of(xs[c] - 1, ys[r] + 1);
			box(p, grade_colours[cvga_zone_letter(z) - 'A'], x0, y0, x1 - x0, y1 - y0);
			plot_set_colour(p, PLOT_COLOUR_FRAME);
			plot_fill(p, x0, y0, plot_hair(p), y1 - y0);
			plot_fill(p, x0, y0, x1 - x0, plot_hair(p));
		}
	frame(p, g->x, g->y, g->w, g->h);
	/* the points, in trial order (cohorts interleaved: none hidden under another by
	 * rule); outlined while few, smaller and bare when many would make a blot */
	const bool many = col->patient_count > 300;
	const int radius = many ? fpx / 5 + 1 : fpx / 3;
	for (size_t i = 0; i < col->patient_count; i++) {
		const trial_figures_patient *pt = &col->patients[i];
		trial_figures_cohort pk = FIGURES_COHORT_ALL;
		trial_figures_cohort_of(pt->cohort, &pk);
		const int x = cvga_x(g, pt->low_mgdl), y = cvga_y(g, pt->high_mgdl);
		if (!many)
			disc(p, (SDL_Color){0x20, 0x20, 0x20, 0xFF}, x, y, radius + 2);
		disc(p, cohort_colours[pk], x, y, radius);
	}
	/* the boxes' names over the points */
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			char name[16];
			snprintf(name, sizeof name, "%s",
			         cvga_zone_name(cvga_zone_of(xs[c] - 1, ys[r] + 1)));
			if (name[0] >= 'a' && name[0] <= 'z')
				name[0] = (char)(name[0] - 'a' + 'A');
			say(p, PLOT_FONT_SMALL, dim, cvga_x(g, xs[c]) + fpx / 2,
			    cvga_y(g, ys[r + 1]) + fpx / 3, PLOT_ALIGN_LEFT, name);
		}
	for (int c = 0; c < 4; c++) {
		char b[16];
		snprintf(b, sizeof b, "%.0f", xs[c]);
		say(p, PLOT_FONT_SMALL, dim, cvga_x(g, xs[c]), g->y + g->h + fpx / 3,
		    PLOT_ALIGN_CENTRE, b);
		snprintf(b, sizeof b, "%.0f", ys[c]);
		say(p, PLOT_FONT_SMALL, dim, g->x - fpx / 2, cvga_y(g, ys[c]) - lh / 2,
		    PLOT_ALIGN_RIGHT, b);
	}
}

static void draw_cvga(plot *p, const trial_figures *f, int W, int H, int top)
{
	const int fpx = p->font_px, lh = plot_line_height(p, PLOT_FONT_NORMAL);
	const int left = 5 * fpx, gap = 6 * fpx, bottom = 5 * lh;
	const int ncols = (int)(f->column_count ? f->column_count : 1);
	int side = (W - left - fpx * 2 - (ncols - 1) * gap) / ncols;
	const int hmax = H - top - 3 * lh - bottom;
	side = side < hmax ? side : hmax;
	for (int c = 0; c < (int)f->column_count; c++) {
		const trial_figures_column *col = &f->columns[c];
		const int x = left + c * (side + gap);
		size_t zones[5] = {0}, ab = 0;
		for (size_t i = 0; i < col->patient_count; i++) {
			zones[cvga_zone_letter(col->patients[i].zone) - 'A']++;
			ab += cvga_zone_is_a_or_b(col->patients[i].zone);
		}
		const double n = col->patient_count ? (double)col->patient_count : 1;
		char t[200];
		say(p, PLOT_FONT_LARGE, ink, x + side / 2, top, PLOT_ALIGN_CENTRE, col->controller);
		snprintf(
		    t, sizeof t,
		    "A + B %.0f %% (%zu of %zu) · A %.0f %% · C %.0f %% · D %.0f %% · E %.0f %%",
		    100 * ab / n, ab, col->patient_count, 100 * zones[0] / n, 100 * zones[2] / n,
		    100 * zones[3] / n, 100 * zones[4] / n);
		say(p, PLOT_FONT_SMALL, ink, x + side / 2, top + lh + fpx / 2, PLOT_ALIGN_CENTRE,
		    t);
		const plot_rect g = {x, top + 2 * lh + fpx, side, side};
		cvga_panel(p, &g, col);
		say(p, PLOT_FONT_SMALL, dim, x + side / 2, g.y + g.h + lh + fpx / 2,
		    PLOT_ALIGN_CENTRE,
		    "low: 2.5th percentile of glucose, mg/dL (lower to the right)");
	}
	/* the cohorts' colours and the y axis' meaning, once, under the panels */
	const int y = top + 2 * lh + fpx + side + 3 * lh;
	int x = left;
	x += say(p, PLOT_FONT_SMALL, dim, x, y, PLOT_ALIGN_LEFT,
	         "high (up): 97.5th percentile of glucose, mg/dL · one point a patient:   ");
	for (int k = 0; k < 3; k++) {
		disc(p, cohort_colours[k], x + fpx / 2, y + lh / 2, fpx / 3 + 1);
		x += fpx +
		     say(p, PLOT_FONT_SMALL, ink, x + fpx + fpx / 3, y, PLOT_ALIGN_LEFT,
		         trial_figures_cohort_name((trial_figures_cohort)k)) +
		     fpx * 2;
	}
}

/* ---- strip ------------------------------------------------------------------------------- */

/* The five exclusive shares of a patient, percent: below 54, 54–70, 70–180, 180–250, above 250 */
static void shares_of(const trial_figures_patient *pt, double out[5])
{
	out[0] = pt->tbr54_pct;
	out[1] = fmax(0, pt->tbr70_pct - pt->tbr54_pct);
	out[2] = pt->tir_pct;
	out[3] = fmax(0, pt->tar180_pct - pt->tar250_pct);
	out[4] = pt->tar250_pct;
}

static const trial_figures_column *sort_column;

static int by_cohort_then_tir(const void *a, const void *b)
{
	const trial_figures_patient *x = &sort_column->patients[*(const size_t *)a];
	const trial_figures_patient *y = &sort_column->patients[*(const size_t *)b];
	trial_figures_cohort kx = FIGURES_COHORT_ALL, ky = FIGURES_COHORT_ALL;
	trial_figures_cohort_of(x->cohort, &kx);
	trial_figures_cohort_of(y->cohort, &ky);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->tir_pct != y->tir_pct)
		return x->tir_pct > y->tir_pct ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void stacked_bar(plot *p, int x, int w, int y, int h, const double s[5])
{
	double acc = 0;
	for (int k = 0; k < 5; k++) {
		const int ya = y + h - (int)lround(acc / 100.0 * h);
		acc += s[k];
		const int yb = y + h - (int)lround(fmin(acc, 100.0) / 100.0 * h);
		if (ya > yb)
			box(p, plot_range_colours[k], x, yb, w, ya - yb);
	}
}

static void strip_row(plot *p, const plot_rect *g, const trial_figures_column *col)
{
	size_t *order = malloc((col->patient_count ? col->patient_count : 1) * sizeof *order);
	if (!order)
		return;
	for (size_t i = 0; i < col->patient_count; i++)
		order[i] = i;
	sort_column = col;
	qsort(order, col->patient_count, sizeof *order, by_cohort_then_tir);
	/* cohort groups with a gap between them */
	const int fpx = p->font_px, gap = fpx;
	size_t groups = 0;
	for (size_t i = 0; i < col->patient_count; i++)
		groups += i == 0 || strcmp(col->patients[order[i]].cohort,
		                           col->patients[order[i - 1]].cohort) != 0;
	const int usable = g->w - (int)(groups > 0 ? groups - 1 : 0) * gap;
	const double per = col->patient_count ? (double)usable / (double)col->patient_count : 0;
	size_t i = 0;
	int x0 = g->x;
	while (i < col->patient_count) {
		size_t j = i;
		while (j < col->patient_count &&
		       strcmp(col->patients[order[j]].cohort, col->patients[order[i]].cohort) == 0)
			j++;
		const int gw = (int)lround(per * (double)(j - i));
		/* one bar a patient, or the mean of the patients that share a pixel column */
		for (int px = 0; px < gw; px++) {
			const size_t a = i + (size_t)((double)px / gw * (double)(j - i));
			size_t b = i + (size_t)((double)(px + 1) / gw * (double)(j - i));
			b = b > a ? b : a + 1;
			double mean[5] = {0};
			for (size_t k = a; k < b && k < j; k++) {
				double s[5];
				shares_of(&col->patients[order[k]], s);
				for (int q = 0; q < 5; q++)
					mean[q] += s[q] / (double)(b - a);
			}
			stacked_bar(p, x0 + px, 1, g->y, g->h, mean);
		}
		if (per >= 4) { /* white gaps between bars wide enough to be seen as bars */
			rgb(p, (SDL_Color){0xFF, 0xFF, 0xFF, 0xFF});
			for (size_t k = 1; k < j - i; k++)
				plot_fill(p, x0 + (int)lround(per * (double)k), g->y, plot_hair(p),
				          g->h);
		}
		char label[64];
		snprintf(label, sizeof label, "%s (%zu)", col->patients[order[i]].cohort, j - i);
		say(p, PLOT_FONT_SMALL, dim, x0 + gw / 2, g->y + g->h + fpx / 3, PLOT_ALIGN_CENTRE,
		    label);
		x0 += gw + gap;
		i = j;
	}
	free(order);
}

static void draw_strip(plot *p, const trial_figures *f, int W, int H, int top)
{
	const int fpx = p->font_px, lh = plot_line_height(p, PLOT_FONT_NORMAL);
	const int left = 2 * fpx, right = 2 * fpx, legend = lh + fpx;
	const int nrows = (int)(f->column_count ? f->column_count : 1);
	const int row_h = (H - top - legend - 2 * lh) / nrows;
	int x = left;
	for (int k = 0; k < 5; k++) {
		box(p, plot_range_colours[k], x, top + fpx / 4, fpx, fpx);
		x += fpx + fpx / 2 +
		     say(p, PLOT_FONT_SMALL, ink, x + fpx + fpx / 2, top, PLOT_ALIGN_LEFT,
		         range_names[k]) +
		     fpx;
	}
	say(p, PLOT_FONT_SMALL, dim, x + fpx, top, PLOT_ALIGN_LEFT,
	    "mg/dL, share of each patient's minutes (true glucose); patients by cohort, best time "
	    "in range first");
	for (int r = 0; r < (int)f->column_count; r++) {
		const trial_figures_column *col = &f->columns[r];
		const int y = top + legend + r * row_h;
		double m[5] = {0};
		for (size_t i = 0; i < col->patient_count; i++) {
			double s[5];
			shares_of(&col->patients[i], s);
			for (int q = 0; q < 5; q++)
				m[q] += s[q] / (double)col->patient_count;
		}
		char t[200];
		snprintf(t, sizeof t,
		         "%s — mean of %zu patients: in range %.1f %% · below 70 %.1f %% · below "
		         "54 %.1f %% · above 250 %.1f %%",
		         col->controller, col->patient_count, m[2], m[0] + m[1], m[0], m[4]);
		say(p, PLOT_FONT_BOLD, ink, left, y, PLOT_ALIGN_LEFT, t);
		const plot_rect g = {left, y + lh + fpx / 2, W - left - right,
		                     row_h - 2 * lh - fpx - fpx / 2};
		strip_row(p, &g, col);
	}
}

/* ---- the picture ------------------------------------------------------------------------- */

static void default_size(plot_trial_kind kind, const trial_figures *f, int *w, int *h)
{
	const int cols = (int)(f->column_count ? f->column_count : 1);
	trial_figures_cohort rows[FIGURES_COHORT_COUNT];
	const int nrows = (int)cohorts_present(f, rows);
	switch (kind) {
	case PLOT_TRIAL_AGP:
		*w = *w ? *w : 120 + cols * 470;
		*h = *h ? *h : 150 + (nrows ? nrows : 1) * 250;
		break;
	case PLOT_TRIAL_CVGA:
		*w = *w ? *w : 100 + cols * 520;
		*h = *h ? *h : 700;
		break;
	case PLOT_TRIAL_STRIP:
	default:
		*w = *w ? *w : 1500;
		*h = *h ? *h : 150 + cols * 190;
	}
}

bool plot_trial_write_png(plot_trial_kind kind, const trial_figures *f, int width, int height,
                          const char *title, const char *footer, const char *path, char *err,
                          size_t errlen)
{
	default_size(kind, f, &width, &height);
	if (!path || width < 200 || height < 200 || width > 8192 || height > 8192) {
		snprintf(err, errlen, "%s: bad picture size", path ? path : "?");
		return false;
	}
	SDL_Surface *big = SDL_CreateRGBSurfaceWithFormat(0, width * SS, height * SS, 32,
	                                                  SDL_PIXELFORMAT_XRGB8888);
	SDL_Surface *out =
	    SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_XRGB8888);
	SDL_Renderer *r = big ? SDL_CreateSoftwareRenderer(big) : NULL;
	plot *p = r ? plot_new(r, S(FONT_PX), err, errlen) : NULL;
	bool ok = p && out;
	if (!ok && (!big || !out || !r))
		snprintf(err, errlen, "%s: cannot draw: %s", path, SDL_GetError());
	if (ok) {
		SDL_SetRenderDrawColor(r, 0xFF, 0xFF, 0xFF, 0xFF);
		SDL_RenderClear(r);
		const int W = width * SS, H = height * SS, fpx = p->font_px;
		const int lh = plot_line_height(p, PLOT_FONT_LARGE);
		int top = fpx;
		if (title) {
			say(p, PLOT_FONT_LARGE, ink, fpx * 2, top, PLOT_ALIGN_LEFT, title);
			top += lh + fpx;
		}
		int foot = 0;
		if (footer) {
			const int flh = plot_line_height(p, PLOT_FONT_SMALL);
			int lines = 1;
			for (const char *c = footer; *c; c++)
				lines += *c == '\n';
			foot = lines * flh + fpx;
			const char *line = footer;
			for (int i = 0; i < lines; i++) {
				char b[512];
				const size_t len = strcspn(line, "\n");
				snprintf(b, sizeof b, "%.*s", (int)len, line);
				say(p, PLOT_FONT_SMALL, dim, fpx * 2, H - foot + i * flh,
				    PLOT_ALIGN_LEFT, b);
				line += len + (line[len] == '\n');
			}
		}
		if (kind == PLOT_TRIAL_AGP)
			draw_agp(p, f, W, H - foot, top);
		else if (kind == PLOT_TRIAL_CVGA)
			draw_cvga(p, f, W, H - foot, top);
		else
			draw_strip(p, f, W, H - foot, top);
		SDL_RenderPresent(r);
		plot_downsample_2x(big, out);
		if (IMG_SavePNG(out, path) != 0) {
			snprintf(err, errlen, "%s: cannot write the PNG: %s", path, IMG_GetError());
			ok = false;
		}
	}
	plot_free(p);
	if (r)
		SDL_DestroyRenderer(r);
	SDL_FreeSurface(out);
	SDL_FreeSurface(big);
	return ok;
}
