/*
 * viewer — see viewer.h.
 *
 * Frame pacing: a frame is due every 1/fps s (performance counter); viewer_update draws
 * only when one is due and something it shows changed (new rows or markers, the pump
 * screen, BLE, speed, a key, a resize). It never asks for vsync, so presenting never blocks
 * the caller until the next display refresh. Events are read at most once per frame
 * interval: SDL_PumpEvents talks to the display server and must not run once per simulated
 * minute.
 *
 * Layout: status bar on top (title, simulation clock, speed, window), the plot on the left,
 * the pump (a dark device with its screen) on the right, the keys along the bottom.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <SDL.h>
#include <SDL_image.h>

#include "clock.h"
#include "plot.h"
#include "pump_model.h"
#include "viewer.h"
#include "viewer_fit.h"

enum { QUEUE_LEN = 32 };

static const int64_t spans_min[] = {360, 720, 1440, 4320, 10080};
enum { SPAN_COUNT = sizeof spans_min / sizeof spans_min[0], SPAN_DEFAULT = 2 };

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

struct viewer {
	SDL_Window *win;
	SDL_Renderer *r;
	plot *plot;
	int f;             /* text size, px */
	bool pump_clipped; /* the last frame had no room for all of the pump */
	bool size_warned;  /* said once that the window is too small */
	bool quiet;
	char title[160];

	uint64_t freq, interval, next_frame, next_events;
	/* Reading the clock costs ~20 ns, as much as a tenth of a simulated minute at --speed
	 * max: viewer_update reads it about 16 times per frame interval and skips the calls in
	 * between, estimating how many that is from the rate of the calls so far. */
	uint64_t last_check, calls_since_check, skip, skip_len;
	uint64_t due_at;     /* viewer_frame_due said yes at this clock reading (0: not asked) */
	bool events_waiting; /* viewer_wait saw an event: read it at the next poll */

	int span_index;
	bool follow;
	int64_t end_min; /* window end when not following */
	int64_t last_follow_end;

	viewer_pump_screen screen;
	bool has_screen;
	double speed;
	bool paused;
	char ble_state[32], ble_peer[64], passkey[16];

	bool measuring; /* the pump screen's first pass: sizes only, nothing drawn */
	bool has_cgm;   /* the newest CGM reading in the trace, for the screen */
	double cgm_mgdl;
	int64_t cgm_min;

	bool dirty;
	const trace *last_trace;
	size_t last_rows, last_markers;

	viewer_input queue[QUEUE_LEN];
	unsigned q_head, q_len;
	bool screenshot_pending;
	char toast[200];
	uint64_t toast_until;
	uint64_t frames;
	double draw_cpu_s, draw_wall_s;
};

