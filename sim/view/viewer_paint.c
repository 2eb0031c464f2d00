/*
 * viewer_paint — what the live window draws around the plot: the status bar (title,
 * simulation clock, speed, window), the keys bar, and the pump — a dark device sized to its
 * screen, the screen showing what a real pump's would (therapy, basal, bolus, insulin on
 * board, reservoir, CGM, the newest alarm, Bluetooth and the pairing passkey).
 *
 * The pump's screen is drawn twice a frame: once "measuring" (sizes only, nothing drawn) to
 * size the device to its content, then for real. Every primitive here honours
 * v->measuring. Colours: Okabe–Ito accents on dark, readable by colour-blind people.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "clock.h"
#include "glucose_metrics.h"
#include "pump_model.h"
#include "viewer_internal.h"

/* The frame around the plot: dark status bar, pump device; Okabe–Ito accents on dark. */
static const SDL_Color c_bar = {0x24, 0x29, 0x2E, 0xFF};
static const SDL_Color c_bar_text = {0xF2, 0xF2, 0xF2, 0xFF};
static const SDL_Color c_bar_dim = {0xA8, 0xB0, 0xB8, 0xFF};
static const SDL_Color c_side = {0xE6, 0xE9, 0xEC, 0xFF};
static const SDL_Color c_help = {0xF3, 0xF4, 0xF5, 0xFF};
static const SDL_Color c_help_text = {0x4A, 0x4F, 0x55, 0xFF};
static const SDL_Color c_body = {0x3A, 0x40, 0x46, 0xFF};
static const SDL_Color c_body_edge = {0x23, 0x27, 0x2B, 0xFF};
static const SDL_Color c_screen = {0x0F, 0x19, 0x1F, 0xFF};
static const SDL_Color c_text = {0xEC, 0xEF, 0xF1, 0xFF};
static const SDL_Color c_dim = {0x8F, 0x9C, 0xA6, 0xFF};
static const SDL_Color c_rule = {0x2C, 0x3A, 0x44, 0xFF};
static const SDL_Color c_green = {0x2E, 0xC2, 0x8E, 0xFF};  /* bluish green, lightened */
static const SDL_Color c_yellow = {0xF0, 0xE4, 0x42, 0xFF}; /* yellow */
static const SDL_Color c_orange = {0xE6, 0x9F, 0x00, 0xFF};
static const SDL_Color c_red = {0xE3, 0x6A, 0x12, 0xFF}; /* vermillion, lightened */
static const SDL_Color c_alarm = {0xD5, 0x5E, 0x00, 0xFF};
static const SDL_Color c_blue = {0x56, 0xB4, 0xE9, 0xFF}; /* sky blue */
static const SDL_Color c_black = {0x10, 0x10, 0x10, 0xFF};
static const SDL_Color c_white = {0xFF, 0xFF, 0xFF, 0xFF};

static void set_colour(viewer *v, SDL_Color c)
{
	SDL_SetRenderDrawColor(v->r, c.r, c.g, c.b, c.a);
}

static void fill(viewer *v, SDL_Color c, int x, int y, int w, int h)
{
	if (w <= 0 || h <= 0 || v->measuring)
		return;
	set_colour(v, c);
	SDL_RenderFillRect(v->r, &(SDL_Rect){x, y, w, h});
}

static void outline(viewer *v, SDL_Color c, SDL_Rect rc)
{
	if (v->measuring)
		return;
	set_colour(v, c);
	SDL_RenderDrawRect(v->r, &rc);
}

