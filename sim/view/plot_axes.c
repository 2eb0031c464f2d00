/*
 * plot_axes — what explains the data: grid lines, the time axis (ticks, HH:MM, day names),
 * value labels left of the panels, the panels' titles, the legend and the footer. Where
 * ticks go is decided by plot_layout; this file draws them and keeps labels from overlapping.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "glucose_metrics.h"
#include "plot_internal.h"

void plot_draw_vertical_grid(plot *p, const plot_layout *l, int start_clock)
{
	const plot_time_ticks tt = plot_choose_time_ticks(l);
	const plot_rect *panels[] = {&l->glucose, &l->insulin, &l->basal};
	const int64_t c0 = l->from_min + start_clock, c1 = l->to_min + start_clock;
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0: grid lines at major ticks; pass 1: the day boundaries over them. */
		const int64_t step = pass == 0 ? tt.major_min : 1440;
		plot_set_colour(p, pass == 0 ? PLOT_COLOUR_GRID : PLOT_COLOUR_GRID_DAY);
		for (int64_t c = plot_floor_div(c0 + step - 1, step) * step; c < c1; c += step) {
			if (pass == 0 && c % 1440 == 0)
				continue;
			const int x = plot_x_of_min(l, (double)(c - start_clock));
			for (size_t k = 0; k < 3; k++)
				plot_fill(p, x, panels[k]->y, plot_hair(p), panels[k]->h);
		}
	}
}

void plot_draw_time_axis(plot *p, const plot_layout *l, int start_clock)
{
	const plot_time_ticks tt = plot_choose_time_ticks(l);
	const SDL_Color text = plot_colour_rgb(PLOT_COLOUR_TEXT),
	                dim = plot_colour_rgb(PLOT_COLOUR_TEXT_DIM);
	const int64_t c0 = l->from_min + start_clock, c1 = l->to_min + start_clock;
	const int y_axis = l->alarms.y + l->alarms.h;
	const int tick = l->font_px / 3 + 1;
	const int line2 = l->time_labels.y + tick + plot_line_height(p, PLOT_FONT_SMALL);

	plot_set_colour(p, PLOT_COLOUR_FRAME);
	plot_fill(p, l->glucose.x - 1, y_axis, l->glucose.w + 2, plot_hair(p));
	if (tt.minor_min) {
		for (int64_t c = plot_floor_div(c0 + tt.minor_min - 1, tt.minor_min) * tt.minor_min;
		     c < c1; c += tt.minor_min)
			plot_fill(p, plot_x_of_min(l, (double)(c - start_clock)), y_axis,
			          plot_hair(p), tick / 2 + 1);
	}
	int last_right = INT_MIN;
	for (int64_t c = plot_floor_div(c0 + tt.major_min - 1, tt.major_min) * tt.major_min; c < c1;
	     c += tt.major_min) {
		const int x = plot_x_of_min(l, (double)(c - start_clock));
		plot_set_colour(p, PLOT_COLOUR_FRAME);
		plot_fill(p, x, y_axis, plot_hair(p), tick);
		if (tt.major_min >= 1440)
			continue; /* day labels only */
		const int64_t m = c - plot_floor_div(c, 1440) * 1440;
		char buf[CLOCK_TEXT_MAX];
		clock_format_hhmm(c, buf, sizeof buf);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		if (x - w / 2 < last_right + l->font_px / 2 || x + w / 2 > l->area.x + l->area.w)
			continue;
		plot_text(p, PLOT_FONT_SMALL, m == 0 ? text : dim, x, l->time_labels.y + tick,
		          PLOT_ALIGN_CENTRE, buf, NULL);
		last_right = x + w / 2;
	}
	/* Day names, centred on the visible part of each day. */
	for (int64_t d = plot_floor_div(c0, 1440); d * 1440 < c1; d++) {
		const int64_t a = d * 1440 > c0 ? d * 1440 : c0;
		const int64_t b = (d + 1) * 1440 < c1 ? (d + 1) * 1440 : c1;
		const int xa = plot_x_of_min(l, (double)(a - start_clock));
		const int xb = plot_x_of_min(l, (double)(b - start_clock));
		char buf[24];
		snprintf(buf, sizeof buf, "Day %lld", (long long)d + 1);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_BOLD, buf, &w, &h);
		if (xb - xa < w + l->font_px)
			continue;
		plot_text(p, PLOT_FONT_BOLD, text, (xa + xb) / 2, line2, PLOT_ALIGN_CENTRE, buf,
		          NULL);
	}
}