static void set_err(char *err, size_t errlen, const char *what, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", what, why ? ": " : "", why ? why : "");
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void viewer_pump_screen_from_row(viewer_pump_screen *s, const engine_row *row)
{
	*s = (viewer_pump_screen){
	    .now_min = row->t_min,
	    .day = row->day,
	    .min_of_day = row->min_of_day,
	    .therapy_state = row->therapy_state,
	    .basal_u_per_h = row->basal_u_per_h,
	    .programmed_basal_u_per_h = -1.0,
	    .iob_u = row->iob_u,
	    .reservoir_u = row->reservoir_u,
	    .battery_pct = row->battery_pct,
	    .annunciation = row->annunciation,
	};
}

static bool screen_equal(const viewer_pump_screen *a, const viewer_pump_screen *b)
{
	return a->now_min == b->now_min && a->day == b->day && a->min_of_day == b->min_of_day &&
	       a->therapy_state == b->therapy_state && a->suspended_by_lgs == b->suspended_by_lgs &&
	       a->basal_u_per_h == b->basal_u_per_h &&
	       a->programmed_basal_u_per_h == b->programmed_basal_u_per_h &&
	       a->temp_basal_active == b->temp_basal_active &&
	       a->temp_basal_relative == b->temp_basal_relative &&
	       a->temp_basal_value == b->temp_basal_value &&
	       a->temp_basal_end_min == b->temp_basal_end_min &&
	       a->bolus_active == b->bolus_active &&
	       a->bolus_programmed_u == b->bolus_programmed_u &&
	       a->bolus_delivered_u == b->bolus_delivered_u && a->iob_u == b->iob_u &&
	       a->reservoir_u == b->reservoir_u && a->reservoir_full_u == b->reservoir_full_u &&
	       a->battery_pct == b->battery_pct && a->annunciation == b->annunciation &&
	       a->annunciation_id == b->annunciation_id;
}

typedef const unsigned char *(*gl_get_string_fn)(unsigned int name);

/* True when `r` is OpenGL rasterised on the CPU (Mesa llvmpipe / softpipe, no GPU). */
static bool renderer_is_software_gl(SDL_Renderer *r)
{
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(r, &info) != 0 || !info.name || strncmp(info.name, "opengl", 6))
		return false;
	void *sym = SDL_GL_GetProcAddress("glGetString");
	if (!sym)
		return false;
	gl_get_string_fn get_string;
	memcpy(&get_string, &sym, sizeof get_string); /* object to function pointer, portably */
	const char *name = (const char *)get_string(0x1F01 /* GL_RENDERER */);
	return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
	                strstr(name, "Software Rasterizer"));
}

viewer *viewer_open(const viewer_options *opt, char *err, size_t errlen)
{
	static const viewer_options defaults = {0};
	if (!opt)
		opt = &defaults;
	const char *driver = getenv("SDL_VIDEODRIVER");
	const char *display = getenv("DISPLAY");
	const char *wayland = getenv("WAYLAND_DISPLAY");
	if ((!driver || !*driver) && (!display || !*display) && (!wayland || !*wayland)) {
		set_err(err, errlen, "no display (DISPLAY is not set)", NULL);
		return NULL;
	}
	/* Ctrl-C keeps its usual meaning; do not turn off the desktop's compositor. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		set_err(err, errlen, "no display: SDL video", SDL_GetError());
		return NULL;
	}
	viewer *v = calloc(1, sizeof *v);
	if (!v) {
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		set_err(err, errlen, "viewer: out of memory", NULL);
		return NULL;
	}
	/* The window fits the display it opens on (the first one: where SDL puts a window
	 * whose position is undefined). */
	SDL_Rect usable = {0};
	if (SDL_GetDisplayUsableBounds(0, &usable) != 0)
		usable.w = usable.h = 0;
	int w = 0, h = 0;
	/* a size the caller gives (tests, benchmarks) is kept as it is */
	if (opt->width > 0 && opt->height > 0)
		usable.w = usable.h = 0;
	viewer_fit_size(opt->width, opt->height, usable.w, usable.h, &w, &h);
	copy_text(v->title, sizeof v->title, opt->title);
	char wtitle[200];
	snprintf(wtitle, sizeof wtitle, "FakePump HIL%s%s", v->title[0] ? " — " : "", v->title);
	/* No SDL_RENDERER_PRESENTVSYNC: presenting must never wait for the display. */
	v->win = SDL_CreateWindow(wtitle, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w, h,
	                          SDL_WINDOW_RESIZABLE);
	if (v->win && !opt->software) {
		v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED);
		if (v->r && renderer_is_software_gl(v->r)) {
			/* OpenGL drawn by the CPU (no GPU: llvmpipe) costs ~10× SDL's own software
			 * renderer for these frames: start again with a plain window. */
			SDL_DestroyRenderer(v->r);
			v->r = NULL;
			SDL_DestroyWindow(v->win);
			v->win =
			    SDL_CreateWindow(wtitle, SDL_WINDOWPOS_UNDEFINED,
			                     SDL_WINDOWPOS_UNDEFINED, w, h, SDL_WINDOW_RESIZABLE);
		}
	}
	if (!v->win) {
		set_err(err, errlen, "no window", SDL_GetError());
		viewer_close(v);
		return NULL;
	}
	if (!v->r) {
		/* Straight to the window's own framebuffer (XShm on X11): without this hint SDL
		 * may put an OpenGL texture behind it, i.e. llvmpipe again. */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
		v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
	}
	if (!v->r) {
		set_err(err, errlen, "no renderer", SDL_GetError());
		viewer_close(v);
		return NULL;
	}
	v->f = viewer_font_px(h);
	char perr[300];
	v->plot = plot_new(v->r, v->f, perr, sizeof perr);
	if (!v->plot) {
		set_err(err, errlen, perr, NULL);
		viewer_close(v);
		return NULL;
	}
	v->quiet = opt->quiet;
	v->freq = SDL_GetPerformanceFrequency();
	const int fps = opt->fps > 0 ? opt->fps : 60;
	v->interval = v->freq / (uint64_t)fps;
	v->next_frame = v->next_events = SDL_GetPerformanceCounter();
	v->span_index = SPAN_DEFAULT;
	if (opt->span_min > 0) {
		v->span_index = SPAN_COUNT - 1;
		for (int i = 0; i < SPAN_COUNT; i++)
			if (spans_min[i] >= opt->span_min) {
				v->span_index = i;
				break;
			}
	}
	v->follow = true;
	v->dirty = true;
	return v;
}

