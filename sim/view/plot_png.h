/*
 * plot_png — pictures of a run without a window: the plot drawn through SDL's software
 * renderer on a surface (no video subsystem, no display, no SDL_Init), and saved as PNG by
 * SDL_image. This is how `--png`, `fakepump plot` and the CI pictures are made.
 *
 * A PNG is drawn at twice its size and averaged down 2 × 2 (SDL draws lines without
 * anti-aliasing; a report deserves smooth curves). Never prints: errors come back in `err`.
 */
#ifndef FAKEPUMP_PLOT_PNG_H
#define FAKEPUMP_PLOT_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "plot_layout.h"
#include "trace.h"

/*
 * Off-screen rendering: draws the view into `dst` (any 32-bit surface) through SDL's
 * software renderer. Needs no display and no SDL_Init. `v->area` is ignored: the whole
 * surface is used. `font_px` 0 picks a size from the surface height.
 */
bool plot_render_to_surface(const trace *t, const plot_view *v, SDL_Surface *dst, int font_px,
                            char *err, size_t errlen);

/*
 * The whole picture of [from_min, to_min) as a PNG file of width × height pixels, drawn at
 * twice the size and averaged down (smooth lines). Needs no display: SDL_VIDEODRIVER and
 * DISPLAY may be unset. False with `path: why` in err.
 */
bool plot_write_png(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                    const char *path, char *err, size_t errlen);
/* Same, with a title line (NULL: none). */
bool plot_write_png_titled(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                           const char *title, const char *path, char *err, size_t errlen);

/* A picture of a run: what, how big, with which words. */
typedef struct plot_picture {
	int64_t from_min, to_min; /* the window; 14 days or more: the long-run picture */
	int width, height;        /* pixels */
	const char *title;        /* NULL: none */
	const char *footer;       /* provenance lines ('\n' between), NULL: none */
	const char *path;         /* the PNG to write */
} plot_picture;

/* plot_write_png_titled with a footer: false with `path: why` in err. */
bool plot_write_picture(const trace *t, const plot_picture *pic, char *err, size_t errlen);

/* The font size plot_render_to_surface picks for a picture `height` pixels high. */
int plot_default_font_px(int height);

#endif