static void fill_rounded(viewer *v, SDL_Color c, SDL_Rect rc, int radius)
{
	if (v->measuring)
		return;
	if (radius * 2 > rc.h)
		radius = rc.h / 2;
	if (radius * 2 > rc.w)
		radius = rc.w / 2;
	set_colour(v, c);
	SDL_RenderFillRect(v->r, &(SDL_Rect){rc.x, rc.y + radius, rc.w, rc.h - 2 * radius});
	for (int i = 0; i < radius; i++) {
		const double dy = (double)radius - (double)i - 0.5;
		const int inset = radius - (int)lround(sqrt((double)radius * radius - dy * dy));
		SDL_RenderFillRect(v->r, &(SDL_Rect){rc.x + inset, rc.y + i, rc.w - 2 * inset, 1});
		SDL_RenderFillRect(
		    v->r, &(SDL_Rect){rc.x + inset, rc.y + rc.h - 1 - i, rc.w - 2 * inset, 1});
	}
}

static int text(viewer *v, plot_font font, SDL_Color c, int x, int y, plot_align a, const char *s)
{
	if (v->measuring) {
		int w = 0, h = 0;
		return plot_text_size(v->plot, font, s, &w, &h) ? w : 0;
	}
	return plot_text(v->plot, font, c, x, y, a, s, NULL);
}

static int lh(viewer *v, plot_font font)
{
	return plot_line_height(v->plot, font);
}

static void format_clock(char *buf, size_t len, int day, int min_of_day)
{
	char hhmm[CLOCK_TEXT_MAX];
	snprintf(buf, len, "Day %d · %s", day, clock_format_hhmm(min_of_day, hhmm, sizeof hhmm));
}

void viewer_paint_status_bar(viewer *v, const SDL_Rect *bar, const trace *t)
{
	const int f = v->f;
	fill(v, c_bar, bar->x, bar->y, bar->w, bar->h);
	const int cy = bar->y + bar->h / 2;
	int x = bar->x + f;
	x += text(v, PLOT_FONT_LARGE, c_bar_text, x, cy - lh(v, PLOT_FONT_LARGE) / 2, 0,
	          "FakePump HIL");
	if (v->title[0])
		text(v, PLOT_FONT_NORMAL, c_bar_dim, x + f, cy - lh(v, PLOT_FONT_NORMAL) / 2, 0,
		     v->title);

	char buf[96];
	const engine_row *last = trace_last_row(t);
	if (last) {
		format_clock(buf, sizeof buf, last->day, last->min_of_day);
		text(v, PLOT_FONT_LARGE, c_bar_text, bar->x + bar->w / 2,
		     cy - lh(v, PLOT_FONT_LARGE) / 2, PLOT_ALIGN_CENTRE, buf);
	}

	int rx = bar->x + bar->w - f;
	const int64_t span = viewer_span_min(v);
	if (span % 1440 == 0 && span > 1440)
		snprintf(buf, sizeof buf, "window %lld d%s", (long long)(span / 1440),
		         v->follow ? "" : " · panned (End: follow)");
	else
		snprintf(buf, sizeof buf, "window %lld h%s", (long long)(span / 60),
		         v->follow ? "" : " · panned (End: follow)");
	rx -= text(v, PLOT_FONT_NORMAL, c_bar_dim, rx, cy - lh(v, PLOT_FONT_NORMAL) / 2,
	           PLOT_ALIGN_RIGHT, buf);
	rx -= f;
	if (v->speed > 0.0) {
		if (v->speed >= 60.0 && fmod(v->speed, 60.0) == 0.0)
			snprintf(buf, sizeof buf, "speed ×%.0f (%.0f min/s)", v->speed,
			         v->speed / 60.0);
		else
			snprintf(buf, sizeof buf, "speed ×%g", v->speed);
	} else {
		snprintf(buf, sizeof buf, "speed max");
	}
	rx -= text(v, PLOT_FONT_BOLD, c_bar_text, rx, cy - lh(v, PLOT_FONT_BOLD) / 2,
	           PLOT_ALIGN_RIGHT, buf);
	if (v->paused) {
		int w = 0, h = 0;
		plot_text_size(v->plot, PLOT_FONT_BOLD, "PAUSED", &w, &h);
		rx -= f + w + f;
		fill_rounded(v, c_yellow, (SDL_Rect){rx, cy - h / 2 - 2, w + f, h + 4}, 4);
		text(v, PLOT_FONT_BOLD, c_black, rx + f / 2, cy - h / 2, 0, "PAUSED");
	}
}