void viewer_close(viewer *v)
{
	if (!v)
		return;
	plot_free(v->plot);
	if (v->r)
		SDL_DestroyRenderer(v->r);
	if (v->win)
		SDL_DestroyWindow(v->win);
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	free(v);
}

void viewer_get_stats(const viewer *v, viewer_stats *out)
{
	*out = (viewer_stats){
	    .frames = v->frames, .draw_cpu_s = v->draw_cpu_s, .draw_wall_s = v->draw_wall_s};
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *viewer_renderer_name(const viewer *v)
{
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(v->r, &info) != 0 || !info.name)
		return "?";
	return info.name;
}

const char *viewer_video_driver(const viewer *v)
{
	(void)v;
	const char *d = SDL_GetCurrentVideoDriver();
	return d ? d : "?";
}

void viewer_set_run_state(viewer *v, double speed, bool paused)
{
	if (speed != v->speed || paused != v->paused) {
		v->dirty = true;
		v->skip = v->skip_len = 0; /* the call rate changes */
	}
	v->speed = speed;
	v->paused = paused;
}

void viewer_set_ble_state(viewer *v, const char *state, const char *peer, const char *passkey)
{
	char s[sizeof v->ble_state], p[sizeof v->ble_peer], k[sizeof v->passkey];
	copy_text(s, sizeof s, state);
	copy_text(p, sizeof p, peer);
	copy_text(k, sizeof k, passkey);
	if (strcmp(s, v->ble_state) || strcmp(p, v->ble_peer) || strcmp(k, v->passkey))
		v->dirty = true;
	memcpy(v->ble_state, s, sizeof s);
	memcpy(v->ble_peer, p, sizeof p);
	memcpy(v->passkey, k, sizeof k);
}

void viewer_request_screenshot(viewer *v)
{
	v->screenshot_pending = true;
	v->dirty = true;
}

/* ---------------------------------------------------------------------------------- */
/* Input                                                                                */
/* ---------------------------------------------------------------------------------- */

static void push(viewer *v, viewer_action a)
{
	if (v->q_len == QUEUE_LEN)
		return; /* the caller is not polling: drop */
	viewer_input in = {.action = a};
	if (a == VIEWER_ACTION_ACKNOWLEDGE) {
		in.annunciation = v->screen.annunciation;
		in.annunciation_id = v->screen.annunciation_id;
	}
	v->queue[(v->q_head + v->q_len++) % QUEUE_LEN] = in;
}

static int64_t span_of(const viewer *v)
{
	return spans_min[v->span_index];
}

