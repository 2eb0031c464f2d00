/*
 * viewer — the live window: the run's traces (plot.h) beside the pump's screen (therapy
 * state, basal, bolus progress, IOB, reservoir, battery, the newest annunciation, BLE
 * state and a pairing passkey in large digits), the simulation clock and speed.
 *
 * Must never slow the simulation: viewer_update may be called after every simulated minute;
 * it returns at once unless a frame is due (its own frame rate, 60 fps by default) and
 * something changed, and it never waits for the display (no vsync). The caller owns pacing,
 * pause and speed; the viewer only reports the keys (viewer_poll).
 *
 * Keys: space pause, + / - speed, ← / → pan, z zoom (6 h, 12 h, 24 h, 3 d, 7 d; Z back),
 * End follow the present, Home the start, s screenshot (PNG in the current directory, its
 * name printed on stderr), a acknowledge the annunciation shown, p open pairing, q quit.
 *
 * One viewer per process (SDL's video subsystem is process-wide).
 */
#ifndef FAKEPUMP_VIEWER_H
#define FAKEPUMP_VIEWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

typedef struct viewer_options {
	int width, height; /* window size in pixels, kept as given; 0: 1440 × 810 scaled down
	                      to the display's usable area (viewer_fit.h) */
	int fps;           /* frame rate cap; 0: 60 */
	bool software;     /* SDL's software renderer even when an accelerated one exists */
	const char *title; /* headline, e.g. "demo-day · adult#001"; copied; may be NULL */
	int64_t span_min;  /* initial time window; 0: 24 h */
	bool quiet;        /* do not print screenshot names */
} viewer_options;

/*
 * What the pump's screen shows. Fill it from the newest engine row with
 * viewer_pump_screen_from_row, then add what only the pump knows (pump_get_status):
 * temp basal and bolus progress. Plain value; the viewer copies it.
 */
typedef struct viewer_pump_screen {
	int64_t now_min;                 /* run minute of the state shown */
	int day, min_of_day;             /* its clock (day 1-based) */
	int therapy_state;               /* pump_therapy_state: 0 stop, 1 pause, 2 run */
	bool suspended_by_lgs;           /* paused by low-glucose protection */
	double basal_u_per_h;            /* rate being delivered */
	double programmed_basal_u_per_h; /* < 0: unknown */
	bool temp_basal_active;
	bool temp_basal_relative; /* value in % of the program, else U/h */
	double temp_basal_value;
	int64_t temp_basal_end_min;
	bool bolus_active;
	double bolus_programmed_u; /* progress shown when > 0 */
	double bolus_delivered_u;
	double iob_u;
	double reservoir_u;
	double reservoir_full_u; /* for the gauge; <= 0: 300 U */
	double battery_pct;
	int annunciation;         /* pump_annunciation_type of the newest active one; 0 none */
	uint16_t annunciation_id; /* its instance id (for acknowledging); 0 unknown */
} viewer_pump_screen;

/* Everything the row has (clock, therapy state, basal, IOB, reservoir, battery,
 * annunciation); the rest zeroed, programmed basal unknown. The screen's CGM reading is
 * taken from the trace (the newest reading, up to 20 minutes old). */
void viewer_pump_screen_from_row(viewer_pump_screen *s, const engine_row *row);

typedef enum viewer_action {
	VIEWER_ACTION_NONE = 0,
	VIEWER_ACTION_QUIT,         /* q, Escape, or the window was closed */
	VIEWER_ACTION_PAUSE,        /* space: toggle pause */
	VIEWER_ACTION_FASTER,       /* + */
	VIEWER_ACTION_SLOWER,       /* - */
	VIEWER_ACTION_ACKNOWLEDGE,  /* a, while an annunciation is shown: confirm it */
	VIEWER_ACTION_OPEN_PAIRING, /* p: the pump's "pair" button (open a pairing window) */
} viewer_action;

typedef struct viewer_input {
	viewer_action action;
	int annunciation;         /* ACKNOWLEDGE: the type shown */
	uint16_t annunciation_id; /* ACKNOWLEDGE: its id (0 when the screen did not give one) */
} viewer_input;

typedef struct viewer viewer;

/*
 * Open the window. NULL with the reason in `err` when there is no display (no DISPLAY /
 * WAYLAND_DISPLAY and no SDL_VIDEODRIVER), SDL cannot start, or no font is found: the
 * caller then runs headless and prints the reason on one line. `opt` may be NULL.
 */
viewer *viewer_open(const viewer_options *opt, char *err, size_t errlen);
/* Close the window and release everything. NULL is a no-op. */
void viewer_close(viewer *v);

/*
 * Draw a frame when one is due and something changed; otherwise return at once (cost: one
 * clock read). `t` and `screen` are only read, during the call. `screen` may be NULL
 * (nothing shown on the pump yet). True when a frame was drawn.
 */
bool viewer_update(viewer *v, const trace *t, const viewer_pump_screen *screen);

/*
 * True when a frame is due: the next viewer_update then draws if anything changed. Lets a
 * caller build the pump screen (pump_get_status …) only ~60 times a second instead of
 * after every simulated minute:
 *     if (viewer_frame_due(v)) { fill screen; viewer_update(v, t, &screen); }
 * Same cost as a viewer_update that has nothing to do.
 */
bool viewer_frame_due(viewer *v);

/* Draw a frame now, due or not (the final state at the end of a run, benchmarks). */
bool viewer_draw(viewer *v, const trace *t, const viewer_pump_screen *screen);

/*
 * The next key action for the caller; false when there is none. Pan, zoom and screenshots
 * are handled inside. Reads the window's events at most once per frame interval, so it is
 * cheap to call after every simulated minute.
 */
bool viewer_poll(viewer *v, viewer_input *out);

/* Block until an event arrives or `max_ms` passes (for a paused caller's loop). */
void viewer_wait(viewer *v, int max_ms);

/* Speed shown in the status line: N × real time, 0 = max; and whether the run is paused. */
void viewer_set_run_state(viewer *v, double speed, bool paused);

/*
 * BLE state shown on the pump screen. `state`: free text such as "off", "advertising",
 * "connected", "paired" (NULL: not shown); `peer`: the other device (NULL: none);
 * `passkey`: the 6-digit pairing passkey shown in large digits (NULL: none). Copied.
 */
void viewer_set_ble_state(viewer *v, const char *state, const char *peer, const char *passkey);

/* Ask for a screenshot of the next frame (as the 's' key). */
void viewer_request_screenshot(viewer *v);

/* What drawing has cost so far (for benchmarks): frames drawn, and the CPU and wall time
 * spent in them (thread CPU time, from the frame's first draw call to its present). */
typedef struct viewer_stats {
	uint64_t frames;
	double draw_cpu_s;
	double draw_wall_s;
} viewer_stats;

void viewer_get_stats(const viewer *v, viewer_stats *out);
/* The SDL renderer in use ("software", "opengl", …) and the video driver ("x11", …). */
const char *viewer_renderer_name(const viewer *v);
const char *viewer_video_driver(const viewer *v);

#endif
