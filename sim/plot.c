/*
 * plot — see plot.h.
 *
 * Drawing order (back to front): panel backgrounds, the future, target band, grid, zero-basal
 * shading, basal, insulin on board, boluses, CGM dots, the 54/250 lines, true glucose, meals,
 * alarm flags, frames, labels, legend. The true glucose line is drawn over the CGM dots so
 * the truth is never hidden by the sensor.
 *
 * Rows are folded into one bucket per pixel column (first, min, max, last of each series):
 * a 7-day window at 1 000 px is then ~1 000 line vertices instead of 10 080, and a frame
 * costs the same whatever the window. The buckets live in a cache keyed by the trace, the
 * window and the panel geometry; frames after the first fold only the rows appended since.
 * Colours are opaque (no alpha blending), so the tests can expect exact pixel values.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_image.h>
#include <SDL_ttf.h>

#include "clock.h"
#include "plot.h"
#include "pump_model.h"

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
};

SDL_Color plot_colour_rgb(plot_colour c)
{
	if ((int)c < 0 || c >= PLOT_COLOUR_COUNT)
		return palette[PLOT_COLOUR_TEXT];
	return palette[c];
}

const char *plot_annunciation_label(int type)
{
	/* Human words for the screen; pump_annunciation_name gives the stable identifiers. */
	switch (type) {
	case PUMP_ANN_OCCLUSION:
		return "Occlusion";
	case PUMP_ANN_RESERVOIR_EMPTY:
		return "Reservoir empty";
	case PUMP_ANN_RESERVOIR_LOW:
		return "Reservoir low";
	case PUMP_ANN_BATTERY_EMPTY:
		return "Battery empty";
	case PUMP_ANN_BATTERY_LOW:
		return "Battery low";
	case PUMP_ANN_BOLUS_CANCELED:
		return "Bolus canceled";
	case PUMP_ANN_TBR_OVER:
		return "Temp basal over";
	case PUMP_ANN_TBR_CANCELED:
		return "Temp basal canceled";
	case PUMP_ANN_MAX_DELIVERY:
		return "Max delivery";
	case PUMP_ANN_LOW_GLUCOSE_SUSPEND:
		return "Low glucose suspend";
	case PUMP_ANN_LOW_GLUCOSE_RESUME:
		return "Low glucose resume";
	case PUMP_ANN_NEW_BOND:
		return "New phone paired";
	case PUMP_ANN_PAIRING_ATTEMPTS:
		return "Pairing attempts";
	default:
		return NULL;
	}
}

/* ---------------------------------------------------------------------------------- */
/* Layout and coordinate mapping                                                        */
/* ---------------------------------------------------------------------------------- */

/* What the vertical scales depend on: the data in the window. */
typedef struct extents {
	double bg_min, bg_max; /* true BG and CGM; min > max when there is none */
	double insulin_max_u;  /* IOB and boluses */
	double basal_max_u_per_h;
} extents;

static const extents no_extents = {INFINITY, -INFINITY, 0.0, 0.0};

/* The smallest of 1, 2, 2.5, 5 × 10^k that is >= x (x > 0). */
static double nice_ceil(double x)
{
	if (!(x > 0.0) || !isfinite(x))
		return 1.0;
	double k = pow(10.0, floor(log10(x)));
	static const double m[] = {1.0, 2.0, 2.5, 5.0, 10.0};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (m[i] * k >= x * (1.0 - 1e-12))
			return m[i] * k;
	return 10.0 * k;
}

/* Horizontal geometry and panel heights: depends on the view and the text size only. */
static bool layout_frame(const plot_view *v, int f, plot_layout *l)
{
	memset(l, 0, sizeof *l);
	if (!v || v->to_min <= v->from_min || f <= 0)
		return false;
	const SDL_Rect a = v->area;
	const int left = (f * 9) / 2, right = (f * 3) / 2;
	const int legend_h = (f * 12) / 5, alarms_h = (f * 9) / 5, labels_h = (f * 14) / 5;
	const int title_h = (f * 17) / 10, gap = f / 2;
	const int avail = a.h - legend_h - alarms_h - labels_h - 3 * title_h - 2 * gap - 6;
	const int width = a.w - left - right;
	if (avail < 9 * f || width < 10 * f)
		return false;
	const int gh = (avail * 56) / 100, ih = (avail * 24) / 100, bh = avail - gh - ih;
	const int x = a.x + left;

	l->area = a;
	l->font_px = f;
	l->from_min = v->from_min;
	l->to_min = v->to_min;
	l->legend = (SDL_Rect){a.x, a.y, a.w, legend_h};
	/* Each panel: a title line, then the framed data rectangle. */
	int y = a.y + legend_h + title_h + 1;
	l->glucose = (SDL_Rect){x, y, width, gh};
	y += gh + 1 + gap + title_h + 1;
	l->insulin = (SDL_Rect){x, y, width, ih};
	y += ih + 1 + gap + title_h + 1;
	l->basal = (SDL_Rect){x, y, width, bh};
	y += bh + 1;
	l->alarms = (SDL_Rect){x, y, width, alarms_h};
	l->time_labels = (SDL_Rect){x, y + alarms_h, width, labels_h};
	return true;
}

static void layout_scales(plot_layout *l, const extents *e)
{
	/* 40–350 mg/dL as the AGP report draws it, widened only for data outside. */
	l->bg_lo_mgdl = 40.0;
	l->bg_hi_mgdl = 350.0;
	if (e->bg_min <= e->bg_max) {
		if (e->bg_min < 40.0)
			l->bg_lo_mgdl = fmax(0.0, 10.0 * floor((e->bg_min - 5.0) / 10.0));
		if (e->bg_max > 340.0)
			l->bg_hi_mgdl = fmin(1000.0, 50.0 * ceil((e->bg_max + 10.0) / 50.0));
	}
	l->insulin_hi_u = nice_ceil(fmax(2.0, e->insulin_max_u * 1.15));
	l->basal_hi_u_per_h = nice_ceil(fmax(1.0, e->basal_max_u_per_h * 1.25));
}

static void extents_add_markers(extents *e, const trace *t, int64_t from, int64_t to)
{
	size_t first = 0;
	size_t n = trace_markers_in(t, from, to, &first);
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind == TRACE_MARK_BOLUS && m->amount > e->insulin_max_u)
			e->insulin_max_u = m->amount;
	}
}

static void extents_add_row(extents *e, const engine_row *r)
{
	if (r->bg_mgdl < e->bg_min)
		e->bg_min = r->bg_mgdl;
	if (r->bg_mgdl > e->bg_max)
		e->bg_max = r->bg_mgdl;
	if (r->has_cgm) {
		if (r->cgm_mgdl < e->bg_min)
			e->bg_min = r->cgm_mgdl;
		if (r->cgm_mgdl > e->bg_max)
			e->bg_max = r->cgm_mgdl;
	}
	if (r->iob_u > e->insulin_max_u)
		e->insulin_max_u = r->iob_u;
	if (r->basal_u_per_h > e->basal_max_u_per_h)
		e->basal_max_u_per_h = r->basal_u_per_h;
}

bool plot_compute_layout(const trace *t, const plot_view *v, int font_px, plot_layout *out)
{
	if (!out || !layout_frame(v, font_px, out))
		return false;
	extents e = no_extents;
	size_t first = 0;
	size_t n = trace_rows_in(t, v->from_min, v->to_min, &first);
	for (size_t i = first; i < first + n; i++)
		extents_add_row(&e, trace_row(t, i));
	extents_add_markers(&e, t, v->from_min, v->to_min);
	layout_scales(out, &e);
	return true;
}

int plot_x_of_min(const plot_layout *l, double t_min)
{
	const double span = (double)(l->to_min - l->from_min);
	double x = (double)l->glucose.x +
	           floor((t_min - (double)l->from_min) * (double)l->glucose.w / span);
	if (x < (double)INT_MIN / 2)
		return INT_MIN / 2;
	if (x > (double)INT_MAX / 2)
		return INT_MAX / 2;
	return (int)x;
}