/* Right edge of the window that follows the present: it moves in steps of 1/8 window and
 * keeps 1/16 to 3/16 of the window ahead of `now` (the picture stands still in between). */
static int64_t follow_end(const viewer *v, int64_t now)
{
	const int64_t span = span_of(v), step = span / 8;
	int64_t end = (now < 0 ? 0 : (now + step / 2) / step + 1) * step;
	return end < span ? span : end;
}

static void pan(viewer *v, int direction)
{
	const int64_t span = span_of(v);
	int64_t end = v->follow ? v->last_follow_end : v->end_min;
	end += direction * (span / 4);
	if (end < span)
		end = span;
	if (end >= v->last_follow_end) {
		v->follow = true;
	} else {
		v->follow = false;
		v->end_min = end;
	}
}

static void zoom(viewer *v, int direction)
{
	const int64_t old_end = v->follow ? v->last_follow_end : v->end_min;
	v->span_index = (v->span_index + direction + SPAN_COUNT) % SPAN_COUNT;
	if (!v->follow)
		v->end_min = old_end < span_of(v) ? span_of(v) : old_end;
}

static void handle_key(viewer *v, const SDL_KeyboardEvent *k)
{
	const bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
	switch (k->keysym.sym) {
	case SDLK_q:
	case SDLK_ESCAPE:
		push(v, VIEWER_ACTION_QUIT);
		break;
	case SDLK_SPACE:
		if (!k->repeat)
			push(v, VIEWER_ACTION_PAUSE);
		break;
	case SDLK_PLUS:
	case SDLK_KP_PLUS:
	case SDLK_EQUALS:
		push(v, VIEWER_ACTION_FASTER);
		break;
	case SDLK_MINUS:
	case SDLK_KP_MINUS:
		push(v, VIEWER_ACTION_SLOWER);
		break;
	case SDLK_LEFT:
		pan(v, -1);
		break;
	case SDLK_RIGHT:
		pan(v, +1);
		break;
	case SDLK_z:
		zoom(v, shift ? -1 : +1);
		break;
	case SDLK_END:
	case SDLK_f:
		v->follow = true;
		break;
	case SDLK_HOME:
		v->follow = false;
		v->end_min = span_of(v);
		break;
	case SDLK_s:
		if (!k->repeat)
			v->screenshot_pending = true;
		break;
	case SDLK_a:
		if (!k->repeat && v->has_screen && v->screen.annunciation != 0)
			push(v, VIEWER_ACTION_ACKNOWLEDGE);
		break;
	case SDLK_p:
		if (!k->repeat)
			push(v, VIEWER_ACTION_OPEN_PAIRING);
		break;
	default:
		return;
	}
	v->dirty = true;
}

static void read_events(viewer *v)
{
	SDL_Event e;
	while (SDL_PollEvent(&e)) {
		switch (e.type) {
		case SDL_QUIT:
			push(v, VIEWER_ACTION_QUIT);
			break;
		case SDL_KEYDOWN:
			handle_key(v, &e.key);
			break;
		case SDL_WINDOWEVENT:
			v->dirty = true;
			break;
		default:
			break;
		}
	}
}

/* Read the window's events when the last read is at least a frame interval old. */
static void maybe_read_events(viewer *v, uint64_t now)
{
	if (now < v->next_events)
		return;
	v->next_events = now + v->interval;
	read_events(v);
}

bool viewer_poll(viewer *v, viewer_input *out)
{
	/* Events are read by viewer_update (once per frame interval) and after viewer_wait. */
	if (v->q_len == 0 && v->events_waiting) {
		v->events_waiting = false;
		read_events(v);
	}
	if (v->q_len == 0)
		return false;
	*out = v->queue[v->q_head];
	v->q_head = (v->q_head + 1) % QUEUE_LEN;
	v->q_len--;
	return true;
}

void viewer_wait(viewer *v, int max_ms)
{
	if (max_ms > 0 && v->q_len == 0 && SDL_WaitEventTimeout(NULL, max_ms))
		v->events_waiting = true;
	v->skip = v->skip_len = 0; /* the caller is slow now: read the clock at the next update */
}