/* Gap between a value label and its panel. */
static int l_pad(const plot *p)
{
	return p->font_px / 3 + p->font_px / 4 + 2;
}

void plot_draw_y_labels(plot *p, const plot_rect *panel, const plot_y_label *labels, size_t n)
{
	/* In priority order: a label is drawn when it does not overlap one drawn before. */
	int drawn_top[PLOT_Y_LABELS_MAX], drawn_bottom[PLOT_Y_LABELS_MAX];
	size_t drawn = 0;
	const int lh = plot_line_height(p, PLOT_FONT_SMALL);
	for (size_t i = 0; i < n && drawn < PLOT_Y_LABELS_MAX; i++) {
		const int top = labels[i].y - lh / 2, bottom = top + lh;
		if (top < panel->y - lh / 2 || bottom > panel->y + panel->h + lh / 2)
			continue;
		bool clash = false;
		for (size_t k = 0; k < drawn; k++)
			if (top < drawn_bottom[k] - 2 && bottom > drawn_top[k] + 2)
				clash = true;
		if (clash)
			continue;
		char buf[24];
		plot_format_value(buf, sizeof buf, labels[i].value);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(labels[i].colour),
		          panel->x - l_pad(p), top, PLOT_ALIGN_RIGHT, buf, NULL);
		plot_set_colour(p, PLOT_COLOUR_FRAME);
		plot_fill(p, panel->x - 1 - p->font_px / 3, labels[i].y, p->font_px / 3,
		          plot_hair(p));
		drawn_top[drawn] = top;
		drawn_bottom[drawn] = bottom;
		drawn++;
	}
}

void plot_value_grid(plot *p, const plot_rect *panel, double hi,
                     int (*y_of)(const plot_layout *, double), const plot_layout *l)
{
	double ticks[PLOT_Y_LABELS_MAX];
	const size_t n = plot_value_ticks(hi, ticks, PLOT_Y_LABELS_MAX);
	plot_set_colour(p, PLOT_COLOUR_GRID);
	for (size_t i = 2; i < n; i++) /* not at 0 and hi: the frame is there */
		plot_fill(p, panel->x, y_of(l, ticks[i]), panel->w, plot_hair(p));
}

void plot_value_labels(plot *p, const plot_rect *panel, double hi,
                       int (*y_of)(const plot_layout *, double), const plot_layout *l)
{
	double ticks[PLOT_Y_LABELS_MAX];
	plot_y_label labels[PLOT_Y_LABELS_MAX];
	const size_t n = plot_value_ticks(hi, ticks, PLOT_Y_LABELS_MAX);
	for (size_t i = 0; i < n; i++)
		labels[i] = (plot_y_label){ticks[i], y_of(l, ticks[i]), PLOT_COLOUR_TEXT_DIM};
	plot_draw_y_labels(p, panel, labels, n);
}

size_t plot_glucose_grid(plot *p, const plot_layout *l, plot_y_label *labels)
{
	const plot_rect *g = &l->glucose;
	size_t n = 0;
	labels[n++] = (plot_y_label){GLUCOSE_RANGE_LOW_MGDL,
	                             plot_y_of_bg(l, GLUCOSE_RANGE_LOW_MGDL), PLOT_COLOUR_TEXT};
	labels[n++] = (plot_y_label){GLUCOSE_RANGE_HIGH_MGDL,
	                             plot_y_of_bg(l, GLUCOSE_RANGE_HIGH_MGDL), PLOT_COLOUR_TEXT};
	labels[n++] =
	    (plot_y_label){GLUCOSE_BELOW_VERY_LOW_MGDL,
	                   plot_y_of_bg(l, GLUCOSE_BELOW_VERY_LOW_MGDL), PLOT_COLOUR_LIMIT_LINE};
	labels[n++] =
	    (plot_y_label){GLUCOSE_ABOVE_VERY_HIGH_MGDL,
	                   plot_y_of_bg(l, GLUCOSE_ABOVE_VERY_HIGH_MGDL), PLOT_COLOUR_LIMIT_LINE};
	plot_set_colour(p, PLOT_COLOUR_GRID);
	for (double b = 100.0 * ceil(l->bg_lo_mgdl / 100.0);
	     b <= l->bg_hi_mgdl && n < PLOT_Y_LABELS_MAX; b += 100.0) {
		const int y = plot_y_of_bg(l, b);
		if (b > l->bg_lo_mgdl && b < l->bg_hi_mgdl)
			plot_fill(p, g->x, y, g->w, plot_hair(p));
		labels[n++] = (plot_y_label){b, y, PLOT_COLOUR_TEXT_DIM};
	}
	if (n < PLOT_Y_LABELS_MAX && fmod(l->bg_hi_mgdl, 100.0) != 0.0)
		labels[n++] = (plot_y_label){l->bg_hi_mgdl, plot_y_of_bg(l, l->bg_hi_mgdl),
		                             PLOT_COLOUR_TEXT_DIM};
	if (n < PLOT_Y_LABELS_MAX)
		labels[n++] = (plot_y_label){l->bg_lo_mgdl, plot_y_of_bg(l, l->bg_lo_mgdl),
		                             PLOT_COLOUR_TEXT_DIM};
	return n;
}