static int y_in(const SDL_Rect *panel, double value, double lo, double hi)
{
	if (!(value == value))
		value = lo;
	double frac = (value - lo) / (hi - lo);
	if (frac < 0.0)
		frac = 0.0;
	if (frac > 1.0)
		frac = 1.0;
	return panel->y + panel->h - 1 - (int)lround(frac * (double)(panel->h - 1));
}

int plot_y_of_bg(const plot_layout *l, double bg_mgdl)
{
	return y_in(&l->glucose, bg_mgdl, l->bg_lo_mgdl, l->bg_hi_mgdl);
}

int plot_y_of_insulin(const plot_layout *l, double units)
{
	return y_in(&l->insulin, units, 0.0, l->insulin_hi_u);
}

int plot_y_of_basal(const plot_layout *l, double rate_u_per_h)
{
	return y_in(&l->basal, rate_u_per_h, 0.0, l->basal_hi_u_per_h);
}

/* ---------------------------------------------------------------------------------- */
/* Column cache                                                                         */
/* ---------------------------------------------------------------------------------- */

enum {
	ZERO_PAUSED = 1,  /* therapy paused (suspended) */
	ZERO_STOPPED = 2, /* therapy stopped */
	ZERO_RATE = 4,    /* running at 0 U/h (a 0 % temp basal) */
};

typedef struct column {
	int64_t last_t; /* minute of the newest row in the column */
	float bg_first, bg_min, bg_max, bg_last;
	float cgm_min, cgm_max;
	float iob_first, iob_min, iob_max, iob_last;
	float basal_first, basal_min, basal_max, basal_last;
	uint32_t rows, cgm_count;
	uint8_t zero;
} column;

typedef struct column_cache {
	const trace *t;
	int64_t from, to;
	int x0, w;
	column *cols;
	int cols_cap;
	size_t next_row; /* rows before this index are folded (or outside the window) */
	int64_t check_t; /* t_min and BG of row next_row - 1, to notice another trace */
	double check_bg;
	extents ext;
	/* statistics of the window's rows */
	size_t n, in_range, below_70, below_54, above_180, above_250;
	double bg_sum, insulin_u, carbs_g;
} column_cache;

static void fold_row(column_cache *cc, const plot_layout *l, const engine_row *r)
{
	int c = plot_x_of_min(l, (double)r->t_min) - cc->x0;
	if (c < 0 || c >= cc->w)
		return;
	column *col = &cc->cols[c];
	const float bg = (float)r->bg_mgdl, iob = (float)r->iob_u, basal = (float)r->basal_u_per_h;
	if (col->rows == 0) {
		col->bg_first = col->bg_min = col->bg_max = bg;
		col->iob_first = col->iob_min = col->iob_max = iob;
		col->basal_first = col->basal_min = col->basal_max = basal;
	} else {
		col->bg_min = fminf(col->bg_min, bg);
		col->bg_max = fmaxf(col->bg_max, bg);
		col->iob_min = fminf(col->iob_min, iob);
		col->iob_max = fmaxf(col->iob_max, iob);
		col->basal_min = fminf(col->basal_min, basal);
		col->basal_max = fmaxf(col->basal_max, basal);
	}
	col->bg_last = bg;
	col->iob_last = iob;
	col->basal_last = basal;
	col->last_t = r->t_min;
	col->rows++;
	if (r->has_cgm) {
		const float cgm = (float)r->cgm_mgdl;
		if (col->cgm_count == 0) {
			col->cgm_min = col->cgm_max = cgm;
		} else {
			col->cgm_min = fminf(col->cgm_min, cgm);
			col->cgm_max = fmaxf(col->cgm_max, cgm);
		}
		col->cgm_count++;
	}
	if (r->therapy_state == PUMP_THERAPY_PAUSE)
		col->zero |= ZERO_PAUSED;
	else if (r->therapy_state == PUMP_THERAPY_STOP)
		col->zero |= ZERO_STOPPED;
	else if (!(r->basal_u_per_h > 0.0))
		col->zero |= ZERO_RATE;

	extents_add_row(&cc->ext, r);
	cc->n++;
	cc->bg_sum += r->bg_mgdl;
	if (r->bg_mgdl >= 70.0 && r->bg_mgdl <= 180.0)
		cc->in_range++;
	if (r->bg_mgdl < 70.0)
		cc->below_70++;
	if (r->bg_mgdl < 54.0)
		cc->below_54++;
	if (r->bg_mgdl > 180.0)
		cc->above_180++;
	if (r->bg_mgdl > 250.0)
		cc->above_250++;
	cc->insulin_u += r->insulin_u_per_min;
	cc->carbs_g += r->meal_announced_g;
}

/* Bring the cache up to date with `t` over the layout's window; false when memory is short. */
static bool cache_sync(column_cache *cc, const trace *t, const plot_layout *l)
{
	const size_t count = trace_row_count(t);
	bool valid = cc->t == t && cc->from == l->from_min && cc->to == l->to_min &&
	             cc->x0 == l->glucose.x && cc->w == l->glucose.w && cc->next_row <= count;
	if (valid && cc->next_row > 0) {
		const engine_row *r = trace_row(t, cc->next_row - 1);
		valid = r->t_min == cc->check_t && r->bg_mgdl == cc->check_bg;
	}
	if (!valid) {
		if (l->glucose.w > cc->cols_cap) {
			column *c = realloc(cc->cols, (size_t)l->glucose.w * sizeof *c);
			if (!c)
				return false;
			cc->cols = c;
			cc->cols_cap = l->glucose.w;
		}
		column *cols = cc->cols;
		const int cap = cc->cols_cap;
		*cc = (column_cache){.t = t,
		                     .from = l->from_min,
		                     .to = l->to_min,
		                     .x0 = l->glucose.x,
		                     .w = l->glucose.w,
		                     .cols = cols,
		                     .cols_cap = cap,
		                     .ext = no_extents};
		memset(cc->cols, 0, (size_t)cc->w * sizeof *cc->cols);
		trace_rows_in(t, l->from_min, l->to_min, &cc->next_row);
	}
	size_t i = cc->next_row;
	for (; i < count; i++) {
		const engine_row *r = trace_row(t, i);
		if (r->t_min >= cc->to)
			break;
		fold_row(cc, l, r);
	}
	cc->next_row = i;
	if (i > 0) {
		const engine_row *r = trace_row(t, i - 1);
		cc->check_t = r->t_min;
		cc->check_bg = r->bg_mgdl;
	}
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* Fonts and the text cache                                                             */
/* ---------------------------------------------------------------------------------- */

enum { TEXT_SLOTS = 1024, TEXT_MAX_LIVE = 600 };

typedef struct text_entry {
	char *text; /* NULL: free slot */
	uint32_t hash;
	uint32_t colour;
	int font;
	SDL_Texture *tex;
	int w, h;
	uint64_t used;
} text_entry;

struct plot {
	SDL_Renderer *r;
	int font_px;
	TTF_Font *fonts[PLOT_FONT_COUNT];
	text_entry *slots; /* TEXT_SLOTS, open addressing */
	size_t live;
	uint64_t frame;
	column_cache cc;
	SDL_Point *pts;
	size_t pts_cap;
	SDL_Rect *rects;
	size_t rects_cap;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a ? a : "", b ? b : "");
}

/* Known places of DejaVu Sans: Debian/Ubuntu, Fedora, Arch, openSUSE, local installs. */
static const char *const font_dirs[] = {
    "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",          "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype",        "/usr/local/share/fonts",
};

static bool file_readable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fclose(f);
	return true;
}

/* Full path of `name` in the first known directory that has it; false when none does. */
static bool find_font(const char *name, char *out, size_t outlen)
{
	for (size_t i = 0; i < sizeof font_dirs / sizeof font_dirs[0]; i++) {
		int n = snprintf(out, outlen, "%s/%s", font_dirs[i], name);
		if (n > 0 && (size_t)n < outlen && file_readable(out))
			return true;
	}
	return false;
}

static const int font_scale_pct[PLOT_FONT_COUNT] = {100, 118, 118, 165, 360};