/* ---------------------------------------------------------------------------------- */
/* Drawing                                                                              */
/* ---------------------------------------------------------------------------------- */

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

static void draw_status_bar(viewer *v, const SDL_Rect *bar, const trace *t)
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
	const int64_t span = span_of(v);
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

static void draw_help_bar(viewer *v, const SDL_Rect *bar)
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

/*
 * The content of the pump's screen, top down from s->y; returns the y below it. Only reads
 * s->h to leave out the passkey box when it does not fit.
 */
static int draw_screen(viewer *v, const SDL_Rect *area)
{
	const int f = v->f;
	const SDL_Rect s = *area;
	int y = s.y + f / 2;
	char buf[160], buf2[128];
	const viewer_pump_screen *p = &v->screen;

	/* Status line: clock, battery. */
	clock_format_hhmm(p->min_of_day, buf, sizeof buf);
	text(v, PLOT_FONT_BOLD, c_text, s.x + f, y, 0, buf);
	snprintf(buf, sizeof buf, "%.0f %%", p->battery_pct);
	const int hb = lh(v, PLOT_FONT_BOLD);
	int bw = text(v, PLOT_FONT_NORMAL, c_text, s.x + s.w - f, y, PLOT_ALIGN_RIGHT, buf);
	draw_battery(v, s.x + s.w - f - bw - f / 2, y + hb / 4, hb / 2 + 2, p->battery_pct);
	y += hb;
	rule(v, &s, &y);

	/* Therapy state, large. */
	const char *state = "STOPPED";
	SDL_Color sc = c_red;
	if (p->therapy_state == PUMP_THERAPY_RUN) {
		state = "RUNNING";
		sc = c_green;
	} else if (p->therapy_state == PUMP_THERAPY_PAUSE) {
		state = "SUSPENDED";
		sc = c_yellow;
	}
	text(v, PLOT_FONT_LARGE, sc, s.x + f, y, 0, state);
	if (p->suspended_by_lgs)
		text(v, PLOT_FONT_SMALL, c_dim, s.x + s.w - f,
		     y + lh(v, PLOT_FONT_LARGE) - lh(v, PLOT_FONT_SMALL), PLOT_ALIGN_RIGHT,
		     "by low-glucose protection");
	y += lh(v, PLOT_FONT_LARGE) + f / 4;
	rule(v, &s, &y);

	/* Basal. */
	snprintf(buf, sizeof buf, "%.2f U/h", p->basal_u_per_h);
	screen_row(v, &s, &y, p->temp_basal_active ? "Basal (temporary)" : "Basal",
	           p->basal_u_per_h > 0.0 ? c_text : c_orange, buf);
	if (p->temp_basal_active) {
		const int64_t end_clock =
		    (int64_t)p->min_of_day + (p->temp_basal_end_min - p->now_min);
		char until[CLOCK_TEXT_MAX];
		clock_format_hhmm(end_clock, until, sizeof until);
		if (p->temp_basal_relative)
			snprintf(buf2, sizeof buf2, "%.0f %% until %s", p->temp_basal_value, until);
		else
			snprintf(buf2, sizeof buf2, "%.2f U/h until %s", p->temp_basal_value,
			         until);
		screen_detail(v, &s, &y, buf2);
	} else if (p->programmed_basal_u_per_h >= 0.0 &&
	           fabs(p->programmed_basal_u_per_h - p->basal_u_per_h) > 1e-9) {
		snprintf(buf2, sizeof buf2, "programmed %.2f U/h", p->programmed_basal_u_per_h);
		screen_detail(v, &s, &y, buf2);
	}

	/* Bolus, with progress. */
	if (p->bolus_active && p->bolus_programmed_u > 0.0) {
		snprintf(buf, sizeof buf, "%.2f of %.2f U", p->bolus_delivered_u,
		         p->bolus_programmed_u);
		screen_row(v, &s, &y, "Bolus", c_blue, buf);
		gauge(v, &s, &y, p->bolus_delivered_u / p->bolus_programmed_u, c_blue);
	} else {
		screen_row(v, &s, &y, "Bolus", p->bolus_active ? c_blue : c_dim,
		           p->bolus_active ? "delivering" : "none");
	}

	snprintf(buf, sizeof buf, "%.2f U", p->iob_u);
	screen_row(v, &s, &y, "Insulin on board", c_text, buf);

	/* Reservoir with a gauge. */
	const double full = p->reservoir_full_u > 0.0 ? p->reservoir_full_u : 300.0;
	snprintf(buf, sizeof buf, "%.1f U", p->reservoir_u);
	const double rf = p->reservoir_u / full;
	const SDL_Color rc = rf > 0.2 ? c_text : rf > 0.07 ? c_orange : c_red;
	screen_row(v, &s, &y, "Reservoir", rc, buf);
	gauge(v, &s, &y, rf, rf > 0.2 ? c_blue : rc);

	/* The newest CGM reading, up to 20 minutes old (then the sensor counts as lost). */
	if (v->has_cgm) {
		const double g = v->cgm_mgdl;
		snprintf(buf, sizeof buf, "%.0f mg/dL", g);
		const SDL_Color gc = g < 70.0 ? c_red : g > 180.0 ? c_orange : c_text;
		screen_row(v, &s, &y, "CGM", gc, buf);
		const int64_t age = p->now_min - v->cgm_min;
		if (age > 0) {
			snprintf(buf2, sizeof buf2, "%lld min ago", (long long)age);
			screen_detail(v, &s, &y, buf2);
		}
	} else {
		screen_row(v, &s, &y, "CGM", c_dim, "—");
	}
	rule(v, &s, &y);

	/* The newest annunciation. */
	if (p->annunciation != 0) {
		const char *label = plot_annunciation_label(p->annunciation);
		if (!label) {
			snprintf(buf2, sizeof buf2, "Annunciation 0x%04X",
			         (unsigned)p->annunciation);
			label = buf2;
		}
		snprintf(buf, sizeof buf, "⚠ %s", label);
		const int h = lh(v, PLOT_FONT_LARGE) + lh(v, PLOT_FONT_SMALL) + f;
		fill_rounded(v, c_alarm, (SDL_Rect){s.x + f / 2, y, s.w - f, h}, f / 2);
		text(v, PLOT_FONT_LARGE, c_white, s.x + f, y + f / 3, 0, buf);
		text(v, PLOT_FONT_SMALL, c_white, s.x + f, y + f / 3 + lh(v, PLOT_FONT_LARGE), 0,
		     "press A to acknowledge");
		y += h + f / 2;
	} else {
		screen_row(v, &s, &y, "Alarms", c_dim, "none");
	}
	rule(v, &s, &y);

	/* Bluetooth and the pairing passkey. */
	if (v->ble_state[0]) {
		const SDL_Color bc =
		    strcmp(v->ble_state, "connected") == 0 || strcmp(v->ble_state, "paired") == 0
		        ? c_green
		    : strcmp(v->ble_state, "advertising") == 0 ? c_blue
		                                               : c_dim;
		screen_row(v, &s, &y, "Bluetooth", bc, v->ble_state);
		if (v->ble_peer[0])
			screen_detail(v, &s, &y, v->ble_peer);
	} else {
		screen_row(v, &s, &y, "Bluetooth", c_dim, "—");
	}
	if (v->passkey[0]) {
		format_passkey(buf, sizeof buf, v->passkey);
		const int hk = lh(v, PLOT_FONT_HUGE);
		const int h = lh(v, PLOT_FONT_SMALL) + hk + f;
		if (y + h <= s.y + s.h) {
			const SDL_Rect box = {s.x + f / 2, y, s.w - f, h};
			outline(v, c_blue, box);
			outline(v, c_blue, (SDL_Rect){box.x + 1, box.y + 1, box.w - 2, box.h - 2});
			text(v, PLOT_FONT_SMALL, c_blue, s.x + s.w / 2, y + f / 3,
			     PLOT_ALIGN_CENTRE, "PAIRING PASSKEY");
			text(v, PLOT_FONT_HUGE, c_text, s.x + s.w / 2,
			     y + f / 3 + lh(v, PLOT_FONT_SMALL), PLOT_ALIGN_CENTRE, buf);
			y += h;
		}
	}

	return y + f / 2;
}

