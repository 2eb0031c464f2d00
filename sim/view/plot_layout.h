/*
 * plot_layout — where everything of a plot goes, as pure arithmetic: the panels stacked in
 * the picture, the value range of each vertical axis, run minutes and values to pixels, and
 * which time and value ticks fit. No SDL, no I/O, no allocation: the same view, text size and
 * data give the same pixels, so tests can say where a pixel must be without drawing.
 *
 * The picture, top to bottom: a legend line; the glucose panel (56 % of the height left for
 * data), the insulin panel (24 %) and the basal panel (the rest), each under a title line;
 * the alarm flag strip; two lines of time labels; the footer lines when there are any.
 * Every size is a multiple of the text size
 * `font_px`, so a picture scales with its text.
 */
#ifndef FAKEPUMP_PLOT_LAYOUT_H
#define FAKEPUMP_PLOT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "trace.h"

/* A rectangle in pixels: left, top, width, height (same fields as SDL_Rect). */
typedef struct plot_rect {
	int x, y, w, h;
} plot_rect;

/* What to draw and where. */
typedef struct plot_view {
	int64_t from_min;   /* first run minute shown (inclusive) */
	int64_t to_min;     /* end of the window (exclusive), > from_min */
	int64_t now_min;    /* live runs: a "now" line, the future greyed; < 0: none */
	plot_rect area;     /* target rectangle in renderer pixels */
	const char *title;  /* headline left of the legend, e.g. "demo · adult#001"; may be NULL */
	const char *footer; /* provenance line(s) under the time axis ('\n' between lines, at
	                       most 3); NULL: none, and no room taken */
} plot_view;

/* The panels' data rectangles (inside their frames) and the ranges of their value axes. */
typedef struct plot_layout {
	plot_rect area;
	plot_rect legend;  /* title and legend line */
	plot_rect glucose; /* data rectangles (inside the frames) */
	plot_rect insulin;
	plot_rect basal;
	plot_rect alarms; /* the flag strip above the time labels */
	plot_rect time_labels;
	plot_rect footer; /* h = 0 without a footer */
	int64_t from_min, to_min;
	double bg_lo_mgdl, bg_hi_mgdl; /* glucose axis range */
	double insulin_hi_u;           /* insulin axis: 0 … this */
	double basal_hi_u_per_h;       /* basal axis: 0 … this */
	int font_px;
} plot_layout;

/* What the value axes depend on: the extremes of the data in the window. */
typedef struct plot_extents {
	double bg_min, bg_max; /* true BG and CGM, mg/dL; min > max when there is none */
	double insulin_max_u;  /* insulin on board and boluses */
	double basal_max_u_per_h;
} plot_extents;

/* Extents of no data at all: the axes keep their default ranges. */
extern const plot_extents plot_no_extents;

/* Widen `e` by one row (true BG, CGM when it has one, IOB, basal rate). */
void plot_extents_add_row(plot_extents *e, const engine_row *r);
/* Widen `e` by the boluses among the markers with from_min <= t_min < to_min. */
void plot_extents_add_markers(plot_extents *e, const trace *t, int64_t from_min, int64_t to_min);

/*
 * The geometry: panels and strips for view `v` with text of `font_px` pixels; the value
 * ranges are left at 0 (see plot_layout_scales). False (and *l zeroed) when the window is
 * empty, font_px <= 0, or the area is too small for the panels (less than 9 × font_px of
 * data height or 10 × font_px of width).
 */
bool plot_layout_frame(const plot_view *v, int font_px, plot_layout *l);

/*
 * The value ranges from the data: glucose 40–350 mg/dL as the AGP report draws it, widened
 * only for data outside (to a multiple of 10 below, of 50 above, within 0–1000); insulin
 * 0 … a nice number >= 1.15 × the largest amount (at least 2 U); basal 0 … a nice number
 * >= 1.25 × the highest rate (at least 1 U/h). Nice: 1, 2, 2.5 or 5 × 10^k.
 */
void plot_layout_scales(plot_layout *l, const plot_extents *e);

/*
 * Frame and scales for the rows and markers of `t` in the view's window: the layout a plot
 * draws with. False as plot_layout_frame.
 */
bool plot_compute_layout(const trace *t, const plot_view *v, int font_px, plot_layout *out);

/* The smallest of 1, 2, 2.5, 5 × 10^k that is >= x; 1 for x <= 0 or not finite. */
double plot_nice_ceil(double x);

/* Pixel column of run minute `t_min` (fractional allowed); may lie outside the panels. */
int plot_x_of_min(const plot_layout *l, double t_min);
/* Pixel rows of a value in its panel, clamped to the panel (NaN: the bottom). */
int plot_y_of_bg(const plot_layout *l, double bg_mgdl);
int plot_y_of_insulin(const plot_layout *l, double units);
int plot_y_of_basal(const plot_layout *l, double rate_u_per_h);

/* Time ticks: labelled ones with grid lines, and small marks between. */
typedef struct plot_time_ticks {
	int64_t major_min; /* clock minutes between labelled ticks: 15 min … 7 days */
	int64_t minor_min; /* between small marks; 0 = none */
} plot_time_ticks;

/*
 * The ticks for the layout's width and window: the smallest step of 15, 30 min, 1, 2, 3, 6,
 * 12 h, 1, 2, 7 d whose labels are at least 5 × font_px apart (7 d if none is), and the
 * smallest smaller step of that list that divides it and whose marks are at least
 * 0.9 × font_px apart.
 */
plot_time_ticks plot_choose_time_ticks(const plot_layout *l);

/*
 * Values of the ticks of a 0 … hi axis (hi nice, as plot_layout_scales makes it): 0, hi,
 * then the multiples of a nice step (hi split in 4, 5, 2 or 3) below hi, at most `cap`
 * (>= 2) in all. Returns how many were written.
 */
size_t plot_value_ticks(double hi, double *out, size_t cap);

#endif