plot *plot_new(SDL_Renderer *r, int font_px, char *err, size_t errlen)
{
	if (!r) {
		set_err(err, errlen, "plot: no renderer%s%s", NULL, NULL);
		return NULL;
	}
	if (font_px == 0)
		font_px = 13;
	if (font_px < 8 || font_px > 96) {
		set_err(err, errlen, "plot: text size out of range (8 … 96 px)%s%s", NULL, NULL);
		return NULL;
	}
	char regular[512], bold[512];
	const char *env = getenv("FAKEPUMP_FONT");
	if (env && *env) {
		if (!file_readable(env)) {
			set_err(err, errlen, "plot: FAKEPUMP_FONT=%s: cannot read the file%s", env,
			        NULL);
			return NULL;
		}
		snprintf(regular, sizeof regular, "%s", env);
		snprintf(bold, sizeof bold, "%s", env); /* bold is then synthesised */
	} else if (!find_font("DejaVuSans.ttf", regular, sizeof regular)) {
		set_err(err, errlen,
		        "no font: DejaVuSans.ttf not found in /usr/share/fonts/truetype/dejavu and "
		        "other known places; install fonts-dejavu-core or set FAKEPUMP_FONT to a "
		        ".ttf file%s%s",
		        NULL, NULL);
		return NULL;
	} else if (!find_font("DejaVuSans-Bold.ttf", bold, sizeof bold)) {
		snprintf(bold, sizeof bold, "%s", regular);
	}

	plot *p = calloc(1, sizeof *p);
	if (!p || !(p->slots = calloc(TEXT_SLOTS, sizeof *p->slots))) {
		free(p);
		set_err(err, errlen, "plot: out of memory%s%s", NULL, NULL);
		return NULL;
	}
	p->r = r;
	p->font_px = font_px;
	if (TTF_Init() != 0) {
		set_err(err, errlen, "plot: cannot start SDL_ttf: %s%s", TTF_GetError(), NULL);
		free(p->slots);
		free(p);
		return NULL;
	}
	for (int i = 0; i < PLOT_FONT_COUNT; i++) {
		const bool is_bold = i >= PLOT_FONT_BOLD;
		const char *path = is_bold ? bold : regular;
		int px = (font_px * font_scale_pct[i] + 50) / 100;
		p->fonts[i] = TTF_OpenFont(path, px);
		if (!p->fonts[i]) {
			set_err(err, errlen, "plot: cannot open font %s: %s", path, TTF_GetError());
			plot_free(p);
			return NULL;
		}
		if (is_bold && strcmp(bold, regular) == 0)
			TTF_SetFontStyle(p->fonts[i], TTF_STYLE_BOLD);
		TTF_SetFontHinting(p->fonts[i], TTF_HINTING_LIGHT);
	}
	return p;
}

static void text_cache_clear(plot *p)
{
	for (size_t i = 0; i < TEXT_SLOTS; i++) {
		text_entry *e = &p->slots[i];
		if (e->text) {
			free(e->text);
			SDL_DestroyTexture(e->tex);
		}
	}
	memset(p->slots, 0, TEXT_SLOTS * sizeof *p->slots);
	p->live = 0;
}

void plot_free(plot *p)
{
	if (!p)
		return;
	text_cache_clear(p);
	free(p->slots);
	for (int i = 0; i < PLOT_FONT_COUNT; i++)
		if (p->fonts[i])
			TTF_CloseFont(p->fonts[i]);
	TTF_Quit(); /* reference counted: balances the TTF_Init of plot_new */
	free(p->cc.cols);
	free(p->pts);
	free(p->rects);
	free(p);
}

int plot_font_px(const plot *p)
{
	return p->font_px;
}

int plot_line_height(const plot *p, plot_font font)
{
	if ((int)font < 0 || font >= PLOT_FONT_COUNT)
		return 0;
	return TTF_FontLineSkip(p->fonts[font]);
}

static uint32_t hash_text(const char *s, int font, uint32_t colour)
{
	uint32_t h = 2166136261u ^ (uint32_t)font * 16777619u ^ colour;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint32_t pack(SDL_Color c)
{
	return (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
}

static text_entry *slot_for(text_entry *slots, uint32_t hash, int font, uint32_t colour,
                            const char *text)
{
	size_t i = hash & (TEXT_SLOTS - 1);
	for (;;) {
		text_entry *e = &slots[i];
		if (!e->text || (e->hash == hash && e->font == font && e->colour == colour &&
		                 strcmp(e->text, text) == 0))
			return e;
		i = (i + 1) & (TEXT_SLOTS - 1);
	}
}

/* Drop the entries not used in this frame; rebuilds the table (open addressing). */
static void text_cache_evict(plot *p)
{
	text_entry *old = p->slots;
	text_entry *fresh = calloc(TEXT_SLOTS, sizeof *fresh);
	if (!fresh) {
		text_cache_clear(p);
		return;
	}
	p->live = 0;
	for (size_t i = 0; i < TEXT_SLOTS; i++) {
		text_entry *e = &old[i];
		if (!e->text)
			continue;
		if (e->used == p->frame && p->live < TEXT_MAX_LIVE / 2) {
			*slot_for(fresh, e->hash, e->font, e->colour, e->text) = *e;
			p->live++;
		} else {
			free(e->text);
			SDL_DestroyTexture(e->tex);
		}
	}
	free(old);
	p->slots = fresh;
}

static const text_entry *text_get(plot *p, plot_font font, SDL_Color colour, const char *text)
{
	if (!text || !*text || (int)font < 0 || font >= PLOT_FONT_COUNT)
		return NULL;
	const uint32_t c = pack(colour), h = hash_text(text, (int)font, c);
	text_entry *e = slot_for(p->slots, h, (int)font, c, text);
	if (e->text) {
		e->used = p->frame;
		return e;
	}
	if (p->live >= TEXT_MAX_LIVE) {
		text_cache_evict(p);
		e = slot_for(p->slots, h, (int)font, c, text);
	}
	SDL_Surface *s = TTF_RenderUTF8_Blended(p->fonts[font], text, colour);
	if (!s)
		return NULL;
	SDL_Texture *tex = SDL_CreateTextureFromSurface(p->r, s);
	const int w = s->w, hh = s->h;
	SDL_FreeSurface(s);
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (!tex || !copy) {
		if (tex)
			SDL_DestroyTexture(tex);
		free(copy);
		return NULL;
	}
	memcpy(copy, text, n + 1);
	*e = (text_entry){.text = copy,
	                  .hash = h,
	                  .colour = c,
	                  .font = (int)font,
	                  .tex = tex,
	                  .w = w,
	                  .h = hh,
	                  .used = p->frame};
	p->live++;
	return e;
}

int plot_text(plot *p, plot_font font, SDL_Color colour, int x, int y, plot_align align,
              const char *text, SDL_Rect *box)
{
	const text_entry *e = text_get(p, font, colour, text);
	if (!e) {
		if (box)
			*box = (SDL_Rect){x, y, 0, 0};
		return 0;
	}
	SDL_Rect d = {x, y, e->w, e->h};
	if (align == PLOT_ALIGN_CENTRE)
		d.x -= e->w / 2;
	else if (align == PLOT_ALIGN_RIGHT)
		d.x -= e->w;
	SDL_RenderCopy(p->r, e->tex, NULL, &d);
	if (box)
		*box = d;
	return e->w;
}

bool plot_text_size(plot *p, plot_font font, const char *text, int *w, int *h)
{
	if ((int)font < 0 || font >= PLOT_FONT_COUNT || !text)
		return false;
	return TTF_SizeUTF8(p->fonts[font], text, w, h) == 0;
}

/* ---------------------------------------------------------------------------------- */
/* Drawing helpers                                                                      */
/* ---------------------------------------------------------------------------------- */

static void colour(plot *p, plot_colour c)
{
	const SDL_Color k = palette[c];
	SDL_SetRenderDrawColor(p->r, k.r, k.g, k.b, k.a);
}

static void fill(plot *p, int x, int y, int w, int h)
{
	if (w <= 0 || h <= 0)
		return;
	SDL_Rect rc = {x, y, w, h};
	SDL_RenderFillRect(p->r, &rc);
}

/* Width of grid lines, frames and ticks: 1 px, 2 px on big (supersampled) pictures. */
static int hair(const plot *p)
{
	return p->font_px >= 24 ? 2 : 1;
}

/* Width of the data lines. */
static int stroke(const plot *p)
{
	return p->font_px >= 24 ? (p->font_px + 3) / 7 : 2;
}

/* A frame just outside `in` (its data rectangle stays clear). */
static void frame_rect(plot *p, const SDL_Rect *in)
{
	for (int i = 1; i <= hair(p); i++) {
		SDL_Rect rc = {in->x - i, in->y - i, in->w + 2 * i, in->h + 2 * i};
		SDL_RenderDrawRect(p->r, &rc);
	}
}

static bool reserve_points(plot *p, size_t n)
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

static bool reserve_rects(plot *p, size_t n)
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

/* A polyline `thick` pixels wide: drawn again shifted down and right (p->pts in place). */
static void polyline(plot *p, size_t n, int thick)
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

/* Horizontal dashed line over [x0, x1), `thick` pixels from y down. */
static void dashed_hline(plot *p, int x0, int x1, int y, int dash, int gap, int thick)
{
	size_t n = 0;
	const size_t max = (size_t)((x1 - x0) / (dash + gap) + 2);
	if (x1 <= x0 || !reserve_rects(p, max))
		return;
	for (int x = x0; x < x1 && n < max; x += dash + gap) {
		int w = x + dash <= x1 ? dash : x1 - x;
		p->rects[n++] = (SDL_Rect){x, y, w, thick};
	}
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}

static void triangle(plot *p, plot_colour c, float x0, float y0, float x1, float y1, float x2,
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

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Format a value for an axis label: no trailing zeros ("2.5", "10", "0.25"). */
static void format_value(char *buf, size_t len, double v)
{
	if (fabs(v - round(v)) < 1e-9)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v * 10.0 - round(v * 10.0)) < 1e-9)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

/* ---------------------------------------------------------------------------------- */
/* Plot parts                                                                           */
/* ---------------------------------------------------------------------------------- */

typedef struct time_ticks {
	int64_t major_min; /* labelled ticks and grid lines, clock minutes */
	int64_t minor_min; /* small tick marks; 0 = none */
} time_ticks;

static time_ticks choose_ticks(const plot_layout *l)
{
	static const int64_t steps[] = {15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080};
	const double px_per_min = (double)l->glucose.w / (double)(l->to_min - l->from_min);
	const double min_major_px = 5.0 * l->font_px, min_minor_px = 0.9 * l->font_px;
	time_ticks tt = {steps[sizeof steps / sizeof steps[0] - 1], 0};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if ((double)steps[i] * px_per_min >= min_major_px) {
			tt.major_min = steps[i];
			break;
		}
	}
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (steps[i] < tt.major_min && tt.major_min % steps[i] == 0 &&
		    (double)steps[i] * px_per_min >= min_minor_px) {
			tt.minor_min = steps[i];
			break;
		}
	}
	return tt;
}