/* The pump: a device sized to its screen's content, on the side panel. */
static void draw_pump(viewer *v, const SDL_Rect *area)
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

/* PNG of the frame being drawn: fakepump-YYYYmmdd-HHMMSS[-N].png in the current directory. */
static void save_screenshot(viewer *v, int w, int h)
{
	char name[96];
	const time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	struct stat st;
	snprintf(name, sizeof name, "fakepump-%s.png", stamp);
	for (int i = 2; stat(name, &st) == 0 && i < 100; i++)
		snprintf(name, sizeof name, "fakepump-%s-%d.png", stamp, i);

	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
	bool ok =
	    s &&
	    SDL_RenderReadPixels(v->r, NULL, SDL_PIXELFORMAT_XRGB8888, s->pixels, s->pitch) == 0 &&
	    IMG_SavePNG(s, name) == 0;
	if (ok)
		snprintf(v->toast, sizeof v->toast, "screenshot saved: %s", name);
	else
		snprintf(v->toast, sizeof v->toast, "screenshot failed: %s", SDL_GetError());
	if (!v->quiet)
		fprintf(stderr, "fakepump: %s\n", v->toast);
	SDL_FreeSurface(s);
	v->toast_until = SDL_GetPerformanceCounter() + 4 * v->freq;
}