void viewer_paint_help_bar(viewer *v, const SDL_Rect *bar)
{
	fill(v, c_help, bar->x, bar->y, bar->w, bar->h);
	fill(v, (SDL_Color){0xD0, 0xD4, 0xD8, 0xFF}, bar->x, bar->y, bar->w, 1);
	const int y = bar->y + (bar->h - lh(v, PLOT_FONT_SMALL)) / 2;
	if (v->toast[0]) {
		text(v, PLOT_FONT_BOLD, (SDL_Color){0x00, 0x5A, 0x8C, 0xFF}, bar->x + v->f,
		     bar->y + (bar->h - lh(v, PLOT_FONT_BOLD)) / 2, 0, v->toast);
		return;
	}
	text(v, PLOT_FONT_SMALL, c_help_text, bar->x + v->f, y, 0,
	     "space pause · + / − speed · ← / → pan · z zoom · End follow · s screenshot · "
	     "a acknowledge · p pair · q quit");
}

/* A label on the left and a value on the right of one screen row. */
static void screen_row(viewer *v, const SDL_Rect *s, int *y, const char *label, SDL_Color colour,
                       const char *value)
{
	const int pad = v->f;
	const int hl = lh(v, PLOT_FONT_NORMAL), hv = lh(v, PLOT_FONT_BOLD);
	const int h = hl > hv ? hl : hv;
	text(v, PLOT_FONT_NORMAL, c_dim, s->x + pad, *y + (h - hl) / 2, 0, label);
	text(v, PLOT_FONT_BOLD, colour, s->x + s->w - pad, *y + (h - hv) / 2, PLOT_ALIGN_RIGHT,
	     value);
	*y += h + v->f / 4;
}

static void screen_detail(viewer *v, const SDL_Rect *s, int *y, const char *detail)
{
	text(v, PLOT_FONT_SMALL, c_dim, s->x + s->w - v->f, *y, PLOT_ALIGN_RIGHT, detail);
	*y += lh(v, PLOT_FONT_SMALL) + v->f / 4;
}

static void gauge(viewer *v, const SDL_Rect *s, int *y, double frac, SDL_Color c)
{
	const int pad = v->f, h = v->f / 2 + 2;
	if (!(frac >= 0.0))
		frac = 0.0;
	if (frac > 1.0)
		frac = 1.0;
	const int w = s->w - 2 * pad;
	fill(v, c_rule, s->x + pad, *y, w, h);
	fill(v, c, s->x + pad, *y, (int)lround(frac * w), h);
	*y += h + v->f / 2;
}

static void rule(viewer *v, const SDL_Rect *s, int *y)
{
	*y += v->f / 4;
	fill(v, c_rule, s->x + v->f / 2, *y, s->w - v->f, 1);
	*y += v->f / 2 + 1;
}

static void draw_battery(viewer *v, int right, int y, int h, double pct)
{
	const int w = (h * 9) / 5, nub = h / 5 + 1;
	const int x = right - w - nub;
	SDL_Color c = pct > 30.0 ? c_green : pct > 15.0 ? c_yellow : c_red;
	outline(v, c_text, (SDL_Rect){x, y, w, h});
	fill(v, c_text, x + w, y + h / 3, nub, h - 2 * (h / 3));
	const double frac = pct < 0.0 ? 0.0 : pct > 100.0 ? 1.0 : pct / 100.0;
	fill(v, c, x + 2, y + 2, (int)lround(frac * (w - 4)), h - 4);
}

static void format_passkey(char *out, size_t len, const char *key)
{
	if (strlen(key) == 6)
		snprintf(out, len, "%.3s %.3s", key, key + 3);
	else
		snprintf(out, len, "%s", key);
}

