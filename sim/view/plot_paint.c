/*
 * plot_paint — the palette and the drawing primitives every part of the plot uses (see
 * plot_internal.h). Widths scale with the text size: a supersampled picture (font >= 24 px)
 * gets 2-pixel hairlines and thicker strokes, so it averages down to the same look.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot_internal.h"

/* Okabe–Ito: black 000000, orange E69F00, sky blue 56B4E9, bluish green 009E73, yellow
 * F0E442, blue 0072B2, vermillion D55E00, reddish purple CC79A7; tints mixed with white. */
static const SDL_Color palette[PLOT_COLOUR_COUNT] = {
    [PLOT_COLOUR_BACKGROUND] = {0xFF, 0xFF, 0xFF, 0xFF},
    [PLOT_COLOUR_PANEL] = {0xFF, 0xFF, 0xFF, 0xFF},
    [PLOT_COLOUR_FRAME] = {0x9A, 0x9A, 0x9A, 0xFF},
    [PLOT_COLOUR_GRID] = {0xE2, 0xE2, 0xE2, 0xFF},
    [PLOT_COLOUR_GRID_DAY] = {0xA8, 0xA8, 0xA8, 0xFF},
    [PLOT_COLOUR_TEXT] = {0x1E, 0x1E, 0x1E, 0xFF},
    [PLOT_COLOUR_TEXT_DIM] = {0x5C, 0x5C, 0x5C, 0xFF},
    [PLOT_COLOUR_TARGET_BAND] = {0xD9, 0xF0, 0xE8, 0xFF}, /* bluish green, 15 % */
    [PLOT_COLOUR_LIMIT_LINE] = {0xD5, 0x5E, 0x00, 0xFF},  /* vermillion */
    [PLOT_COLOUR_BG_LINE] = {0x14, 0x14, 0x14, 0xFF},     /* black */
    [PLOT_COLOUR_CGM] = {0x00, 0x72, 0xB2, 0xFF},         /* blue */
    [PLOT_COLOUR_MEAL] = {0xE6, 0x9F, 0x00, 0xFF},        /* orange */
    [PLOT_COLOUR_BOLUS] = {0x00, 0x72, 0xB2, 0xFF},       /* blue */
    [PLOT_COLOUR_IOB] = {0xA8, 0x4A, 0x86, 0xFF},         /* reddish purple, darker */
    [PLOT_COLOUR_IOB_FILL] = {0xF5, 0xE4, 0xEE, 0xFF},    /* reddish purple, 20 % */
    [PLOT_COLOUR_BASAL] = {0x2A, 0x8C, 0xC4, 0xFF},       /* sky blue, darker */
    [PLOT_COLOUR_BASAL_FILL] = {0xCC, 0xE8, 0xF8, 0xFF},  /* sky blue, 30 % */
    [PLOT_COLOUR_SUSPENDED] = {0xD5, 0x5E, 0x00, 0xFF},   /* vermillion */
    [PLOT_COLOUR_SUSPENDED_FILL] = {0xF9, 0xE2, 0xD4, 0xFF},
    [PLOT_COLOUR_ANNUNCIATION] = {0xD5, 0x5E, 0x00, 0xFF},
    [PLOT_COLOUR_FAULT] = {0x14, 0x14, 0x14, 0xFF},
    [PLOT_COLOUR_FUTURE] = {0xF3, 0xF3, 0xF3, 0xFF},
    [PLOT_COLOUR_NOW] = {0x55, 0x55, 0x55, 0xFF},
    [PLOT_COLOUR_SENSOR_FAULT] = {0xE4, 0xE1, 0xEC, 0xFF}, /* grey-lilac */
};

const SDL_Color plot_range_colours[5] = {
    {0x8B, 0x1A, 0x1A, 0xFF}, /* below 54 */
    {0xD5, 0x5E, 0x00, 0xFF}, /* 54–70 */
    {0x7F, 0xC9, 0x7F, 0xFF}, /* 70–180 */
    {0xE6, 0x9F, 0x00, 0xFF}, /* 180–250 */
    {0x9C, 0x5A, 0x1A, 0xFF}, /* above 250 */
};

SDL_Color plot_colour_rgb(plot_colour c)
{
	if ((int)c < 0 || c >= PLOT_COLOUR_COUNT)
		return palette[PLOT_COLOUR_TEXT];
	return palette[c];
}

void plot_set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a ? a : "", b ? b : "");
}

SDL_Rect plot_sdl_rect(const plot_rect *r)
{
	return (SDL_Rect){r->x, r->y, r->w, r->h};
}

void plot_set_colour(plot *p, plot_colour c)
{
	const SDL_Color k = palette[c];
	SDL_SetRenderDrawColor(p->r, k.r, k.g, k.b, k.a);
}