static void draw_frame(viewer *v, const trace *t)
{
	const double cpu0 = thread_cpu_s();
	const uint64_t wall0 = SDL_GetPerformanceCounter();
	int w = 0, h = 0;
	SDL_GetRendererOutputSize(v->r, &w, &h);
	const int f = v->f;
	const int top_h = (f * 13) / 5, help_h = (f * 11) / 5;
	int side_w = w / 4 < 22 * f ? 22 * f : w / 4;
	if (side_w > w / 2)
		side_w = w / 2;
	const SDL_Rect top = {0, 0, w, top_h};
	const SDL_Rect help = {0, h - help_h, w, help_h};
	const SDL_Rect side = {w - side_w, top_h, side_w, h - top_h - help_h};

	int64_t first = 0, now = 0;
	if (!trace_time_span(t, &first, &now))
		now = v->has_screen ? v->screen.now_min : 0;
	/* The screen's CGM: the newest reading at or before the screen's time, <= 20 min old. */
	v->has_cgm = false;
	if (v->has_screen) {
		size_t i0 = 0;
		const size_t n =
		    trace_rows_in(t, v->screen.now_min - 20, v->screen.now_min + 1, &i0);
		for (size_t i = i0 + n; i-- > i0;) {
			const engine_row *r = trace_row(t, i);
			if (r->has_cgm) {
				v->has_cgm = true;
				v->cgm_mgdl = r->cgm_mgdl;
				v->cgm_min = r->t_min;
				break;
			}
		}
	}
	v->last_follow_end = follow_end(v, now);
	const int64_t span = span_of(v);
	const int64_t end = v->follow ? v->last_follow_end : v->end_min;
	const plot_view view = {
	    .from_min = end - span,
	    .to_min = end,
	    .now_min = now,
	    .area = {0, top_h, w - side_w, h - top_h - help_h},
	    .title = NULL,
	};
	SDL_SetRenderDrawColor(v->r, 0xFF, 0xFF, 0xFF, 0xFF);
	SDL_RenderClear(v->r);
	plot_draw(v->plot, t, &view, NULL);
	draw_status_bar(v, &top, t);
	draw_pump(v, &side);
	draw_help_bar(v, &help);
	if (!v->size_warned && (v->pump_clipped || plot_legend_dropped(v->plot) > 0)) {
		v->size_warned = true;
		if (!v->quiet)
			fprintf(
			    stderr,
			    "fakepump: the window (%d × %d) is too small for %s; make it larger\n",
			    w, h, v->pump_clipped ? "the pump's screen" : "the legend");
	}
	if (v->screenshot_pending) {
		v->screenshot_pending = false;
		save_screenshot(v, w, h);
		draw_help_bar(v, &help); /* show where it went (not in the picture itself) */
	}
	SDL_RenderPresent(v->r);
	v->frames++;
	v->draw_cpu_s += thread_cpu_s() - cpu0;
	v->draw_wall_s += (double)(SDL_GetPerformanceCounter() - wall0) / (double)v->freq;
}