/* Top line: the pump's clock, the battery. */
static void screen_header(viewer *v, const SDL_Rect *s, int *y)
{
	const int f = v->f;
	const viewer_pump_screen *p = &v->screen;
	char buf[32];
	clock_format_hhmm(p->min_of_day, buf, sizeof buf);
	text(v, PLOT_FONT_BOLD, c_text, s->x + f, *y, 0, buf);
	snprintf(buf, sizeof buf, "%.0f %%", p->battery_pct);
	const int hb = lh(v, PLOT_FONT_BOLD);
	const int bw =
	    text(v, PLOT_FONT_NORMAL, c_text, s->x + s->w - f, *y, PLOT_ALIGN_RIGHT, buf);
	draw_battery(v, s->x + s->w - f - bw - f / 2, *y + hb / 4, hb / 2 + 2, p->battery_pct);
	*y += hb;
}

/* Therapy state, large; why, when the low-glucose protection stopped it. */
static void screen_therapy(viewer *v, const SDL_Rect *s, int *y)
{
	const viewer_pump_screen *p = &v->screen;
	const char *state = "STOPPED";
	SDL_Color sc = c_red;
	if (p->therapy_state == PUMP_THERAPY_RUN) {
		state = "RUNNING";
		sc = c_green;
	} else if (p->therapy_state == PUMP_THERAPY_PAUSE) {
		state = "SUSPENDED";
		sc = c_yellow;
	}
	text(v, PLOT_FONT_LARGE, sc, s->x + v->f, *y, 0, state);
	if (p->suspended_by_lgs)
		text(v, PLOT_FONT_SMALL, c_dim, s->x + s->w - v->f,
		     *y + lh(v, PLOT_FONT_LARGE) - lh(v, PLOT_FONT_SMALL), PLOT_ALIGN_RIGHT,
		     "by low-glucose protection");
	*y += lh(v, PLOT_FONT_LARGE) + v->f / 4;
}

/* The basal rate delivered; a temporary one's end, or the programme's rate if it differs. */
static void screen_basal(viewer *v, const SDL_Rect *s, int *y)
{
	const viewer_pump_screen *p = &v->screen;
	char buf[64], detail[128];
	snprintf(buf, sizeof buf, "%.2f U/h", p->basal_u_per_h);
	screen_row(v, s, y, p->temp_basal_active ? "Basal (temporary)" : "Basal",
	           p->basal_u_per_h > 0.0 ? c_text : c_orange, buf);
	if (p->temp_basal_active) {
		const int64_t end_clock =
		    (int64_t)p->min_of_day + (p->temp_basal_end_min - p->now_min);
		char until[CLOCK_TEXT_MAX];
		clock_format_hhmm(end_clock, until, sizeof until);
		if (p->temp_basal_relative)
			snprintf(detail, sizeof detail, "%.0f %% until %s", p->temp_basal_value,
			         until);
		else
			snprintf(detail, sizeof detail, "%.2f U/h until %s", p->temp_basal_value,
			         until);
		screen_detail(v, s, y, detail);
	} else if (p->programmed_basal_u_per_h >= 0.0 &&
	           fabs(p->programmed_basal_u_per_h - p->basal_u_per_h) > 1e-9) {
		snprintf(detail, sizeof detail, "programmed %.2f U/h", p->programmed_basal_u_per_h);
		screen_detail(v, s, y, detail);
	}
}

/* The bolus with its progress, insulin on board, the reservoir with a gauge. */
static void screen_insulin(viewer *v, const SDL_Rect *s, int *y)
{
	const viewer_pump_screen *p = &v->screen;
	char buf[64];
	if (p->bolus_active && p->bolus_programmed_u > 0.0) {
		snprintf(buf, sizeof buf, "%.2f of %.2f U", p->bolus_delivered_u,
		         p->bolus_programmed_u);
		screen_row(v, s, y, "Bolus", c_blue, buf);
		gauge(v, s, y, p->bolus_delivered_u / p->bolus_programmed_u, c_blue);
	} else {
		screen_row(v, s, y, "Bolus", p->bolus_active ? c_blue : c_dim,
		           p->bolus_active ? "delivering" : "none");
	}

	snprintf(buf, sizeof buf, "%.2f U", p->iob_u);
	screen_row(v, s, y, "Insulin on board", c_text, buf);

	const double full = p->reservoir_full_u > 0.0 ? p->reservoir_full_u : 300.0;
	snprintf(buf, sizeof buf, "%.1f U", p->reservoir_u);
	const double rf = p->reservoir_u / full;
	const SDL_Color rc = rf > 0.2 ? c_text : rf > 0.07 ? c_orange : c_red;
	screen_row(v, s, y, "Reservoir", rc, buf);
	gauge(v, s, y, rf, rf > 0.2 ? c_blue : rc);
}

