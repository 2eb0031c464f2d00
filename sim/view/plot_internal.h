/*
 * plot_internal — what the plot_*.c files share and nothing else includes: the plot object
 * itself and the drawing steps each file provides to plot_draw.c, which calls them in order.
 *
 * Conventions of every step: it draws into p->r with the layout `l` already computed,
 * changes the draw colour and (where it says so) the clip rectangle, and never fails loudly
 * (short of memory it draws less). Colours are opaque (no alpha blending), so the tests can
 * expect exact pixel values.
 */
#ifndef FAKEPUMP_PLOT_INTERNAL_H
#define FAKEPUMP_PLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "plot.h"
#include "plot_columns.h"

/* ---- the plot (plot.c owns it) -------------------------------------------------------- */

enum { PLOT_TEXT_SLOTS = 1024, PLOT_TEXT_MAX_LIVE = 600 };

/* A rendered string (plot_text.c). */
typedef struct plot_text_entry {
	char *text; /* NULL: free slot */
	uint32_t hash;
	uint32_t colour;
	int font;
	SDL_Texture *tex;
	int w, h;
	uint64_t used; /* the frame it was last drawn in */
} plot_text_entry;

struct plot {
	SDL_Renderer *r; /* not owned */
	int font_px;
	TTF_Font *fonts[PLOT_FONT_COUNT];
	plot_text_entry *slots; /* PLOT_TEXT_SLOTS, open addressing */
	size_t live;
	uint64_t frame;
	int legend_dropped; /* legend entries the last frame had no room for */
	plot_columns cc;
	SDL_Point *pts; /* scratch for polylines and dotted lines */
	size_t pts_cap;
	SDL_Rect *rects; /* scratch for batched rectangles */
	size_t rects_cap;
};

/* snprintf(err, errlen, fmt, a, b) with NULL as "" (err may be NULL). */
void plot_set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b);

/* ---- plot_text.c: fonts and the text cache -------------------------------------------- */

/*
 * The regular and bold font files: $FAKEPUMP_FONT for both (bold then synthesised), else
 * DejaVu Sans in the known font folders. False with the reason in err.
 */
bool plot_fonts_find(char *regular, char *bold, size_t len, char *err, size_t errlen);
/* Open the fonts at p->font_px and the text cache; false with the reason in err (the plot
 * is then freed by the caller with plot_free). */
bool plot_fonts_open(plot *p, const char *regular, const char *bold, char *err, size_t errlen);
/* Close the fonts and drop every cached texture. */
void plot_fonts_close(plot *p);

/* ---- plot_png.c: pictures without a display ------------------------------------------- */

/* dst = src shrunk by 2 in each direction, each pixel the mean of its 2 × 2 (XRGB8888). */
void plot_downsample_2x(const SDL_Surface *src, SDL_Surface *dst);

/* ---- plot_paint.c: the palette and drawing primitives --------------------------------- */

/* The colours of glucose ranges in day strips (plot_long.c, plot_trial.c): below 54,
 * 54–70, 70–180, 180–250, above 250 mg/dL. */
extern const SDL_Color plot_range_colours[5];

SDL_Rect plot_sdl_rect(const plot_rect *r);
void plot_set_colour(plot *p, plot_colour c);
/* A filled rectangle; nothing when w or h <= 0. */
void plot_fill(plot *p, int x, int y, int w, int h);
void plot_fill_rect(plot *p, const plot_rect *r);
/* Clip drawing to r (NULL: no clipping). */
void plot_clip(plot *p, const plot_rect *r);
/* Width of grid lines, frames and ticks: 1 px, 2 px on big (supersampled) pictures. */
int plot_hair(const plot *p);
/* Width of the data lines. */
int plot_stroke(const plot *p);
/* A frame just outside `in` (its data rectangle stays clear). */
void plot_frame_rect(plot *p, const plot_rect *in);
/* Room for n points in p->pts / n rectangles in p->rects; false when memory is short. */
bool plot_reserve_points(plot *p, size_t n);
bool plot_reserve_rects(plot *p, size_t n);
/* A polyline of the first n points of p->pts, `thick` pixels wide (p->pts kept). */
void plot_polyline(plot *p, size_t n, int thick);
/* Horizontal dashed line over [x0, x1), `thick` pixels from y down. */
void plot_dashed_hline(plot *p, int x0, int x1, int y, int dash, int gap, int thick);
void plot_triangle(plot *p, plot_colour c, float x0, float y0, float x1, float y1, float x2,
                   float y2);