static void draw_vertical_grid(plot *p, const plot_layout *l, int start_clock)
{
	const time_ticks tt = choose_ticks(l);
	const SDL_Rect *panels[] = {&l->glucose, &l->insulin, &l->basal};
	const int64_t c0 = l->from_min + start_clock, c1 = l->to_min + start_clock;
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0: grid lines at major ticks; pass 1: the day boundaries over them. */
		const int64_t step = pass == 0 ? tt.major_min : 1440;
		colour(p, pass == 0 ? PLOT_COLOUR_GRID : PLOT_COLOUR_GRID_DAY);
		for (int64_t c = floor_div(c0 + step - 1, step) * step; c < c1; c += step) {
			if (pass == 0 && c % 1440 == 0)
				continue;
			const int x = plot_x_of_min(l, (double)(c - start_clock));
			for (size_t k = 0; k < 3; k++)
				fill(p, x, panels[k]->y, hair(p), panels[k]->h);
		}
	}
}

static void draw_time_axis(plot *p, const plot_layout *l, int start_clock)
{
	const time_ticks tt = choose_ticks(l);
	const SDL_Color text = palette[PLOT_COLOUR_TEXT], dim = palette[PLOT_COLOUR_TEXT_DIM];
	const int64_t c0 = l->from_min + start_clock, c1 = l->to_min + start_clock;
	const int y_axis = l->alarms.y + l->alarms.h;
	const int tick = l->font_px / 3 + 1;
	const int line2 = l->time_labels.y + tick + plot_line_height(p, PLOT_FONT_SMALL);

	colour(p, PLOT_COLOUR_FRAME);
	fill(p, l->glucose.x - 1, y_axis, l->glucose.w + 2, hair(p));
	if (tt.minor_min) {
		for (int64_t c = floor_div(c0 + tt.minor_min - 1, tt.minor_min) * tt.minor_min;
		     c < c1; c += tt.minor_min)
			fill(p, plot_x_of_min(l, (double)(c - start_clock)), y_axis, hair(p),
			     tick / 2 + 1);
	}
	int last_right = INT_MIN;
	for (int64_t c = floor_div(c0 + tt.major_min - 1, tt.major_min) * tt.major_min; c < c1;
	     c += tt.major_min) {
		const int x = plot_x_of_min(l, (double)(c - start_clock));
		colour(p, PLOT_COLOUR_FRAME);
		fill(p, x, y_axis, hair(p), tick);
		if (tt.major_min >= 1440)
			continue; /* day labels only */
		const int64_t m = c - floor_div(c, 1440) * 1440;
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
	for (int64_t d = floor_div(c0, 1440); d * 1440 < c1; d++) {
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

/* Labels left of a panel, centred on their values, skipping those that would overlap. */
typedef struct y_label {
	double value;
	int y;
	plot_colour colour;
} y_label;

static void draw_y_labels(plot *p, const SDL_Rect *panel, y_label *labels, size_t n)
{
	/* In priority order: a label is drawn when it does not overlap one drawn before. */
	int drawn_top[16], drawn_bottom[16];
	size_t drawn = 0;
	const int lh = plot_line_height(p, PLOT_FONT_SMALL);
	for (size_t i = 0; i < n && drawn < 16; i++) {
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
		format_value(buf, sizeof buf, labels[i].value);
		plot_text(p, PLOT_FONT_SMALL, palette[labels[i].colour], panel->x - l_pad(p), top,
		          PLOT_ALIGN_RIGHT, buf, NULL);
		colour(p, PLOT_COLOUR_FRAME);
		fill(p, panel->x - 1 - p->font_px / 3, labels[i].y, p->font_px / 3, hair(p));
		drawn_top[drawn] = top;
		drawn_bottom[drawn] = bottom;
		drawn++;
	}
}

enum { SERIES_BG = 0, SERIES_IOB, SERIES_BASAL };

static void column_values(const column *c, int series, float v[4])
{
	switch (series) {
	case SERIES_BG:
		v[0] = c->bg_first, v[1] = c->bg_min, v[2] = c->bg_max, v[3] = c->bg_last;
		break;
	case SERIES_IOB:
		v[0] = c->iob_first, v[1] = c->iob_min, v[2] = c->iob_max, v[3] = c->iob_last;
		break;
	default:
		v[0] = c->basal_first, v[1] = c->basal_min, v[2] = c->basal_max;
		v[3] = c->basal_last;
		break;
	}
}

static int y_of_series(const plot_layout *l, int series, double v)
{
	switch (series) {
	case SERIES_BG:
		return plot_y_of_bg(l, v);
	case SERIES_IOB:
		return plot_y_of_insulin(l, v);
	default:
		return plot_y_of_basal(l, v);
	}
}

/* Where the data of a column ends: the start of the minute after its newest row. */
static int column_end_x(const plot_layout *l, const column *col, int x)
{
	const int e = plot_x_of_min(l, (double)(col->last_t + 1));
	return e > x + 1 ? e : x + 1;
}

/*
 * The polyline of a series through the columns: first, the extremes, last. `step`: hold
 * the last value until the column's data ends (a step plot). Returns the point count in
 * p->pts; 0 when memory is short.
 */
static size_t build_line(plot *p, const plot_layout *l, const column_cache *cc, int series,
                         bool step)
{
	if (!reserve_points(p, (size_t)cc->w * 5 + 1))
		return 0;
	size_t n = 0;
	for (int c = 0; c < cc->w; c++) {
		const column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		float v[4];
		column_values(col, series, v);
		const int x = cc->x0 + c;
		p->pts[n++] = (SDL_Point){x, y_of_series(l, series, v[0])};
		if (col->rows > 1 && v[1] != v[2]) {
			const bool rising = v[0] <= v[3];
			p->pts[n++] = (SDL_Point){x, y_of_series(l, series, rising ? v[1] : v[2])};
			p->pts[n++] = (SDL_Point){x, y_of_series(l, series, rising ? v[2] : v[1])};
		}
		const int y_last = y_of_series(l, series, v[3]);
		p->pts[n++] = (SDL_Point){x, y_last};
		if (step)
			p->pts[n++] = (SDL_Point){column_end_x(l, col, x), y_last};
	}
	return n;
}

/* Filled area under a series (its column maxima) down to the panel's bottom. */
static void fill_under(plot *p, const plot_layout *l, const column_cache *cc, int series,
                       const SDL_Rect *panel)
{
	if (!reserve_rects(p, (size_t)cc->w))
		return;
	size_t n = 0;
	const int bottom = panel->y + panel->h;
	for (int c = 0; c < cc->w; c++) {
		const column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		float v[4];
		column_values(col, series, v);
		if (!(v[2] > 0.0f))
			continue;
		const int x = cc->x0 + c, y = y_of_series(l, series, v[2]);
		p->rects[n++] = (SDL_Rect){x, y, column_end_x(l, col, x) - x, bottom - y};
	}
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}

static void hatch(plot *p, const SDL_Rect *rc, int spacing)
{
	SDL_RenderSetClipRect(p->r, rc);
	for (int x = rc->x - rc->h; x < rc->x + rc->w; x += spacing)
		for (int k = 0; k < hair(p); k++)
			SDL_RenderDrawLine(p->r, x + k, rc->y + rc->h, x + k + rc->h, rc->y);
}

static void draw_zero_run(plot *p, const plot_layout *l, int x0, int x1, uint8_t flags)
{
	const SDL_Rect *b = &l->basal;
	SDL_Rect rc = {x0, b->y, x1 - x0, b->h};
	colour(p, PLOT_COLOUR_SUSPENDED_FILL);
	SDL_RenderFillRect(p->r, &rc);
	colour(p, PLOT_COLOUR_SUSPENDED);
	hatch(p, &rc, l->font_px / 2 + 2);
	SDL_RenderSetClipRect(p->r, b);
	const char *what = (flags & ZERO_STOPPED)  ? "stopped"
	                   : (flags & ZERO_PAUSED) ? "suspended"
	                                           : "0 U/h";
	int w = 0, h = 0;
	plot_text_size(p, PLOT_FONT_SMALL, what, &w, &h);
	if (w + 6 <= rc.w && h + 4 <= rc.h) {
		colour(p, PLOT_COLOUR_PANEL);
		fill(p, x0 + 2, b->y + 2, w + 4, h);
		plot_text(p, PLOT_FONT_SMALL, palette[PLOT_COLOUR_SUSPENDED], x0 + 4, b->y + 2,
		          PLOT_ALIGN_LEFT, what, NULL);
	}
}

static void draw_zero_basal(plot *p, const plot_layout *l, const column_cache *cc)
{
	int run_x0 = -1, run_x1 = 0;
	uint8_t flags = 0;
	for (int c = 0; c < cc->w; c++) {
		const column *col = &cc->cols[c];
		if (!col->rows)
			continue;
		const int x = cc->x0 + c;
		if (col->zero) {
			if (run_x0 < 0) {
				run_x0 = x;
				flags = 0;
			}
			run_x1 = column_end_x(l, col, x);
			flags |= col->zero;
		} else if (run_x0 >= 0) {
			draw_zero_run(p, l, run_x0, run_x1, flags);
			run_x0 = -1;
		}
	}
	if (run_x0 >= 0)
		draw_zero_run(p, l, run_x0, run_x1, flags);
}

static void draw_cgm(plot *p, const plot_layout *l, const column_cache *cc)
{
	if (!reserve_rects(p, (size_t)cc->w * 2))
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
		const column *col = &cc->cols[c];
		if (!col->cgm_count)
			continue;
		const int x = cc->x0 + c;
		const int top = plot_y_of_bg(l, col->cgm_max),
		          bottom = plot_y_of_bg(l, col->cgm_min);
		/* A rounded dot (or a rounded bar spanning the column's readings). */
		p->rects[n++] = (SDL_Rect){x - r + 1, top - r, 2 * r - 1, bottom - top + 2 * r + 1};
		p->rects[n++] = (SDL_Rect){x - r, top - r + 1, 2 * r + 1, bottom - top + 2 * r - 1};
	}
	colour(p, PLOT_COLOUR_CGM);
	SDL_RenderFillRects(p->r, p->rects, (int)n);
}

static void draw_boluses(plot *p, const plot_layout *l, const trace *t)
{
	const SDL_Rect *ins = &l->insulin;
	const int bw = l->font_px / 3 + 2, bottom = ins->y + ins->h;
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	int last_label_right = INT_MIN;
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_BOLUS)
			continue;
		/* Boluses closer than a bar width share one bar (their sum). */
		const int x = plot_x_of_min(l, (double)m->t_min);
		double sum = m->amount;
		while (i + 1 < first + n) {
			const trace_marker *q = trace_marker_at(t, i + 1);
			if (q->kind != TRACE_MARK_BOLUS) {
				if (plot_x_of_min(l, (double)q->t_min) - x < bw) {
					i++;
					continue;
				}
				break;
			}
			if (plot_x_of_min(l, (double)q->t_min) - x >= bw)
				break;
			sum += q->amount;
			i++;
		}
		const int y = plot_y_of_insulin(l, sum);
		colour(p, PLOT_COLOUR_BOLUS);
		fill(p, x - bw / 2, y, bw, bottom - y);
		char buf[32], num[24];
		format_value(num, sizeof num, round(sum * 100.0) / 100.0);
		snprintf(buf, sizeof buf, "%s U", num);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		int ly = y - h;
		int lx = x - w / 2;
		if (ly < ins->y) { /* no room above the bar: beside it */
			ly = ins->y + 1;
			lx = x + bw / 2 + 2;
		}
		if (lx < last_label_right + 4 || lx + w > ins->x + ins->w)
			continue;
		plot_text(p, PLOT_FONT_SMALL, palette[PLOT_COLOUR_TEXT], lx, ly, PLOT_ALIGN_LEFT,
		          buf, NULL);
		last_label_right = lx + w;
	}
}

