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
 * the pump (a dark device with its screen) on the right, the keys along the bottom. The
 * bars and the pump are drawn by viewer_paint.c, the keys read by viewer_input.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <SDL.h>
#include <SDL_image.h>

#include "plot.h"
#include "viewer_fit.h"
#include "viewer_internal.h"

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
	v->span_index = VIEWER_SPAN_DEFAULT;
	if (opt->span_min > 0) {
		v->span_index = VIEWER_SPAN_COUNT - 1;
		for (int i = 0; i < VIEWER_SPAN_COUNT; i++)
			if (viewer_spans_min[i] >= opt->span_min) {
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
	v->last_follow_end = viewer_follow_end_min(v, now);
	const int64_t span = viewer_span_min(v);
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
	viewer_paint_status_bar(v, &top, t);
	viewer_paint_pump(v, &side);
	viewer_paint_help_bar(v, &help);
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
		viewer_paint_help_bar(v,
		                      &help); /* show where it went (not in the picture itself) */
	}
	SDL_RenderPresent(v->r);
	v->frames++;
	v->draw_cpu_s += thread_cpu_s() - cpu0;
	v->draw_wall_s += (double)(SDL_GetPerformanceCounter() - wall0) / (double)v->freq;
}

/* Read the window's events when the last read is at least a frame interval old. */
static void maybe_read_events(viewer *v, uint64_t now)
{
	if (now < v->next_events)
		return;
	v->next_events = now + v->interval;
	viewer_read_events(v);
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