/* Diagonal hatching over rc, lines `spacing` pixels apart; leaves the clip at rc. */
void plot_hatch(plot *p, const SDL_Rect *rc, int spacing);
/* A flag on a pole `2 × size` high, its top at `top`. */
void plot_flag(plot *p, plot_colour c, int x, int top, int size);
/* A value for a label: no trailing zeros ("2.5", "10", "0.25"). */
void plot_format_value(char *buf, size_t len, double v);
/* Floor division of clock minutes (negative ones too). */
int64_t plot_floor_div(int64_t a, int64_t b);

/* ---- plot_series.c: the data of the columns ------------------------------------------- */

/*
 * The polyline of a series through the columns into p->pts: first, the extremes, last;
 * `step` holds the last value until the column's data ends. Returns the point count; 0 when
 * memory is short.
 */
size_t plot_build_line(plot *p, const plot_layout *l, plot_series series, bool step);
/* Filled area under a series (its column maxima) down to the panel's bottom. */
void plot_fill_under(plot *p, const plot_layout *l, plot_series series, const plot_rect *panel);
/* Zero basal (suspended, stopped, 0 U/h): shaded, hatched and named; clips to the basal
 * panel. */
void plot_draw_zero_basal(plot *p, const plot_layout *l);
/* CGM readings: dots, or bars over a column's range of readings. */
void plot_draw_cgm(plot *p, const plot_layout *l);

/* ---- plot_marks.c: what happened, from the trace's markers ---------------------------- */

/* Bolus bars with their units (close ones summed); clip to the insulin panel first. */
void plot_draw_boluses(plot *p, const plot_layout *l, const trace *t);
/* Meal triangles with their grams; clip to the glucose panel first. */
void plot_draw_meals(plot *p, const plot_layout *l, const trace *t);
/* Alarm and fault flags on the time axis, dotted lines up through the panels, labels. */
void plot_draw_alarms(plot *p, const plot_layout *l, const trace *t);
/* Sensor faults and gaps in the CGM readings, shaded over the glucose panel and named;
 * clip to the glucose panel first. */
void plot_draw_sensor_faults(plot *p, const plot_layout *l, const trace *t);

/* ---- plot_long.c: the picture of a run of 14 days or more ----------------------------- */

enum { PLOT_LONG_MIN = 14 * 1440 };

/* The long-run picture of view `v` (title, footer) from the trace's profile. False when the
 * area is too small. */
bool plot_draw_long(plot *p, const trace *t, const plot_view *v);

/* ---- plot_axes.c: grids, ticks, labels, titles, legend, footer ------------------------ */

/* A value label left of a panel. */
typedef struct plot_y_label {
	double value;
	int y;
	plot_colour colour;
} plot_y_label;

enum { PLOT_Y_LABELS_MAX = 16 };

/*
 * The glucose panel's horizontal grid (every 100 mg/dL inside the range) and its labels,
 * in priority order: 70, 180, 54, 250, the hundreds, the range's ends. Returns how many
 * labels were written to `labels` (PLOT_Y_LABELS_MAX of room).
 */
size_t plot_glucose_grid(plot *p, const plot_layout *l, plot_y_label *labels);
/* Value grid lines of a 0 … hi panel (not at 0 and hi). */
void plot_value_grid(plot *p, const plot_rect *panel, double hi,
                     int (*y_of)(const plot_layout *, double), const plot_layout *l);
/* Value labels of a 0 … hi panel. */
void plot_value_labels(plot *p, const plot_rect *panel, double hi,
                       int (*y_of)(const plot_layout *, double), const plot_layout *l);
/* Labels left of a panel, in priority order, leaving out those that would overlap. */
void plot_draw_y_labels(plot *p, const plot_rect *panel, const plot_y_label *labels, size_t n);
/* Vertical grid lines at the major time ticks and (darker) at midnight. */
void plot_draw_vertical_grid(plot *p, const plot_layout *l, int start_clock);
/* The time axis under the panels: ticks, HH:MM labels, day names. */
void plot_draw_time_axis(plot *p, const plot_layout *l, int start_clock);
/* Title above a panel, then `extra` (may be NULL) dimmer on the same line if it fits. */
void plot_draw_panel_title(plot *p, const plot_rect *panel, const char *title, const char *extra);
/* The top line: `title` (may be NULL), then as many legend entries as fit. */
void plot_draw_legend(plot *p, const plot_layout *l, const char *title);
/* The footer lines of v under the time labels (plot_draw.c and plot_long.c). */
void plot_draw_footer(plot *p, const plot_rect *area, const char *footer);

#endif
