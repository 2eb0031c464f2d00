/*
 * plot — draws a time window of a run trace into an SDL_Renderer, as three stacked panels
 * sharing one time axis:
 *
 *   glucose  true BG (line), CGM readings (dots), the 70–180 mg/dL target band, 54 and
 *            250 mg/dL (dashed), meals (markers with grams);
 *   insulin  insulin on board (line) and boluses (bars with units);
 *   basal    the basal rate in force as a step plot; zero rate (suspension, stop, 0 % temp
 *            basal) shaded;
 *   alarms   annunciations and faults as flags on the time axis (HH:MM, day labels).
 *
 * Works with any renderer: a window's, or SDL's software renderer on an SDL_Surface (which
 * needs no video subsystem and no display: that is how plot_write_png makes pictures for
 * CI and reports). Colours are the Okabe–Ito colour-blind-safe palette.
 *
 * Drawing cost does not grow with the length of the window: rows are folded into one
 * min/max bucket per pixel column, kept between frames and updated with only the rows
 * appended since (see plot_draw). Rendered text is cached per string.
 *
 * Never prints; errors come back as a message in the caller's buffer.
 */
#ifndef FAKEPUMP_PLOT_H
#define FAKEPUMP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "trace.h"

/* What to draw and where. */
typedef struct plot_view {
	int64_t from_min;  /* first run minute shown (inclusive) */
	int64_t to_min;    /* end of the window (exclusive), > from_min */
	int64_t now_min;   /* live runs: a "now" line, the future greyed; < 0: none */
	SDL_Rect area;     /* target rectangle in renderer pixels */
	const char *title; /* headline left of the legend, e.g. "demo · adult#001"; may be NULL */
} plot_view;

/*
 * Where everything goes: the panels' data rectangles and the value ranges of their
 * vertical axes. A pure function of the view, the text size and the data in the window,
 * so tests can compute where a pixel must be.
 */
typedef struct plot_layout {
	SDL_Rect area;
	SDL_Rect legend;  /* title and legend line */
	SDL_Rect glucose; /* data rectangles (inside the frames) */
	SDL_Rect insulin;
	SDL_Rect basal;
	SDL_Rect alarms; /* the flag strip above the time labels */
	SDL_Rect time_labels;
	int64_t from_min, to_min;
	double bg_lo_mgdl, bg_hi_mgdl; /* glucose axis range */
	double insulin_hi_u;           /* insulin axis: 0 … this */
	double basal_hi_u_per_h;       /* basal axis: 0 … this */
	int font_px;
} plot_layout;

/*
 * The layout plot_draw uses for this trace, view and text size (`font_px` as given to
 * plot_new). False when the view is empty or too small to hold the panels.
 */
bool plot_compute_layout(const trace *t, const plot_view *v, int font_px, plot_layout *out);

/* Pixel column of run minute `t_min` (fractional allowed); may lie outside the panels. */
int plot_x_of_min(const plot_layout *l, double t_min);
/* Pixel rows of a value in its panel, clamped to the panel. */
int plot_y_of_bg(const plot_layout *l, double bg_mgdl);
int plot_y_of_insulin(const plot_layout *l, double units);
int plot_y_of_basal(const plot_layout *l, double rate_u_per_h);

/* The palette (Okabe & Ito 2008, "Color Universal Design"), and the tints made from it. */
typedef enum plot_colour {
	PLOT_COLOUR_BACKGROUND = 0,
	PLOT_COLOUR_PANEL,
	PLOT_COLOUR_FRAME,
	PLOT_COLOUR_GRID,
	PLOT_COLOUR_GRID_DAY,
	PLOT_COLOUR_TEXT,
	PLOT_COLOUR_TEXT_DIM,
	PLOT_COLOUR_TARGET_BAND, /* 70–180 mg/dL */
	PLOT_COLOUR_LIMIT_LINE,  /* 54 and 250 mg/dL, dashed */
	PLOT_COLOUR_BG_LINE,     /* true (plasma) glucose */
	PLOT_COLOUR_CGM,         /* CGM readings */
	PLOT_COLOUR_MEAL,
	PLOT_COLOUR_BOLUS,
	PLOT_COLOUR_IOB,
	PLOT_COLOUR_IOB_FILL,
	PLOT_COLOUR_BASAL,
	PLOT_COLOUR_BASAL_FILL,
	PLOT_COLOUR_SUSPENDED, /* zero basal: hatch */
	PLOT_COLOUR_SUSPENDED_FILL,
	PLOT_COLOUR_ANNUNCIATION,
	PLOT_COLOUR_FAULT,
	PLOT_COLOUR_FUTURE, /* right of "now" */
	PLOT_COLOUR_NOW,
	PLOT_COLOUR_COUNT,
} plot_colour;

SDL_Color plot_colour_rgb(plot_colour c);

/*
 * A human label for a pump annunciation type (pump_model.h values): "Occlusion",
 * "Reservoir low", …; NULL for a value it does not know.
 */
const char *plot_annunciation_label(int type);

typedef struct plot plot;

/*
 * A plot drawing into `r` (not owned: it must outlive the plot). `font_px` is the size of
 * tick labels in pixels (other text scales from it), 8 … 96; 0 picks 13.
 * The font is DejaVu Sans (Debian: fonts-dejavu-core), found at a list of known paths or
 * at $FAKEPUMP_FONT. NULL with the reason in `err` when no font can be opened or memory is
 * short.
 */
plot *plot_new(SDL_Renderer *r, int font_px, char *err, size_t errlen);
/* Frees the plot, its caches and textures. NULL is a no-op. */
void plot_free(plot *p);
int plot_font_px(const plot *p);

/*
 * Draw the window into the renderer (does not present). Rows appended to `t` since the
 * last call are folded into the cached columns; a new window, size or trace rebuilds them.
 * When `layout_out` is not NULL it receives the layout used. False when the view is too
 * small to draw (nothing drawn).
 */
bool plot_draw(plot *p, const trace *t, const plot_view *v, plot_layout *layout_out);

/* Text for the viewer, through the plot's font and text cache. */
typedef enum plot_font {
	PLOT_FONT_SMALL = 0, /* font_px */
	PLOT_FONT_NORMAL,    /* 1.2 × */
	PLOT_FONT_BOLD,      /* 1.2 ×, bold */
	PLOT_FONT_LARGE,     /* 1.7 ×, bold */
	PLOT_FONT_HUGE,      /* 3.6 ×, bold (passkeys) */
	PLOT_FONT_COUNT,
} plot_font;

typedef enum plot_align {
	PLOT_ALIGN_LEFT = 0,
	PLOT_ALIGN_CENTRE = 1,
	PLOT_ALIGN_RIGHT = 2,
} plot_align;

/*
 * Draw UTF-8 `text` with its top at y, horizontally aligned on x. Returns the width drawn
 * in pixels (0 for empty text or on failure); `box` (may be NULL) receives the rectangle.
 */
int plot_text(plot *p, plot_font font, SDL_Color colour, int x, int y, plot_align align,
              const char *text, SDL_Rect *box);
/* Size of `text` without drawing it; false on failure. */
bool plot_text_size(plot *p, plot_font font, const char *text, int *w, int *h);
/* Line height of a font in pixels. */
int plot_line_height(const plot *p, plot_font font);

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

/* The font size plot_render_to_surface picks for a picture `height` pixels high. */
int plot_default_font_px(int height);

#endif