static void draw_meals(plot *p, const plot_layout *l, const trace *t)
{
	const SDL_Rect *g = &l->glucose;
	const float s = (float)l->font_px * 0.55f;
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	int last_label_right = INT_MIN;
	const int label_y = g->y + (int)(2.2f * s) + 1;
	for (size_t i = first; i < first + n; i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_MEAL)
			continue;
		const int x = plot_x_of_min(l, (double)m->t_min);
		const float top = (float)g->y + 1.0f;
		triangle(p, PLOT_COLOUR_MEAL, (float)x - s, top, (float)x + s + 1.0f, top,
		         (float)x + 0.5f, top + 2.0f * s);
		char buf[32], num[24];
		format_value(num, sizeof num, round(m->amount));
		snprintf(buf, sizeof buf, "%s g", num);
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, buf, &w, &h);
		const int lx = x - w / 2;
		if (lx < last_label_right + 4 || lx + w > g->x + g->w || lx < g->x)
			continue;
		plot_text(p, PLOT_FONT_SMALL, palette[PLOT_COLOUR_TEXT], lx, label_y,
		          PLOT_ALIGN_LEFT, buf, NULL);
		last_label_right = lx + w;
	}
}

static void flag(plot *p, plot_colour c, int x, int top, int size)
{
	colour(p, c);
	fill(p, x, top, 2, size * 2);
	triangle(p, c, (float)x + 2.0f, (float)top, (float)(x + 2 + size + size / 2),
	         (float)top + (float)size * 0.5f, (float)x + 2.0f, (float)(top + size));
}

