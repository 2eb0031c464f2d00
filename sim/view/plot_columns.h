/*
 * plot_columns — the rows of a trace folded into one bucket per pixel column of the plot, and
 * the window's statistics. What a frame draws is built from the buckets, not the rows: a
 * 7-day window at 1 000 px is ~1 000 line vertices instead of 10 080, and a frame costs the
 * same whatever the window.
 *
 * Each bucket keeps, per series (true BG, insulin on board, basal rate), the first, lowest,
 * highest and last value of its rows, the range of its CGM readings, and whether the basal
 * was zero (and why). The cache is keyed by the trace, the window and the panel geometry;
 * plot_columns_sync folds only the rows appended since the last call.
 *
 * Pure: no SDL, no I/O; memory only for the buckets (freed by plot_columns_free).
 */
#ifndef FAKEPUMP_PLOT_COLUMNS_H
#define FAKEPUMP_PLOT_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plot_layout.h"
#include "trace.h"

/* Why the basal of a column was zero (bits; a column may have several). */
enum {
	PLOT_ZERO_PAUSED = 1,  /* therapy paused (suspended) */
	PLOT_ZERO_STOPPED = 2, /* therapy stopped */
	PLOT_ZERO_RATE = 4,    /* running at 0 U/h (a 0 % temp basal) */
};

/* The series a line is drawn for. */
typedef enum plot_series {
	PLOT_SERIES_BG = 0, /* true (plasma) glucose, mg/dL */
	PLOT_SERIES_IOB,    /* insulin on board, U */
	PLOT_SERIES_BASAL,  /* basal rate in force, U/h */
} plot_series;

typedef struct plot_column {
	int64_t last_t; /* minute of the newest row in the column */
	float bg_first, bg_min, bg_max, bg_last;
	float cgm_min, cgm_max;
	float iob_first, iob_min, iob_max, iob_last;
	float basal_first, basal_min, basal_max, basal_last;
	uint32_t rows, cgm_count;
	uint8_t zero; /* PLOT_ZERO_* */
} plot_column;

typedef struct plot_columns {
	const trace *t;
	int64_t from, to;
	int x0, w;         /* cols[c] is pixel column x0 + c */
	plot_column *cols; /* w of them */
	int cols_cap;
	size_t next_row; /* rows before this index are folded (or outside the window) */
	int64_t check_t; /* t_min and BG of row next_row - 1, to notice another trace */
	double check_bg;
	plot_extents ext; /* of the rows folded */
	/* statistics of the window's rows */
	size_t n, in_range, below_70, below_54, above_180, above_250;
	double bg_sum, insulin_u, carbs_g;
} plot_columns;

/*
 * Bring `cc` (zeroed, or used before) up to date with `t` over the layout's window: a new
 * trace, window or panel geometry starts again; otherwise only rows appended since are
 * folded. False when memory is short (the cache is as it was).
 */
bool plot_columns_sync(plot_columns *cc, const trace *t, const plot_layout *l);

/* Frees the buckets; `cc` may be synced again afterwards. */
void plot_columns_free(plot_columns *cc);

/* First, lowest, highest and last value of a series in a column. */
void plot_column_values(const plot_column *c, plot_series series, float v[4]);

/* Pixel row of a value of a series in its panel. */
int plot_y_of_series(const plot_layout *l, plot_series series, double v);

/* Where the data of column `col` at pixel x ends: the start of the minute after its newest
 * row (at least x + 1). */
int plot_column_end_x(const plot_layout *l, const plot_column *col, int x);

#endif
