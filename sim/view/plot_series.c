/*
 * plot_series — the data drawn from the columns (plot_columns.h): a series as a polyline
 * through each column's first, lowest, highest and last value (the shape survives any
 * zoom), the area under it, the CGM readings as dots, and the stretches of zero basal.
 */
#include "plot_internal.h"

size_t plot_build_line(plot *p, const plot_layout *l, plot_series series, bool step)
{
	const plot_columns *cc = &p->cc;
	if (!plot_reserve_points(p, (size_t)cc->w * 5 + 1))
		return 0;
	size_t n = 0;
	for (int c = 0; c < cc->w; c++) {
		const plot_column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		float v[4];
		plot_column_values(col, series, v);
		const int x = cc->x0 + c;
		p->pts[n++] = (SDL_Point){x, plot_y_of_series(l, series, v[0])};
		if (col->rows > 1 && v[1] != v[2]) {
			const bool rising = v[0] <= v[3];
			p->pts[n++] =
			    (SDL_Point){x, plot_y_of_series(l, series, rising ? v[1] : v[2])};
			p->pts[n++] =
			    (SDL_Point){x, plot_y_of_series(l, series, rising ? v[2] : v[1])};
		}
		const int y_last = plot_y_of_series(l, series, v[3]);
		p->pts[n++] = (SDL_Point){x, y_last};
		if (step)
			p->pts[n++] = (SDL_Point){plot_column_end_x(l, col, x), y_last};
	}
	return n;
}

void plot_fill_under(plot *p, const plot_layout *l, plot_series series, const plot_rect *panel)
{
	const plot_columns *cc = &p->cc;
	if (!plot_reserve_rects(p, (size_t)cc->w))
		return;
	size_t n = 0;
	const int bottom = panel->y + panel->h;
	for (int c = 0; c < cc->w; c++) {
		const plot_column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		float v[4];
		plot_column_values(col, series, v);
		if (!(v[2] > 0.0f))
			continue;
		const int x = cc->x0 + c, y = plot_y_of_series(l, series, v[2]);
		p->rects[n++] = (SDL_Rect){x, y, plot_column_end_x(l, col, x) - x, bottom - y};
	}
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}

/* One stretch of zero basal over [x0, x1), named by why it was zero. */
static void draw_zero_run(plot *p, const plot_layout *l, int x0, int x1, uint8_t flags)
{
	const plot_rect *b = &l->basal;
	SDL_Rect rc = {x0, b->y, x1 - x0, b->h};
	plot_set_colour(p, PLOT_COLOUR_SUSPENDED_FILL);
	SDL_RenderFillRect(p->r, &rc);
	plot_set_colour(p, PLOT_COLOUR_SUSPENDED);
	plot_hatch(p, &rc, l->font_px / 2 + 2);
	plot_clip(p, b);
	const char *what = (flags & PLOT_ZERO_STOPPED)  ? "stopped"
	                   : (flags & PLOT_ZERO_PAUSED) ? "suspended"
	                                                : "0 U/h";
	int w = 0, h = 0;
	plot_text_size(p, PLOT_FONT_SMALL, what, &w, &h);
	if (w + 6 <= rc.w && h + 4 <= rc.h) {
		plot_set_colour(p, PLOT_COLOUR_PANEL);
		plot_fill(p, x0 + 2, b->y + 2, w + 4, h);
		plot_text(p, PLOT_FONT_SMALL, plot_colour_rgb(PLOT_COLOUR_SUSPENDED), x0 + 4,
		          b->y + 2, PLOT_ALIGN_LEFT, what, NULL);
	}
}

void plot_draw_zero_basal(plot *p, const plot_layout *l)
{
	const plot_columns *cc = &p->cc;
	int run_x0 = -1, run_x1 = 0;
	uint8_t flags = 0;
	for (int c = 0; c < cc->w; c++) {
		const plot_column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		const int x = cc->x0 + c;
		if (col->zero) {
			if (run_x0 < 0) {
				run_x0 = x;
				flags = 0;
			}
			run_x1 = plot_column_end_x(l, col, x);
			flags |= col->zero;
		} else if (run_x0 >= 0) {
			draw_zero_run(p, l, run_x0, run_x1, flags);
			run_x0 = -1;
		}
	}
	if (run_x0 >= 0)
		draw_zero_run(p, l, run_x0, run_x1, flags);
}

void plot_draw_cgm(plot *p, const plot_layout *l)
{
	const plot_columns *cc = &p->cc;
	if (!plot_reserve_rects(p, (size_t)cc->w * 2))
		return;
	/* Dots of 5 px (7 px on large pictures); 3 px where the readings crowd (more than one a
	 * column every ~3 columns), so the line stays visible. */
	const double min_per_px = (double)(l->to_min - l->from_min) / (double)cc->w;
	const int f = l->font_px;
	const int r = min_per_px > 2.5 ? (f >= 24 ? f / 12 : 1)
	                               : (f >= 24   ? f / 7
	                                  : f >= 16 ? 3
	                                            : 2);
	size_t n = 0;
	for (int c = 0; c < cc->w; c++) {
		const plot_column *col = &cc->cols[c];
		if (!col->cgm_count)
			continue;
		const int x = cc->x0 + c;
		const int top = plot_y_of_bg(l, col->cgm_max),
		          bottom = plot_y_of_bg(l, col->cgm_min);
		/* A rounded dot (or a rounded bar spanning the column's readings). */
		p->rects[n++] = (SDL_Rect){x - r + 1, top - r, 2 * r - 1, bottom - top + 2 * r + 1};
		p->rects[n++] = (SDL_Rect){x - r, top - r + 1, 2 * r + 1, bottom - top + 2 * r - 1};
	}
	plot_set_colour(p, PLOT_COLOUR_CGM);
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}