void plot_draw_panel_title(plot *p, const plot_rect *panel, const char *title, const char *extra)
{
	int w1 = 0, w2 = 0, h = 0;
	plot_text_size(p, PLOT_FONT_BOLD, title, &w1, &h);
	if (extra)
		plot_text_size(p, PLOT_FONT_SMALL, extra, &w2, &h);
	const int gap = p->font_px;
	if (extra && w1 + gap + w2 > panel->w)
		extra = NULL;
	const int lb = plot_line_height(p, PLOT_FONT_BOLD),
	          ls = plot_line_height(p, PLOT_FONT_SMALL);
	const int y = panel->y - 1 - lb;
	plot_text(p, PLOT_FONT_BOLD, plot_colour_rgb(PLOT_COLOUR_TEXT), panel->x - 1, y, 0, title,
	          NULL);
	if (extra)
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM),
		          panel->x - 1 + w1 + gap, y + (lb - ls) - (lb - ls) / 3, 0, extra, NULL);
}

typedef enum swatch {
	SW_LINE,
	SW_DOT,
	SW_BAND,
	SW_DASH,
	SW_TRIANGLE,
	SW_BAR,
	SW_AREA_LINE,
	SW_HATCH,
	SW_FLAG,
} swatch;

typedef struct legend_item {
	swatch kind;
	plot_colour colour, fill;
	const char *text;
} legend_item;

static void draw_swatch(plot *p, const legend_item *it, int x, int cy)
{
	const int f = p->font_px, w = (f * 3) / 2, h = (f * 3) / 4;
	switch (it->kind) {
	case SW_LINE:
		plot_set_colour(p, it->colour);
		plot_fill(p, x, cy - plot_stroke(p) / 2, w, plot_stroke(p));
		break;
	case SW_DOT: {
		const int r = f >= 24 ? f / 7 : 2;
		plot_set_colour(p, it->colour);
		plot_fill(p, x + w / 2 - r + 1, cy - r, 2 * r - 1, 2 * r + 1);
		plot_fill(p, x + w / 2 - r, cy - r + 1, 2 * r + 1, 2 * r - 1);
		break;
	}
	case SW_BAND:
		plot_set_colour(p, it->colour);
		plot_fill(p, x, cy - h / 2, w, h);
		plot_set_colour(p, PLOT_COLOUR_FRAME);
		plot_frame_rect(p, &(plot_rect){x + 1, cy - h / 2 + 1, w - 2, h - 2});
		break;
	case SW_DASH:
		plot_set_colour(p, it->colour);
		plot_fill(p, x, cy, w / 3, plot_hair(p) + 1);
		plot_fill(p, x + (2 * w) / 3, cy, w - (2 * w) / 3, plot_hair(p) + 1);
		break;
	case SW_TRIANGLE:
		plot_triangle(p, it->colour, (float)(x + w / 2 - h / 2 - 1), (float)(cy - h / 2),
		              (float)(x + w / 2 + h / 2 + 2), (float)(cy - h / 2),
		              (float)x + (float)w / 2.0f, (float)(cy + h / 2 + 1));
		break;
	case SW_BAR:
		plot_set_colour(p, it->colour);
		plot_fill(p, x + w / 2 - 2, cy - h / 2 - 1, 5, h + 2);
		break;
	case SW_AREA_LINE:
		plot_set_colour(p, it->fill);
		plot_fill(p, x, cy - h / 2, w, h);
		plot_set_colour(p, it->colour);
		plot_fill(p, x, cy - h / 2, w, plot_stroke(p));
		break;
	case SW_HATCH: {
		SDL_Rect rc = {x, cy - h / 2, w, h};
		plot_set_colour(p, it->fill);
		SDL_RenderFillRect(p->r, &rc);
		plot_set_colour(p, it->colour);
		SDL_Rect clip;
		SDL_RenderGetClipRect(p->r, &clip);
		plot_hatch(p, &rc, 4 * plot_hair(p));
		SDL_RenderSetClipRect(p->r, clip.w > 0 ? &clip : NULL);
		break;
	}
	case SW_FLAG:
		plot_flag(p, it->colour, x + w / 3, cy - h / 2 - 1, (h * 2) / 3 + 1);
		break;
	}
}