/* The flag's words: the human label of an annunciation; "fault: occlusion cleared" for a
 * fault (injected by the scenario: a test input, not something the pump says). */
static const char *marker_label(const trace_marker *m, char *buf, size_t len)
{
	if (m->kind == TRACE_MARK_ANNUNCIATION) {
		const char *human = plot_annunciation_label(m->code);
		if (human)
			return human;
		if (m->label[0])
			return m->label;
		snprintf(buf, len, "alarm %d", m->code);
		return buf;
	}
	if (!m->label[0]) {
		snprintf(buf, len, "fault %d", m->code);
		return buf;
	}
	int n = snprintf(buf, len, "fault: %s", m->label);
	for (int i = 7; i < n && (size_t)i < len; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
	return buf;
}

static bool is_alarm(const trace_marker *m)
{
	return m->kind == TRACE_MARK_ANNUNCIATION || m->kind == TRACE_MARK_FAULT;
}

/*
 * Flags on the time axis. Flags closer together than a label's room form a group labelled
 * once after its last flag ("Low glucose suspend ×3", or "4 alarms" when they differ); a
 * label is left out when it would run into the next group.
 */
static void draw_alarms(plot *p, const plot_layout *l, const trace *t)
{
	const SDL_Rect *a = &l->alarms;
	const SDL_Rect *panels[] = {&l->glucose, &l->insulin, &l->basal};
	size_t first = 0;
	const size_t n = trace_markers_in(t, l->from_min, l->to_min, &first);
	const int size = (a->h * 2) / 5, flag_w = 2 + size + size / 2;
	const int cluster_px = 3 * l->font_px;
	if (!reserve_points(p, (size_t)(l->basal.y + l->basal.h - l->glucose.y) / 3 + 1))
		return;
	int last_label_right = INT_MIN;
	for (size_t i = first; i < first + n;) {
		if (!is_alarm(trace_marker_at(t, i))) {
			i++;
			continue;
		}
		/* The group: alarms whose flags are within cluster_px of the previous one. */
		size_t end = i, count = 0;
		bool same = true, any_fault = false;
		char b0[TRACE_LABEL_MAX + 16], b1[TRACE_LABEL_MAX + 16];
		const char *label0 = marker_label(trace_marker_at(t, i), b0, sizeof b0);
		const int x_first = plot_x_of_min(l, (double)trace_marker_at(t, i)->t_min);
		int x_last = x_first;
		int label0_w = 0, label0_h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, label0, &label0_w, &label0_h);
		for (size_t k = i; k < first + n; k++) {
			const trace_marker *m = trace_marker_at(t, k);
			if (!is_alarm(m))
				continue;
			const int x = plot_x_of_min(l, (double)m->t_min);
			/* The same alarm again before its label would end joins the group. */
			const bool repeat = strcmp(marker_label(m, b1, sizeof b1), label0) == 0;
			const int reach = repeat ? label0_w + flag_w + l->font_px : cluster_px;
			if (count > 0 && x - x_last > (reach > cluster_px ? reach : cluster_px))
				break;
			x_last = x;
			end = k + 1;
			count++;
			any_fault |= m->kind == TRACE_MARK_FAULT;
			if (strcmp(marker_label(m, b1, sizeof b1), label0) != 0)
				same = false;
			const plot_colour c = m->kind == TRACE_MARK_FAULT
			                          ? PLOT_COLOUR_FAULT
			                          : PLOT_COLOUR_ANNUNCIATION;
			/* A dotted line up through the panels: the moment, read off the traces. */
			size_t np = 0;
			for (size_t q = 0; q < 3; q++)
				for (int y = panels[q]->y; y < panels[q]->y + panels[q]->h; y += 3)
					p->pts[np++] = (SDL_Point){x, y};
			colour(p, c);
			SDL_RenderDrawPoints(p->r, p->pts, (int)np);
			flag(p, c, x, a->y + (a->h - 2 * size) / 2, size);
		}
		/* Where the next group starts: the label must end before it. */
		int x_next = a->x + a->w;
		for (size_t k = end; k < first + n; k++)
			if (is_alarm(trace_marker_at(t, k))) {
				x_next = plot_x_of_min(l, (double)trace_marker_at(t, k)->t_min);
				break;
			}
		char label[TRACE_LABEL_MAX + 48];
		if (count == 1)
			snprintf(label, sizeof label, "%s", label0);
		else if (same)
			snprintf(label, sizeof label, "%s ×%zu", label0, count);
		else
			snprintf(label, sizeof label, "%zu %s", count,
			         any_fault ? "events" : "alarms");
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, label, &w, &h);
		/* Right of the group's last flag, else left of its first one. */
		int lx = x_last + flag_w + 2;
		if (lx + w + 4 >= x_next)
			lx = x_first - w - 4;
		if (lx > last_label_right && lx >= a->x && lx + w + 4 < x_next) {
			plot_text(p, PLOT_FONT_SMALL,
			          palette[any_fault && count == 1 ? PLOT_COLOUR_FAULT
			                                          : PLOT_COLOUR_ANNUNCIATION],
			          lx, a->y + (a->h - h) / 2, PLOT_ALIGN_LEFT, label, NULL);
			last_label_right = lx + w > x_last + flag_w ? lx + w : x_last + flag_w;
		}
		i = end;
	}
}

/* Title above a panel, then `extra` in a dimmer colour on the same line. */
static void panel_title(plot *p, const SDL_Rect *panel, const char *title, const char *extra)
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
	plot_text(p, PLOT_FONT_BOLD, palette[PLOT_COLOUR_TEXT], panel->x - 1, y, 0, title, NULL);
	if (extra)
		plot_text(p, PLOT_FONT_SMALL, palette[PLOT_COLOUR_TEXT_DIM],
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
		colour(p, it->colour);
		fill(p, x, cy - stroke(p) / 2, w, stroke(p));
		break;
	case SW_DOT: {
		const int r = f >= 24 ? f / 7 : 2;
		colour(p, it->colour);
		fill(p, x + w / 2 - r + 1, cy - r, 2 * r - 1, 2 * r + 1);
		fill(p, x + w / 2 - r, cy - r + 1, 2 * r + 1, 2 * r - 1);
		break;
	}
	case SW_BAND:
		colour(p, it->colour);
		fill(p, x, cy - h / 2, w, h);
		colour(p, PLOT_COLOUR_FRAME);
		frame_rect(p, &(SDL_Rect){x + 1, cy - h / 2 + 1, w - 2, h - 2});
		break;
	case SW_DASH:
		colour(p, it->colour);
		fill(p, x, cy, w / 3, hair(p) + 1);
		fill(p, x + (2 * w) / 3, cy, w - (2 * w) / 3, hair(p) + 1);
		break;
	case SW_TRIANGLE:
		triangle(p, it->colour, (float)(x + w / 2 - h / 2 - 1), (float)(cy - h / 2),
		         (float)(x + w / 2 + h / 2 + 2), (float)(cy - h / 2),
		         (float)x + (float)w / 2.0f, (float)(cy + h / 2 + 1));
		break;
	case SW_BAR:
		colour(p, it->colour);
		fill(p, x + w / 2 - 2, cy - h / 2 - 1, 5, h + 2);
		break;
	case SW_AREA_LINE:
		colour(p, it->fill);
		fill(p, x, cy - h / 2, w, h);
		colour(p, it->colour);
		fill(p, x, cy - h / 2, w, stroke(p));
		break;
	case SW_HATCH: {
		SDL_Rect rc = {x, cy - h / 2, w, h};
		colour(p, it->fill);
		SDL_RenderFillRect(p->r, &rc);
		colour(p, it->colour);
		SDL_Rect clip;
		SDL_RenderGetClipRect(p->r, &clip);
		hatch(p, &rc, 4 * hair(p));
		SDL_RenderSetClipRect(p->r, clip.w > 0 ? &clip : NULL);
		break;
	}
	case SW_FLAG:
		flag(p, it->colour, x + w / 3, cy - h / 2 - 1, (h * 2) / 3 + 1);
		break;
	}
}

