/*
 * viewer_plugin (module side) — the table of the viewer's functions, the only symbol the
 * executable looks up in fakepump-viewer.so.
 */
#include "plot.h"
#include "plot_trial.h"
#include "viewer_plugin.h"

const viewer_api *fakepump_viewer_api(void);

const viewer_api *fakepump_viewer_api(void)
{
	static const viewer_api api = {
	    .write_png = plot_write_png_titled,
	    .open = viewer_open,
	    .close = viewer_close,
	    .update = viewer_update,
	    .frame_due = viewer_frame_due,
	    .draw = viewer_draw,
	    .poll = viewer_poll,
	    .wait = viewer_wait,
	    .set_run_state = viewer_set_run_state,
	    .set_ble_state = viewer_set_ble_state,
	    .screen_from_row = viewer_pump_screen_from_row,
	    .write_picture = plot_write_picture,
	    .write_trial_png = plot_trial_write_png,
	};
	return &api;
}