void plot_fill(plot *p, int x, int y, int w, int h)
{
	if (w <= 0 || h <= 0)
		return;
	SDL_Rect rc = {x, y, w, h};
	SDL_RenderFillRect(p->r, &rc);
}

void plot_fill_rect(plot *p, const plot_rect *r)
{
	const SDL_Rect rc = plot_sdl_rect(r);
	SDL_RenderFillRect(p->r, &rc);
}

void plot_clip(plot *p, const plot_rect *r)
{
	if (!r) {
		SDL_RenderSetClipRect(p->r, NULL);
		return;
	}
	const SDL_Rect rc = plot_sdl_rect(r);
	SDL_RenderSetClipRect(p->r, &rc);
}

int plot_hair(const plot *p)
{
	return p->font_px >= 24 ? 2 : 1;
}

int plot_stroke(const plot *p)
{
	return p->font_px >= 24 ? (p->font_px + 3) / 7 : 2;
}

void plot_frame_rect(plot *p, const plot_rect *in)
{
	for (int i = 1; i <= plot_hair(p); i++) {
		SDL_Rect rc = {in->x - i, in->y - i, in->w + 2 * i, in->h + 2 * i};
		SDL_RenderDrawRect(p->r, &rc);
	}
}

bool plot_reserve_points(plot *p, size_t n)
{
	if (n <= p->pts_cap)
		return true;
	SDL_Point *q = realloc(p->pts, n * sizeof *q);
	if (!q)
		return false;
	p->pts = q;
	p->pts_cap = n;
	return true;
}

bool plot_reserve_rects(plot *p, size_t n)
{
	if (n <= p->rects_cap)
		return true;
	SDL_Rect *q = realloc(p->rects, n * sizeof *q);
	if (!q)
		return false;
	p->rects = q;
	p->rects_cap = n;
	return true;
}

/* Drawn again shifted down and right by 1 … thick - 1 (p->pts moved and moved back). */
void plot_polyline(plot *p, size_t n, int thick)
{
	if (n < 2)
		return;
	SDL_Point *pts = p->pts;
	SDL_RenderDrawLines(p->r, pts, (int)n);
	for (int k = 1; k < thick; k++) {
		for (size_t i = 0; i < n; i++)
			pts[i].y++;
		SDL_RenderDrawLines(p->r, pts, (int)n);
		for (size_t i = 0; i < n; i++) {
			pts[i].y -= k;
			pts[i].x += k;
		}
		SDL_RenderDrawLines(p->r, pts, (int)n);
		for (size_t i = 0; i < n; i++) {
			pts[i].x -= k;
			pts[i].y += k;
		}
	}
	for (size_t i = 0; i < n; i++)
		pts[i].y -= thick - 1;
}

void plot_dashed_hline(plot *p, int x0, int x1, int y, int dash, int gap, int thick)
{
	size_t n = 0;
	const size_t max = (size_t)((x1 - x0) / (dash + gap) + 2);
	if (x1 <= x0 || !plot_reserve_rects(p, max))
		return;
	for (int x = x0; x < x1 && n < max; x += dash + gap) {
		int w = x + dash <= x1 ? dash : x1 - x;
		p->rects[n++] = (SDL_Rect){x, y, w, thick};
	}
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}

void plot_triangle(plot *p, plot_colour c, float x0, float y0, float x1, float y1, float x2,
                   float y2)
{
	const SDL_Color k = palette[c];
	SDL_Vertex v[3] = {
	    {{x0, y0}, k, {0, 0}},
	    {{x1, y1}, k, {0, 0}},
	    {{x2, y2}, k, {0, 0}},
	};
	SDL_RenderGeometry(p->r, NULL, v, 3, NULL, 0);
}

void plot_hatch(plot *p, const SDL_Rect *rc, int spacing)
{
	SDL_RenderSetClipRect(p->r, rc);
	for (int x = rc->x - rc->h; x < rc->x + rc->w; x += spacing)
		for (int k = 0; k < plot_hair(p); k++)
			SDL_RenderDrawLine(p->r, x + k, rc->y + rc->h, x + k + rc->h, rc->y);
}

void plot_flag(plot *p, plot_colour c, int x, int top, int size)
{
	plot_set_colour(p, c);
	plot_fill(p, x, top, 2, size * 2);
	plot_triangle(p, c, (float)x + 2.0f, (float)top, (float)(x + 2 + size + size / 2),
	              (float)top + (float)size * 0.5f, (float)x + 2.0f, (float)(top + size));
}

int64_t plot_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void plot_format_value(char *buf, size_t len, double v)
{
	if (fabs(v - round(v)) < 1e-9)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v * 10.0 - round(v * 10.0)) < 1e-9)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}
