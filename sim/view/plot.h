/*
 * plot — draws a time window of a run trace into an SDL_Renderer, as three stacked panels
 * sharing one time axis:
 *
 *   glucose  true BG (line), CGM readings (dots), the 70–180 mg/dL target band, 54 and
 *            250 mg/dL (dashed), meals (markers with grams);
 *   insulin  insulin on board (line) and boluses (bars with units);
 *   basal    the basal rate in force as a step plot; zero rate (suspension, stop, 0 % temp
 *            basal) shaded;
 *   alarms   annunciations and faults as flags on the time axis, NAMED (HH:MM, day labels);
 *            sensor faults and gaps in the CGM readings shaded and named in the glucose panel;
 *   footer   where the picture came from (plot_view.footer), when given.
 *
 * A window of 14 days or more is drawn as the long-run picture instead (plot_long.c): the
 * glucose profile by time of day over every day and a day-by-day strip, from the trace's
 * profile (agp.h), so that a 30-day or a 10-year run reads as well as a day.
 *
 * Works with any renderer: a window's, or SDL's software renderer on an SDL_Surface (which
 * needs no video subsystem and no display: that is how plot_write_png makes pictures for
 * CI and reports). Colours are the Okabe–Ito colour-blind-safe palette.
 *
 * Drawing cost does not grow with the length of the window: rows are folded into one
 * min/max bucket per pixel column, kept between frames and updated with only the rows
 * appended since (plot_columns.h). Rendered text is cached per string.
 *
 * The parts, one concept a file: plot_layout (where everything goes; pure, no SDL),
 * plot_columns (rows folded per pixel column; pure), plot_text (fonts and the text cache),
 * plot_paint (palette and drawing primitives), plot_series (lines, areas, CGM dots, zero
 * basal), plot_marks (meals, boluses, alarm flags), plot_axes (grids, ticks, labels, titles,
 * legend), plot.c (the object), plot_draw.c (the drawing order), plot_png (pictures without
 * a display).
 *
 * Never prints; errors come back as a message in the caller's buffer.
 */
#ifndef FAKEPUMP_PLOT_H
#define FAKEPUMP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "plot_layout.h"
#include "plot_png.h"
#include "trace.h"

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
	PLOT_COLOUR_SENSOR_FAULT, /* a sensor fault or a gap in the CGM readings: shaded */
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

/* Legend entries the last plot_draw had no room for, even on two lines (0: all shown). */
int plot_legend_dropped(const plot *p);

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

#endif
