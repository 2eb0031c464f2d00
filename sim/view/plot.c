/*
 * plot — see plot.h. The plot object: made for a renderer and a text size, its fonts and
 * its buffers, freed. Drawing a frame is plot_draw.c's; every part of the object the
 * drawing files share is in plot_internal.h.
 */
#include <stdlib.h>

#include "plot_internal.h"

plot *plot_new(SDL_Renderer *r, int font_px, char *err, size_t errlen)
{
	if (!r) {
		plot_set_err(err, errlen, "plot: no renderer%s%s", NULL, NULL);
		return NULL;
	}
	if (font_px == 0)
		font_px = 13;
	if (font_px < 8 || font_px > 96) {
		plot_set_err(err, errlen, "plot: text size out of range (8 … 96 px)%s%s", NULL,
		             NULL);
		return NULL;
	}
	char regular[512], bold[512];
	if (!plot_fonts_find(regular, bold, sizeof regular, err, errlen))
		return NULL;
	plot *p = calloc(1, sizeof *p);
	if (!p) {
		plot_set_err(err, errlen, "plot: out of memory%s%s", NULL, NULL);
		return NULL;
	}
	p->r = r;
	p->font_px = font_px;
	if (!plot_fonts_open(p, regular, bold, err, errlen)) {
		free(p);
		return NULL;
	}
	return p;
}

void plot_free(plot *p)
{
	if (!p)
		return;
	plot_fonts_close(p);
	plot_columns_free(&p->cc);
	free(p->pts);
	free(p->rects);
	free(p);
}

int plot_font_px(const plot *p)
{
	return p->font_px;
}

int plot_legend_dropped(const plot *p)
{
	return p->legend_dropped;
}