static void note_state(viewer *v, const trace *t, const viewer_pump_screen *screen)
{
	const size_t rows = trace_row_count(t), markers = trace_marker_count(t);
	if (t != v->last_trace || rows != v->last_rows || markers != v->last_markers)
		v->dirty = true;
	v->last_trace = t;
	v->last_rows = rows;
	v->last_markers = markers;
	if (screen) {
		if (!v->has_screen || !screen_equal(screen, &v->screen))
			v->dirty = true;
		v->screen = *screen;
		v->has_screen = true;
	} else if (v->has_screen) {
		v->has_screen = false;
		v->dirty = true;
	}
}

bool viewer_draw(viewer *v, const trace *t, const viewer_pump_screen *screen)
{
	note_state(v, t, screen);
	const uint64_t now = SDL_GetPerformanceCounter();
	maybe_read_events(v, now);
	if (v->toast_until && now >= v->toast_until) {
		v->toast[0] = '\0';
		v->toast_until = 0;
	}
	draw_frame(v, t);
	v->dirty = false;
	v->next_frame = now + v->interval;
	return true;
}

/* The frame check: a counter, and the clock about 16 times per frame interval. Returns the
 * clock reading when a frame is due, 0 when not. */
static uint64_t frame_due(viewer *v)
{
	if (v->skip > 0) {
		v->skip--;
		v->calls_since_check++;
		return 0;
	}
	const uint64_t now = SDL_GetPerformanceCounter();
	const uint64_t calls = v->calls_since_check + 1, dt = now - v->last_check;
	const uint64_t budget = v->interval / 16;
	if (dt < budget) /* calls come fast: double the skip (the next gap is then measured) */
		v->skip_len = v->skip_len == 0           ? 1
		              : v->skip_len < (1u << 20) ? 2 * v->skip_len
		                                         : v->skip_len;
	else /* too slow a gap: shrink to what fits in the budget at the rate just seen */
		v->skip_len = calls < (1u << 30) ? calls * budget / dt : 0;
	v->skip = v->skip_len;
	v->calls_since_check = 0;
	v->last_check = now;
	return now >= v->next_frame ? (now ? now : 1) : 0;
}

bool viewer_frame_due(viewer *v)
{
	v->due_at = frame_due(v);
	return v->due_at != 0;
}

bool viewer_update(viewer *v, const trace *t, const viewer_pump_screen *screen)
{
	uint64_t now = v->due_at;
	v->due_at = 0;
	if (!now)
		now = frame_due(v);
	if (!now)
		return false;
	maybe_read_events(v, now);
	if (v->toast_until && now >= v->toast_until) {
		v->toast[0] = '\0';
		v->toast_until = 0;
		v->dirty = true;
	}
	note_state(v, t, screen);
	if (!v->dirty) {
		v->next_frame = now + v->interval / 4; /* look again soon, cheaply */
		return false;
	}
	/* Keep the cadence; after a stall, start again from now. */
	v->next_frame += v->interval;
	if (v->next_frame < now)
		v->next_frame = now + v->interval;
	draw_frame(v, t);
	v->dirty = false;
	return true;
}