static void draw_legend(plot *p, const plot_layout *l, const char *title)
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
	const SDL_Rect *lg = &l->legend;
	const int f = p->font_px;
	const int lh = plot_line_height(p, PLOT_FONT_SMALL);
	const int cy = lg->y + lg->h / 2;
	int x = l->glucose.x;
	if (title && *title) {
		const int tlh = plot_line_height(p, PLOT_FONT_BOLD);
		x += plot_text(p, PLOT_FONT_BOLD, palette[PLOT_COLOUR_TEXT], x, cy - tlh / 2,
		               PLOT_ALIGN_LEFT, title, NULL);
		x += 2 * f;
	}
	const int right = l->glucose.x + l->glucose.w;
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		int w = 0, h = 0;
		plot_text_size(p, PLOT_FONT_SMALL, items[i].text, &w, &h);
		const int sw = (f * 3) / 2, need = sw + f / 3 + w;
		if (x + need > right)
			break;
		draw_swatch(p, &items[i], x, cy);
		plot_text(p, PLOT_FONT_SMALL, palette[PLOT_COLOUR_TEXT], x + sw + f / 3,
		          cy - lh / 2, PLOT_ALIGN_LEFT, items[i].text, NULL);
		x += need + f;
	}
}

/* Value ticks of a 0 … hi axis: 0, hi, and multiples of a nice step between. */
static size_t value_ticks(const plot_layout *l, double hi, int (*y_of)(const plot_layout *, double),
                          y_label *out, size_t cap)
{
	size_t n = 0;
	out[n++] = (y_label){0.0, y_of(l, 0.0), PLOT_COLOUR_TEXT_DIM};
	out[n++] = (y_label){hi, y_of(l, hi), PLOT_COLOUR_TEXT_DIM};
	/* hi is 1, 2, 2.5 or 5 × 10^k: split it into 4, 5, 2 or 3 nice steps. */
	static const int parts[] = {4, 5, 2, 3};
	double step = hi;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		const double s = hi / parts[i];
		if (fabs(nice_ceil(s) - s) < 1e-9 * hi) {
			step = s;
			break;
		}
	}
	for (int k = 1; k * step < hi - 1e-9 && n < cap; k++)
		out[n++] = (y_label){k * step, y_of(l, k * step), PLOT_COLOUR_TEXT_DIM};
	return n;
}

static void value_grid(plot *p, const SDL_Rect *panel, double hi,
                       int (*y_of)(const plot_layout *, double), const plot_layout *l)
{
	y_label ticks[16];
	const size_t n = value_ticks(l, hi, y_of, ticks, 16);
	colour(p, PLOT_COLOUR_GRID);
	for (size_t i = 2; i < n; i++)
		fill(p, panel->x, ticks[i].y, panel->w, hair(p));
}

static void value_labels(plot *p, const SDL_Rect *panel, double hi,
                         int (*y_of)(const plot_layout *, double), const plot_layout *l)
{
	y_label ticks[16];
	const size_t n = value_ticks(l, hi, y_of, ticks, 16);
	draw_y_labels(p, panel, ticks, n);
}

