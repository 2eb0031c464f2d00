/*
 * viewer_internal — the live window's state, shared by the viewer's files; not an API
 * (viewer.h is). viewer.c: lifetime, frame pacing, the frame; viewer_input.c: keys, the
 * action queue, pan and zoom; viewer_paint.c: the status bar, the keys bar and the pump
 * with its screen.
 */
#ifndef FAKEPUMP_VIEWER_INTERNAL_H
#define FAKEPUMP_VIEWER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

#include "plot.h"
#include "viewer.h"

enum {
	VIEWER_QUEUE_LEN = 32, /* actions waiting for viewer_poll; more are dropped */
	VIEWER_SPAN_COUNT = 5, /* the window widths z cycles through (viewer_spans_min) */
	VIEWER_SPAN_DEFAULT = 2,
};

/* The plot window's widths, minutes: 6 h, 12 h, 1 d, 3 d, 7 d. */
extern const int64_t viewer_spans_min[VIEWER_SPAN_COUNT];

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

	viewer_input queue[VIEWER_QUEUE_LEN];
	unsigned q_head, q_len;
	bool screenshot_pending;
	char toast[200];
	uint64_t toast_until;
	uint64_t frames;
	double draw_cpu_s, draw_wall_s;
};

/* viewer_input.c */

/* The window's width now, minutes. */
int64_t viewer_span_min(const viewer *v);
/* Right edge of the window that follows the present `now_min` (see viewer_input.c). */
int64_t viewer_follow_end_min(const viewer *v, int64_t now_min);
/* Read every pending window event: keys become actions or view changes. */
void viewer_read_events(viewer *v);

/* viewer_paint.c: each draws into its rectangle with v's renderer and fonts. */
void viewer_paint_status_bar(viewer *v, const SDL_Rect *bar, const trace *t);
void viewer_paint_help_bar(viewer *v, const SDL_Rect *bar);
/* The pump device and its screen (v->screen, v->has_cgm, BLE, passkey); sets v->pump_clipped. */
void viewer_paint_pump(viewer *v, const SDL_Rect *area);

#endif