void plot_draw_legend(plot *p, const plot_layout *l, const char *title)
{
	static const legend_item items[] = {
	    {SW_LINE, PLOT_COLOUR_BG_LINE, 0, "True BG"},
	    {SW_DOT, PLOT_COLOUR_CGM, 0, "CGM"},
	    {SW_BAND, PLOT_COLOUR_TARGET_BAND, 0, "Target 70–180"},
	    {SW_DASH, PLOT_COLOUR_LIMIT_LINE, 0, "54 / 250 mg/dL"},
	    {SW_TRIANGLE, PLOT_COLOUR_MEAL, 0, "Meal"},
	    {SW_BAR, PLOT_COLOUR_BOLUS, 0, "Bolus"},
	    {SW_AREA_LINE, PLOT_COLOUR_IOB, PLOT_COLOUR_IOB_FILL, "Insulin on board"},
	    {SW_AREA_LINE, PLOT_COLOUR_BASAL, PLOT_COLOUR_BASAL_FILL, "Basal"},
	    {SW_HATCH, PLOT_COLOUR_SUSPENDED, PLOT_COLOUR_SUSPENDED_FILL, "No basal"},
	    {SW_FLAG, PLOT_COLOUR_ANNUNCIATION, 0, "Alarm"},
	    {SW_FLAG, PLOT_COLOUR_FAULT, 0, "Fault"},
	};
	const plot_rect *lg = &l->legend;
	const int f = p->font_px;
	const int lh = plot_line_height(p, PLOT_FONT_SMALL);
	const int n_items = (int)(sizeof items / sizeof items[0]);
	int x0 = l->glucose.x;
	int title_w = 0, h = 0;
	if (title && *title) {
		plot_text_size(p, PLOT_FONT_BOLD, title, &title_w, &h);
		title_w += 2 * f;
	}
	const int right = l->glucose.x + l->glucose.w;
	/* One line when everything fits; else the entries wrap onto a second line (the legend
	 * strip holds two lines of small text), so none is cut off in a narrow window. */
	int need = 0;
	for (int i = 0; i < n_items; i++) {
		int w = 0;
		plot_text_size(p, PLOT_FONT_SMALL, items[i].text, &w, &h);
		need += (f * 3) / 2 + f / 3 + w + f;
	}
	const bool two_rows = x0 + title_w + need > right + f;
	const int row_cy[2] = {two_rows ? lg->y + lg->h / 4 + 1 : lg->y + lg->h / 2,
	                       lg->y + (3 * lg->h) / 4};
	int x = x0;
	if (title && *title) {
		const int tlh = plot_line_height(p, PLOT_FONT_BOLD);
		plot_text(p, PLOT_FONT_BOLD, plot_colour_rgb(PLOT_COLOUR_TEXT), x,
		          row_cy[0] - tlh / 2, PLOT_ALIGN_LEFT, title, NULL);
		x += title_w;
	}
	int row = 0, drawn = 0;
	for (int i = 0; i < n_items; i++) {
		int w = 0;
		plot_text_size(p, PLOT_FONT_SMALL, items[i].text, &w, &h);
		const int sw = (f * 3) / 2, item = sw + f / 3 + w;
		if (x + item > right) {
			if (!two_rows || row == 1)
				break;
			row = 1;
			x = x0;
		}
		const int cy = row_cy[row];
		draw_swatch(p, &items[i], x, cy);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT), x + sw + f / 3,
		          cy - lh / 2, PLOT_ALIGN_LEFT, items[i].text, NULL);
		x += item + f;
		drawn++;
	}
	p->legend_dropped = n_items - drawn;
}

void plot_draw_footer(plot *p, const plot_rect *area, const char *footer)
{
	const int lh = (p->font_px * 3) / 2;
	int y = area->y + p->font_px / 2;
	for (const char *line = footer; line && *line && y + lh <= area->y + area->h + 1;) {
		const char *end = strchr(line, '\n');
		char buf[400];
		const size_t len = end ? (size_t)(end - line) : strlen(line);
		snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1),
		         line);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_TEXT_DIM), area->x - 1, y,
		          PLOT_ALIGN_LEFT, buf, NULL);
		y += lh;
		line = end ? end + 1 : "";
	}
}