/* The newest CGM reading, up to 20 minutes old (then the sensor counts as lost). */
static void screen_cgm(viewer *v, const SDL_Rect *s, int *y)
{
	if (!v->has_cgm) {
		screen_row(v, s, y, "CGM", c_dim, "—");
		return;
	}
	char buf[64];
	const double g = v->cgm_mgdl;
	snprintf(buf, sizeof buf, "%.0f mg/dL", g);
	const SDL_Color gc = g < GLUCOSE_RANGE_LOW_MGDL    ? c_red
	                     : g > GLUCOSE_RANGE_HIGH_MGDL ? c_orange
	                                                   : c_text;
	screen_row(v, s, y, "CGM", gc, buf);
	const int64_t age = v->screen.now_min - v->cgm_min;
	if (age > 0) {
		snprintf(buf, sizeof buf, "%lld min ago", (long long)age);
		screen_detail(v, s, y, buf);
	}
}

/* The newest annunciation, in a box that asks for A. */
static void screen_alarm(viewer *v, const SDL_Rect *s, int *y)
{
	const viewer_pump_screen *p = &v->screen;
	const int f = v->f;
	if (p->annunciation == 0) {
		screen_row(v, s, y, "Alarms", c_dim, "none");
		return;
	}
	char buf[160], code[32];
	const char *label = plot_annunciation_label(p->annunciation);
	if (!label) {
		snprintf(code, sizeof code, "Annunciation 0x%04X", (unsigned)p->annunciation);
		label = code;
	}
	snprintf(buf, sizeof buf, "⚠ %s", label);
	const int h = lh(v, PLOT_FONT_LARGE) + lh(v, PLOT_FONT_SMALL) + f;
	fill_rounded(v, c_alarm, (SDL_Rect){s->x + f / 2, *y, s->w - f, h}, f / 2);
	text(v, PLOT_FONT_LARGE, c_white, s->x + f, *y + f / 3, 0, buf);
	text(v, PLOT_FONT_SMALL, c_white, s->x + f, *y + f / 3 + lh(v, PLOT_FONT_LARGE), 0,
	     "press A to acknowledge");
	*y += h + f / 2;
}

/* Bluetooth's state and peer; the pairing passkey, boxed, when it fits. */
static void screen_bluetooth(viewer *v, const SDL_Rect *s, int *y)
{
	const int f = v->f;
	if (v->ble_state[0]) {
		const SDL_Color bc =
		    strcmp(v->ble_state, "connected") == 0 || strcmp(v->ble_state, "paired") == 0
		        ? c_green
		    : strcmp(v->ble_state, "advertising") == 0 ? c_blue
		                                               : c_dim;
		screen_row(v, s, y, "Bluetooth", bc, v->ble_state);
		if (v->ble_peer[0])
			screen_detail(v, s, y, v->ble_peer);
	} else {
		screen_row(v, s, y, "Bluetooth", c_dim, "—");
	}
	if (!v->passkey[0])
		return;
	char buf[32];
	format_passkey(buf, sizeof buf, v->passkey);
	const int hk = lh(v, PLOT_FONT_HUGE);
	const int h = lh(v, PLOT_FONT_SMALL) + hk + f;
	if (*y + h > s->y + s->h)
		return;
	const SDL_Rect box = {s->x + f / 2, *y, s->w - f, h};
	outline(v, c_blue, box);
	outline(v, c_blue, (SDL_Rect){box.x + 1, box.y + 1, box.w - 2, box.h - 2});
	text(v, PLOT_FONT_SMALL, c_blue, s->x + s->w / 2, *y + f / 3, PLOT_ALIGN_CENTRE,
	     "PAIRING PASSKEY");
	text(v, PLOT_FONT_HUGE, c_text, s->x + s->w / 2, *y + f / 3 + lh(v, PLOT_FONT_SMALL),
	     PLOT_ALIGN_CENTRE, buf);
	*y += h;
}