bool plot_draw(plot *p, const trace *t, const plot_view *v, plot_layout *layout_out)
{
	plot_layout l;
	if (!p || !layout_frame(v, p->font_px, &l))
		return false;
	p->frame++;
	if (!cache_sync(&p->cc, t, &l))
		return false;
	const column_cache *cc = &p->cc;
	extents e = cc->ext;
	extents_add_markers(&e, t, l.from_min, l.to_min);
	layout_scales(&l, &e);
	if (layout_out)
		*layout_out = l;
	const int start_clock = trace_start_min_of_day(t);
	const SDL_Rect *panels[] = {&l.glucose, &l.insulin, &l.basal};
	const int f = p->font_px;

	SDL_RenderSetClipRect(p->r, &l.area);
	colour(p, PLOT_COLOUR_BACKGROUND);
	SDL_RenderFillRect(p->r, &l.area);
	for (size_t k = 0; k < 3; k++) {
		colour(p, PLOT_COLOUR_PANEL);
		SDL_RenderFillRect(p->r, panels[k]);
	}

	/* The future (live runs): everything right of "now" is greyed. */
	int x_now = INT_MIN;
	if (v->now_min >= 0 && v->now_min < l.to_min) {
		x_now = plot_x_of_min(&l, (double)v->now_min);
		const int x0 = x_now + 1 > l.glucose.x ? x_now + 1 : l.glucose.x;
		colour(p, PLOT_COLOUR_FUTURE);
		for (size_t k = 0; k < 3; k++)
			fill(p, x0, panels[k]->y, panels[k]->x + panels[k]->w - x0, panels[k]->h);
	}

	/* Glucose: target band, value grid, time grid. */
	const SDL_Rect *g = &l.glucose;
	const int y180 = plot_y_of_bg(&l, 180.0), y70 = plot_y_of_bg(&l, 70.0);
	colour(p, PLOT_COLOUR_TARGET_BAND);
	fill(p, g->x, y180, x_now == INT_MIN ? g->w : x_now + 1 - g->x, y70 - y180 + 1);
	if (x_now != INT_MIN && x_now + 1 < g->x + g->w) {
		/* In the future the band is only outlined. */
		fill(p, x_now + 1, y180, g->x + g->w - x_now - 1, hair(p));
		fill(p, x_now + 1, y70, g->x + g->w - x_now - 1, hair(p));
	}
	y_label gl[16];
	size_t ng = 0;
	gl[ng++] = (y_label){70.0, y70, PLOT_COLOUR_TEXT};
	gl[ng++] = (y_label){180.0, y180, PLOT_COLOUR_TEXT};
	gl[ng++] = (y_label){54.0, plot_y_of_bg(&l, 54.0), PLOT_COLOUR_LIMIT_LINE};
	gl[ng++] = (y_label){250.0, plot_y_of_bg(&l, 250.0), PLOT_COLOUR_LIMIT_LINE};
	colour(p, PLOT_COLOUR_GRID);
	for (double b = 100.0 * ceil(l.bg_lo_mgdl / 100.0); b <= l.bg_hi_mgdl && ng < 16;
	     b += 100.0) {
		const int y = plot_y_of_bg(&l, b);
		if (b > l.bg_lo_mgdl && b < l.bg_hi_mgdl)
			fill(p, g->x, y, g->w, hair(p));
		gl[ng++] = (y_label){b, y, PLOT_COLOUR_TEXT_DIM};
	}
	if (ng < 16 && fmod(l.bg_hi_mgdl, 100.0) != 0.0)
		gl[ng++] =
		    (y_label){l.bg_hi_mgdl, plot_y_of_bg(&l, l.bg_hi_mgdl), PLOT_COLOUR_TEXT_DIM};
	if (ng < 16)
		gl[ng++] =
		    (y_label){l.bg_lo_mgdl, plot_y_of_bg(&l, l.bg_lo_mgdl), PLOT_COLOUR_TEXT_DIM};
	draw_vertical_grid(p, &l, start_clock);

	/* Basal: zero-rate shading, filled step plot. */
	SDL_RenderSetClipRect(p->r, &l.basal);
	draw_zero_basal(p, &l, cc);
	SDL_RenderSetClipRect(p->r, &l.basal);
	value_grid(p, &l.basal, l.basal_hi_u_per_h, plot_y_of_basal, &l);
	colour(p, PLOT_COLOUR_BASAL_FILL);
	fill_under(p, &l, cc, SERIES_BASAL, &l.basal);
	colour(p, PLOT_COLOUR_BASAL);
	polyline(p, build_line(p, &l, cc, SERIES_BASAL, true), stroke(p));

	/* Insulin: IOB area and line, bolus bars over them. */
	SDL_RenderSetClipRect(p->r, &l.insulin);
	colour(p, PLOT_COLOUR_IOB_FILL);
	fill_under(p, &l, cc, SERIES_IOB, &l.insulin);
	value_grid(p, &l.insulin, l.insulin_hi_u, plot_y_of_insulin, &l);
	colour(p, PLOT_COLOUR_IOB);
	polyline(p, build_line(p, &l, cc, SERIES_IOB, false), stroke(p));
	draw_boluses(p, &l, t);

	/* Glucose: CGM dots, the 54 / 250 lines, the true glucose line on top, meals. */
	SDL_RenderSetClipRect(p->r, g);
	draw_cgm(p, &l, cc);
	colour(p, PLOT_COLOUR_LIMIT_LINE);
	const int dash_t = f >= 24 ? 3 : 1;
	dashed_hline(p, g->x, g->x + g->w, plot_y_of_bg(&l, 54.0), f / 2 + 2, f / 3 + 2, dash_t);
	dashed_hline(p, g->x, g->x + g->w, plot_y_of_bg(&l, 250.0), f / 2 + 2, f / 3 + 2, dash_t);
	colour(p, PLOT_COLOUR_BG_LINE);
	polyline(p, build_line(p, &l, cc, SERIES_BG, false), stroke(p));
	draw_meals(p, &l, t);

	/* Now line, alarms, frames, labels, legend. */
	SDL_RenderSetClipRect(p->r, &l.area);
	if (x_now != INT_MIN && x_now >= g->x) {
		colour(p, PLOT_COLOUR_NOW);
		for (size_t k = 0; k < 3; k++)
			fill(p, x_now, panels[k]->y, hair(p), panels[k]->h);
	}
	draw_alarms(p, &l, t);
	colour(p, PLOT_COLOUR_FRAME);
	for (size_t k = 0; k < 3; k++)
		frame_rect(p, panels[k]);
	draw_y_labels(p, g, gl, ng);
	value_labels(p, &l.insulin, l.insulin_hi_u, plot_y_of_insulin, &l);
	value_labels(p, &l.basal, l.basal_hi_u_per_h, plot_y_of_basal, &l);
	draw_time_axis(p, &l, start_clock);

	char stats[160] = "";
	if (cc->n > 0) {
		const double n = (double)cc->n;
		snprintf(stats, sizeof stats,
		         "mean %.0f · in 70–180: %.1f %% · below 70: %.1f %% · below 54: %.1f %% · "
		         "above 250: %.1f %%",
		         cc->bg_sum / n, 100.0 * (double)cc->in_range / n,
		         100.0 * (double)cc->below_70 / n, 100.0 * (double)cc->below_54 / n,
		         100.0 * (double)cc->above_250 / n);
	}
	panel_title(p, g, "Glucose, mg/dL", stats[0] ? stats : NULL);
	char ins[96] = "";
	if (cc->n > 0)
		snprintf(ins, sizeof ins, "delivered %.1f U · carbs %.0f g", cc->insulin_u,
		         cc->carbs_g);
	panel_title(p, &l.insulin, "Insulin on board and boluses, U", ins[0] ? ins : NULL);
	panel_title(p, &l.basal, "Basal rate, U/h", NULL);
	draw_legend(p, &l, v->title);
	SDL_RenderSetClipRect(p->r, NULL);
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* Off-screen pictures                                                                  */
/* ---------------------------------------------------------------------------------- */

int plot_default_font_px(int height)
{
	int f = (height + 30) / 60;
	return f < 11 ? 11 : f > 40 ? 40 : f;
}

bool plot_render_to_surface(const trace *t, const plot_view *v, SDL_Surface *dst, int font_px,
                            char *err, size_t errlen)
{
	if (!t || !v || !dst) {
		set_err(err, errlen, "plot: nothing to draw%s%s", NULL, NULL);
		return false;
	}
	SDL_Renderer *r = SDL_CreateSoftwareRenderer(dst);
	if (!r) {
		set_err(err, errlen, "plot: software renderer: %s%s", SDL_GetError(), NULL);
		return false;
	}
	plot *p = plot_new(r, font_px ? font_px : plot_default_font_px(dst->h), err, errlen);
	if (!p) {
		SDL_DestroyRenderer(r);
		return false;
	}
	plot_view view = *v;
	view.area = (SDL_Rect){0, 0, dst->w, dst->h};
	const bool ok = plot_draw(p, t, &view, NULL);
	if (!ok)
		set_err(err, errlen, "plot: the picture is too small for the panels%s%s", NULL,
		        NULL);
	SDL_RenderPresent(r);
	plot_free(p);
	SDL_DestroyRenderer(r);
	return ok;
}

/* dst = src shrunk by 2 in each direction, each pixel the mean of its 2 × 2 (XRGB8888). */
static void downsample_2x(const SDL_Surface *src, SDL_Surface *dst)
{
	for (int y = 0; y < dst->h; y++) {
		const Uint32 *a = (const Uint32 *)((const Uint8 *)src->pixels + 2 * y * src->pitch);
		const Uint32 *b =
		    (const Uint32 *)((const Uint8 *)src->pixels + (2 * y + 1) * src->pitch);
		Uint32 *out = (Uint32 *)((Uint8 *)dst->pixels + y * dst->pitch);
		for (int x = 0; x < dst->w; x++) {
			const Uint32 q[4] = {a[2 * x], a[2 * x + 1], b[2 * x], b[2 * x + 1]};
			Uint32 pix = 0xFF000000u;
			for (int shift = 0; shift < 24; shift += 8) {
				Uint32 sum = 2;
				for (int k = 0; k < 4; k++)
					sum += (q[k] >> shift) & 0xFFu;
				pix |= (sum / 4) << shift;
			}
			out[x] = pix;
		}
	}
}

bool plot_write_png_titled(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                           const char *title, const char *path, char *err, size_t errlen)
{
	if (!path || width <= 0 || height <= 0 || width > 16384 || height > 16384) {
		set_err(err, errlen, "plot: bad picture size or path%s%s", NULL, NULL);
		return false;
	}
	if (to_min <= from_min) {
		set_err(err, errlen, "plot: empty time window%s%s", NULL, NULL);
		return false;
	}
	/* Drawn at twice the size and averaged down: SDL draws lines without anti-aliasing,
	 * and a report deserves smooth curves. */
	const int ss = width <= 8192 && height <= 8192 ? 2 : 1;
	SDL_Surface *big = SDL_CreateRGBSurfaceWithFormat(0, width * ss, height * ss, 32,
	                                                  SDL_PIXELFORMAT_XRGB8888);
	SDL_Surface *out = ss == 1 ? big
	                           : SDL_CreateRGBSurfaceWithFormat(0, width, height, 32,
	                                                            SDL_PIXELFORMAT_XRGB8888);
	if (!big || !out) {
		set_err(err, errlen, "plot: cannot make a %s picture: %s", "surface",
		        SDL_GetError());
		if (out && out != big)
			SDL_FreeSurface(out);
		SDL_FreeSurface(big);
		return false;
	}
	const plot_view v = {.from_min = from_min, .to_min = to_min, .now_min = -1, .title = title};
	bool ok =
	    plot_render_to_surface(t, &v, big, ss * plot_default_font_px(height), err, errlen);
	if (ok && ss == 2)
		downsample_2x(big, out);
	if (ok && IMG_SavePNG(out, path) != 0) {
		set_err(err, errlen, "%s: cannot write the PNG: %s", path, IMG_GetError());
		ok = false;
	}
	if (out != big)
		SDL_FreeSurface(out);
	SDL_FreeSurface(big);
	return ok;
}

bool plot_write_png(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
                    const char *path, char *err, size_t errlen)
{
	return plot_write_png_titled(t, from_min, to_min, width, height, NULL, path, err, errlen);
}
