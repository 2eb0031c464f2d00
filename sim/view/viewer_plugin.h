/*
 * viewer_plugin — the window and the pictures (SDL2) as a module loaded on first use, so
 * that a headless run never loads SDL and its seventy libraries (8 ms of start-up, a
 * twentieth of a simulated patient-year). The module (fakepump-viewer.so, built next to
 * the executable) exports one function that returns this table.
 */
#ifndef FAKEPUMP_VIEWER_PLUGIN_H
#define FAKEPUMP_VIEWER_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plot_png.h"
#include "plot_trial.h"
#include "trace.h"
#include "viewer.h"

typedef struct viewer_api {
	bool (*write_png)(const trace *t, int64_t from_min, int64_t to_min, int width, int height,
	                  const char *title, const char *path, char *err, size_t errlen);
	viewer *(*open)(const viewer_options *opt, char *err, size_t errlen);
	void (*close)(viewer *v);
	bool (*update)(viewer *v, const trace *t, const viewer_pump_screen *screen);
	bool (*frame_due)(viewer *v);
	bool (*draw)(viewer *v, const trace *t, const viewer_pump_screen *screen);
	bool (*poll)(viewer *v, viewer_input *out);
	void (*wait)(viewer *v, int max_ms);
	void (*set_run_state)(viewer *v, double speed, bool paused);
	void (*set_ble_state)(viewer *v, const char *state, const char *peer, const char *passkey);
	void (*screen_from_row)(viewer_pump_screen *s, const engine_row *row);
	/* write_png with a footer (plot_png.h); write_png, as the executable gets it from
	 * viewer_api_get, adds a footer naming the build and the date */
	bool (*write_picture)(const trace *t, const plot_picture *pic, char *err, size_t errlen);
	/* a trial's AGP, CVGA or strip picture (plot_trial.h) */
	bool (*write_trial_png)(plot_trial_kind kind, const trial_figures *f, int width, int height,
	                        const char *title, const char *footer, const char *path, char *err,
	                        size_t errlen);
} viewer_api;

/* The symbol the module exports. */
#define VIEWER_PLUGIN_SYMBOL "fakepump_viewer_api"
typedef const viewer_api *(*viewer_plugin_entry)(void);

/*
 * Load the module once (FAKEPUMP_VIEWER names it, else fakepump-viewer.so beside the
 * executable, else the installed one); NULL with the reason when it cannot be loaded.
 */
const viewer_api *viewer_api_get(char *err, size_t errlen);

#endif