/*
 * The content of the pump's screen, top down from area->y; returns the y below it. Only
 * reads area->h to leave out the passkey box when it does not fit.
 */
static int draw_screen(viewer *v, const SDL_Rect *area)
{
	int y = area->y + v->f / 2;
	screen_header(v, area, &y);
	rule(v, area, &y);
	screen_therapy(v, area, &y);
	rule(v, area, &y);
	screen_basal(v, area, &y);
	screen_insulin(v, area, &y);
	screen_cgm(v, area, &y);
	rule(v, area, &y);
	screen_alarm(v, area, &y);
	rule(v, area, &y);
	screen_bluetooth(v, area, &y);
	return y + v->f / 2;
}

/* The pump: a device sized to its screen's content, on the side panel. */
void viewer_paint_pump(viewer *v, const SDL_Rect *area)
{
	const int f = v->f;
	fill(v, c_side, area->x, area->y, area->w, area->h);
	const int header = f / 2 + lh(v, PLOT_FONT_SMALL) + f / 3;
	const int sx = area->x + 2 * f, sw = area->w - 4 * f, sy = area->y + f + header;
	int content = 4 * f;
	if (v->has_screen) {
		v->measuring = true;
		content = draw_screen(v, &(SDL_Rect){sx, sy, sw, 1 << 20}) - sy;
		v->measuring = false;
	}
	int body_h = header + content + 2 * f;
	/* the pump, the two lines under it included, must fit: else say so (once) */
	v->pump_clipped = body_h + f + 2 * lh(v, PLOT_FONT_SMALL) > area->h - f;
	if (body_h > area->h - 2 * f)
		body_h = area->h - 2 * f;
	const SDL_Rect body = {area->x + f, area->y + f, area->w - 2 * f, body_h};
	fill_rounded(v, c_body_edge, body, 3 * f / 2);
	fill_rounded(v, c_body, (SDL_Rect){body.x + 2, body.y + 2, body.w - 4, body.h - 4},
	             3 * f / 2 - 2);
	text(v, PLOT_FONT_SMALL, c_dim, body.x + body.w / 2, body.y + f / 2, PLOT_ALIGN_CENTRE,
	     "FAKEPUMP · INSULIN PUMP");
	const SDL_Rect s = {sx, sy, sw, body.y + body.h - f - sy};
	fill_rounded(v, c_screen, s, f / 2);
	if (!v->has_screen) {
		text(v, PLOT_FONT_NORMAL, c_dim, s.x + s.w / 2, s.y + s.h / 2 - f / 2,
		     PLOT_ALIGN_CENTRE, "waiting for the pump…");
		return;
	}
	draw_screen(v, &s);

	/* Under the pump: what the simulation is doing. */
	char buf[96];
	int y = body.y + body.h + f;
	snprintf(buf, sizeof buf, "simulation time t = %lld min", (long long)v->screen.now_min);
	text(v, PLOT_FONT_SMALL, c_help_text, area->x + area->w / 2, y, PLOT_ALIGN_CENTRE, buf);
	y += lh(v, PLOT_FONT_SMALL);
	if (v->screen.annunciation != 0 || v->passkey[0] == '\0') {
		text(v, PLOT_FONT_SMALL, c_help_text, area->x + area->w / 2, y, PLOT_ALIGN_CENTRE,
		     v->screen.annunciation != 0 ? "A: acknowledge the alarm" : "P: pair a phone");
	}
}
