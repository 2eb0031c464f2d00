/*
 * Tests for the run trace (sim/trace.h), the plot (sim/view/plot.h) and the live viewer
 * (sim/view/viewer.h).
 *
 * The plot is rendered off-screen (SDL's software renderer on a surface, no display) from a
 * synthetic run whose values are known, and pixels are checked where the plot's own
 * coordinate mapping says the glucose line, the target band, a bolus bar, CGM dots, a meal
 * and a suspension must be: positions are computed, never hard-coded. The viewer tests use
 * SDL's "offscreen" video driver, so they need no display either.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "plot.h"
#include "trace.h"
#include "viewer.h"

enum { THERAPY_PAUSE = 1, THERAPY_RUN = 2 };

static engine_row row_at(int64_t t, int start_min_of_day)
{
	const int64_t clock = t + start_min_of_day;
	return (engine_row){.t_min = t,
	                    .day = (int)(clock / 1440) + 1,
	                    .min_of_day = (int)(clock % 1440),
	                    .bg_mgdl = 100.0,
	                    .therapy_state = THERAPY_RUN,
	                    .basal_u_per_h = 1.0};
}

/* ------------------------------------------------------------------------------------ */
/* Trace                                                                                */
/* ------------------------------------------------------------------------------------ */

Test(trace, rows_are_kept_in_order_and_a_row_not_later_than_the_last_is_refused)
{
	trace *t = trace_new();
	cr_assert_not_null(t);
	engine_row r = row_at(5, 0);
	cr_assert_eq(trace_append_row(t, &r), TRACE_OK);
	r.t_min = 5;
	cr_assert_eq(trace_append_row(t, &r), TRACE_OUT_OF_ORDER);
	r.t_min = 4;
	cr_assert_eq(trace_append_row(t, &r), TRACE_OUT_OF_ORDER);
	r.t_min = 6;
	r.bg_mgdl = 123.0;
	cr_assert_eq(trace_append_row(t, &r), TRACE_OK);
	cr_assert_eq(trace_row_count(t), 2);
	cr_assert_eq(trace_row(t, 1)->bg_mgdl, 123.0);
	cr_assert_eq(trace_last_row(t)->t_min, 6);
	cr_assert_null(trace_row(t, 2));
	cr_assert_eq(trace_append_row(t, NULL), TRACE_INVALID);
	trace_free(t);
}

Test(trace, a_year_of_rows_keeps_the_last_16_days_contiguous_and_the_whole_year_profiled)
{
	trace *t = trace_new();
	const int64_t n = 525601;
	for (int64_t k = 0; k < n; k++) {
		engine_row r = row_at(k, 360);
		r.bg_mgdl = (double)(k % 400);
		cr_assert_eq(trace_append_row(t, &r), TRACE_OK);
	}
	/* bounded: between 16 and 32 days of rows, the newest, contiguous */
	const size_t kept = trace_row_count(t);
	cr_assert_geq(kept, (size_t)TRACE_KEEP_MIN);
	cr_assert_lt(kept, (size_t)(2 * TRACE_KEEP_MIN));
	const engine_row *first = trace_row(t, 0);
	cr_assert_eq(trace_last_row(t)->t_min, n - 1);
	for (size_t k = 0; k < kept; k += 997)
		cr_assert_eq(first[k].t_min, n - (int64_t)kept + (int64_t)k);
	int64_t a = -1, b = -1;
	cr_assert(trace_time_span(t, &a, &b));
	cr_assert_eq(a, 0, "the span is the whole run's");
	cr_assert_eq(b, n - 1);
	cr_assert_eq(trace_start_min_of_day(t), 360);
	cr_assert_eq(agp_day_count(trace_profile(t)), 366, "06:00 + 365 days spans 366 days");
	size_t in = 0;
	cr_assert_eq(trace_rows_in(t, 0, 1440, &in), 0, "the first day's rows are gone");
	trace_free(t);
}

Test(trace, a_cgm_gap_and_a_sensor_fault_become_markers)
{
	trace *t = trace_new();
	for (int64_t k = 0; k < 300; k++) {
		engine_row r = row_at(k, 0);
		r.has_cgm = k % 5 == 0 && (k < 100 || k >= 160);
		r.cgm_mgdl = 120;
		trace_append_row(t, &r);
	}
	cr_assert_eq(trace_add_sensor_fault(t, 100, 60, "sensor_dropout"), TRACE_OK);
	size_t gaps = 0, sensor = 0;
	for (size_t i = 0; i < trace_marker_count(t); i++) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind == TRACE_MARK_CGM_GAP) {
			gaps++;
			cr_assert_eq(m->t_min, 96, "from the minute after the last reading");
			cr_assert_float_eq(m->amount, 64, 1e-9);
		}
		if (m->kind == TRACE_MARK_SENSOR) {
			sensor++;
			cr_assert_str_eq(m->label, "sensor_dropout");
		}
	}
	cr_assert_eq(gaps, 1);
	cr_assert_eq(sensor, 1);
	trace_free(t);
}

Test(trace, a_window_holds_the_rows_from_its_start_up_to_but_not_including_its_end)
{
	trace *t = trace_new();
	for (int64_t k = 10; k < 20; k++) {
		engine_row r = row_at(k, 0);
		trace_append_row(t, &r);
	}
	size_t first = 99;
	cr_assert_eq(trace_rows_in(t, 12, 15, &first), 3);
	cr_assert_eq(first, 2);
	cr_assert_eq(trace_row(t, first)->t_min, 12);
	cr_assert_eq(trace_rows_in(t, 0, 10, &first), 0);
	cr_assert_eq(first, 0);
	cr_assert_eq(trace_rows_in(t, 0, 11, &first), 1);
	cr_assert_eq(trace_rows_in(t, 19, 100, &first), 1);
	cr_assert_eq(trace_rows_in(t, 20, 100, &first), 0);
	cr_assert_eq(first, 10);
	cr_assert_eq(trace_rows_in(t, 15, 15, NULL), 0);
	cr_assert_eq(trace_rows_in(t, 15, 12, NULL), 0);
	trace_free(t);
}

Test(trace, markers_given_out_of_order_are_kept_sorted_and_equal_times_keep_their_order)
{
	trace *t = trace_new();
	trace_add_meal(t, 30, 50.0);
	trace_add_bolus(t, 10, 5.0);
	trace_add_annunciation(t, 30, 0x003C, "occlusion");
	trace_add_fault(t, 20, 1, "occlusion_cleared");
	trace_add_bolus(t, 30, 1.5);
	cr_assert_eq(trace_marker_count(t), 5);
	const int64_t want_t[] = {10, 20, 30, 30, 30};
	const trace_marker_kind want_kind[] = {TRACE_MARK_BOLUS, TRACE_MARK_FAULT, TRACE_MARK_MEAL,
	                                       TRACE_MARK_ANNUNCIATION, TRACE_MARK_BOLUS};
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(trace_marker_at(t, i)->t_min, want_t[i], "marker %zu", i);
		cr_assert_eq(trace_marker_at(t, i)->kind, want_kind[i], "marker %zu", i);
	}
	cr_assert_str_eq(trace_marker_at(t, 3)->label, "occlusion");
	cr_assert_eq(trace_marker_at(t, 3)->code, 0x003C);
	cr_assert_eq(trace_marker_at(t, 4)->amount, 1.5);
	size_t first = 0;
	cr_assert_eq(trace_markers_in(t, 20, 30, &first), 1);
	cr_assert_eq(first, 1);
	cr_assert_eq(trace_markers_in(t, 11, 100, &first), 4);
	trace_free(t);
}

Test(trace, bad_amounts_are_refused_and_long_labels_are_cut_to_fit)
{
	trace *t = trace_new();
	cr_assert_eq(trace_add_meal(t, 0, -1.0), TRACE_INVALID);
	cr_assert_eq(trace_add_bolus(t, 0, NAN), TRACE_INVALID);
	cr_assert_eq(trace_add_bolus(t, 0, INFINITY), TRACE_INVALID);
	cr_assert_eq(trace_marker_count(t), 0);
	char long_name[200];
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	cr_assert_eq(trace_add_fault(t, 0, 2, long_name), TRACE_OK);
	cr_assert_eq(strlen(trace_marker_at(t, 0)->label), TRACE_LABEL_MAX - 1);
	cr_assert_eq(trace_add_annunciation(t, 1, 0x0066, NULL), TRACE_OK);
	cr_assert_str_eq(trace_marker_at(t, 1)->label, "");
	trace_clear(t);
	cr_assert_eq(trace_marker_count(t), 0);
	cr_assert_eq(trace_row_count(t), 0);
	cr_assert_null(trace_last_row(t));
	trace_free(t);
}

Test(trace, pump_events_become_bolus_annunciation_and_fault_markers)
{
	trace *t = trace_new();
	pump_event ev = {.t_min = 60, .kind = PUMP_EV_BOLUS_STARTED, .value = 6.5, .value2 = 2.0};
	cr_assert_eq(trace_add_pump_event(t, &ev), TRACE_OK);
	ev = (pump_event){.t_min = 90,
	                  .kind = PUMP_EV_ANNUNCIATION,
	                  .detail = "raised",
	                  .annunciation = {.id = 3, .type = PUMP_ANN_OCCLUSION}};
	cr_assert_eq(trace_add_pump_event(t, &ev), TRACE_OK);
	ev.detail = "confirmed";
	ev.t_min = 95;
	cr_assert_eq(trace_add_pump_event(t, &ev), TRACE_OK); /* no second flag */
	ev = (pump_event){.t_min = 100, .kind = PUMP_EV_FAULT, .fault = PUMP_FAULT_OCCLUSION};
	cr_assert_eq(trace_add_pump_event(t, &ev), TRACE_OK);
	ev = (pump_event){.t_min = 110, .kind = PUMP_EV_BASAL_CHANGED, .value = 0.5};
	cr_assert_eq(trace_add_pump_event(t, &ev), TRACE_OK); /* in the rows, not a marker */
	cr_assert_eq(trace_marker_count(t), 3);
	cr_assert_eq(trace_marker_at(t, 0)->kind, TRACE_MARK_BOLUS);
	cr_assert_eq(trace_marker_at(t, 0)->amount, 6.5, "the programmed total");
	cr_assert_eq(trace_marker_at(t, 1)->kind, TRACE_MARK_ANNUNCIATION);
	cr_assert_eq(trace_marker_at(t, 1)->code, PUMP_ANN_OCCLUSION);
	cr_assert_str_eq(trace_marker_at(t, 1)->label, pump_annunciation_name(PUMP_ANN_OCCLUSION));
	cr_assert_eq(trace_marker_at(t, 2)->kind, TRACE_MARK_FAULT);
	cr_assert_str_eq(trace_marker_at(t, 2)->label, pump_fault_name(PUMP_FAULT_OCCLUSION));
	cr_assert_eq(trace_add_pump_event(t, NULL), TRACE_INVALID);
	trace_free(t);
}

/* ------------------------------------------------------------------------------------ */
/* The plot                                                                             */
/* ------------------------------------------------------------------------------------ */

/*
 * The known run: one day from 00:00. True BG 100 mg/dL until 10:00, then 250; CGM every
 * 5 min reading 30 above the truth; a 5 U bolus at 08:00 (IOB 0 throughout, so nothing
 * covers the bar); a 60 g meal at 07:00; basal 1 U/h, suspended 15:00–16:00.
 */
enum { BOLUS_MIN = 480, MEAL_MIN = 420, STEP_MIN = 600, SUSPEND_FROM = 900, SUSPEND_TO = 960 };

static trace *known_run(int64_t rows)
{
	trace *t = trace_new();
	for (int64_t k = 0; k < rows; k++) {
		engine_row r = row_at(k, 0);
		r.bg_mgdl = k < STEP_MIN ? 100.0 : 250.0;
		r.has_cgm = k % 5 == 0;
		r.cgm_mgdl = r.bg_mgdl + 30.0;
		if (k >= SUSPEND_FROM && k < SUSPEND_TO) {
			r.therapy_state = THERAPY_PAUSE;
			r.basal_u_per_h = 0.0;
		}
		trace_append_row(t, &r);
	}
	trace_add_meal(t, MEAL_MIN, 60.0);
	trace_add_bolus(t, BOLUS_MIN, 5.0);
	return t;
}

static SDL_Surface *new_surface(int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
	cr_assert_not_null(s, "%s", SDL_GetError());
	return s;
}

static SDL_Color pixel(SDL_Surface *s, int x, int y)
{
	cr_assert(x >= 0 && y >= 0 && x < s->w && y < s->h, "(%d, %d) outside the picture", x, y);
	Uint32 v = 0;
	SDL_Surface *rgb = s;
	if (s->format->format != SDL_PIXELFORMAT_XRGB8888)
		rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_XRGB8888, 0);
	memcpy(&v, (const Uint8 *)rgb->pixels + y * rgb->pitch + x * 4, 4);
	SDL_Color c;
	SDL_GetRGB(v, rgb->format, &c.r, &c.g, &c.b);
	c.a = 255;
	if (rgb != s)
		SDL_FreeSurface(rgb);
	return c;
}

static bool same_colour(SDL_Color a, SDL_Color b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b;
}

#define assert_colour(surface, x, y, want, what)                                                   \
	do {                                                                                       \
		const SDL_Color got_ = pixel((surface), (x), (y));                                 \
		const SDL_Color want_ = plot_colour_rgb(want);                                     \
		cr_assert(same_colour(got_, want_),                                                \
		          "%s at (%d, %d): got #%02X%02X%02X, want #%02X%02X%02X", (what), (x),    \
		          (y), got_.r, got_.g, got_.b, want_.r, want_.g, want_.b);                 \
	} while (0)

/* Some pixel within `radius` of (x, y) whose channels are all within `tolerance` of want. */
static bool near_colour(SDL_Surface *s, int x, int y, int radius, plot_colour want, int tolerance)
{
	const SDL_Color w = plot_colour_rgb(want);
	for (int dy = -radius; dy <= radius; dy++)
		for (int dx = -radius; dx <= radius; dx++) {
			const SDL_Color c = pixel(s, x + dx, y + dy);
			if (abs(c.r - w.r) <= tolerance && abs(c.g - w.g) <= tolerance &&
			    abs(c.b - w.b) <= tolerance)
				return true;
		}
	return false;
}

enum { W = 1200, H = 700, FONT = 12 };

static SDL_Surface *render_known(const trace *t, plot_layout *l)
{
	SDL_Surface *s = new_surface(W, H);
	const plot_view v = {.from_min = 0,
	                     .to_min = 1440,
	                     .now_min = -1,
	                     .area = {0, 0, W, H},
	                     .title = "known run"};
	char err[256] = "";
	cr_assert(plot_render_to_surface(t, &v, s, FONT, err, sizeof err), "%s", err);
	cr_assert(plot_compute_layout(t, &v, FONT, l));
	return s;
}

Test(plot, the_true_glucose_line_is_drawn_where_the_mapping_puts_each_value)
{
	trace *t = known_run(1441);
	plot_layout l;
	SDL_Surface *s = render_known(t, &l);
	assert_colour(s, plot_x_of_min(&l, 300), plot_y_of_bg(&l, 100.0), PLOT_COLOUR_BG_LINE,
	              "BG 100 at 05:00");
	assert_colour(s, plot_x_of_min(&l, 1200), plot_y_of_bg(&l, 250.0), PLOT_COLOUR_BG_LINE,
	              "BG 250 at 20:00");
	/* The step from 100 to 250 is a vertical stroke at 10:00. */
	assert_colour(s, plot_x_of_min(&l, STEP_MIN), plot_y_of_bg(&l, 175.0), PLOT_COLOUR_BG_LINE,
	              "the rise at 10:00");
	/* Nothing of the line where the value is not. */
	cr_assert(!same_colour(pixel(s, plot_x_of_min(&l, 300), plot_y_of_bg(&l, 250.0)),
	                       plot_colour_rgb(PLOT_COLOUR_BG_LINE)));
	SDL_FreeSurface(s);
	trace_free(t);
}

Test(plot, the_target_band_fills_70_to_180_and_nothing_outside)
{
	trace *t = known_run(1441);
	plot_layout l;
	SDL_Surface *s = render_known(t, &l);
	/* 16:40 is on no grid line (ticks fall on whole quarter hours). */
	const int x = plot_x_of_min(&l, 1000);
	assert_colour(s, x, plot_y_of_bg(&l, 125.0), PLOT_COLOUR_TARGET_BAND, "band at 125");
	assert_colour(s, x, plot_y_of_bg(&l, 75.0), PLOT_COLOUR_TARGET_BAND, "band at 75");
	assert_colour(s, x, plot_y_of_bg(&l, 175.0), PLOT_COLOUR_TARGET_BAND, "band at 175");
	assert_colour(s, x, plot_y_of_bg(&l, 190.0), PLOT_COLOUR_PANEL, "above the band");
	assert_colour(s, x, plot_y_of_bg(&l, 62.0), PLOT_COLOUR_PANEL, "below the band");
	SDL_FreeSurface(s);
	trace_free(t);
}

Test(plot, a_bolus_is_a_bar_from_zero_up_to_its_units_at_its_minute)
{
	trace *t = known_run(1441);
	plot_layout l;
	SDL_Surface *s = render_known(t, &l);
	const int x = plot_x_of_min(&l, BOLUS_MIN);
	assert_colour(s, x, plot_y_of_insulin(&l, 0.5), PLOT_COLOUR_BOLUS, "bar at 0.5 U");
	assert_colour(s, x, plot_y_of_insulin(&l, 2.5), PLOT_COLOUR_BOLUS, "bar at 2.5 U");
	assert_colour(s, x, plot_y_of_insulin(&l, 4.8), PLOT_COLOUR_BOLUS, "bar at 4.8 U");
	cr_assert(!same_colour(pixel(s, x, plot_y_of_insulin(&l, 5.0) - 2),
	                       plot_colour_rgb(PLOT_COLOUR_BOLUS)),
	          "the bar ends at 5 U");
	cr_assert(
	    !same_colour(pixel(s, plot_x_of_min(&l, BOLUS_MIN + 60), plot_y_of_insulin(&l, 2.5)),
	                 plot_colour_rgb(PLOT_COLOUR_BOLUS)),
	    "no bar an hour later");
	SDL_FreeSurface(s);
	trace_free(t);
}

Test(plot, cgm_readings_meals_and_suspensions_are_where_they_happened)
{
	trace *t = known_run(1441);
	plot_layout l;
	SDL_Surface *s = render_known(t, &l);
	assert_colour(s, plot_x_of_min(&l, 200), plot_y_of_bg(&l, 130.0), PLOT_COLOUR_CGM,
	              "CGM reading 130 at 03:20");
	assert_colour(s, plot_x_of_min(&l, MEAL_MIN), l.glucose.y + 2, PLOT_COLOUR_MEAL,
	              "meal marker at 07:00");
	const SDL_Color c = pixel(s, plot_x_of_min(&l, 935), plot_y_of_basal(&l, 0.2));
	cr_assert(same_colour(c, plot_colour_rgb(PLOT_COLOUR_SUSPENDED_FILL)) ||
	              same_colour(c, plot_colour_rgb(PLOT_COLOUR_SUSPENDED)),
	          "suspension shaded at 15:35");
	assert_colour(s, plot_x_of_min(&l, 700), plot_y_of_basal(&l, 0.5), PLOT_COLOUR_BASAL_FILL,
	              "basal 1 U/h filled at 11:40");
	SDL_FreeSurface(s);
	trace_free(t);
}

Test(plot, the_layout_maps_the_window_onto_the_panels_and_scales_to_the_data)
{
	trace *t = known_run(1441);
	const plot_view v = {.from_min = 0, .to_min = 1440, .now_min = -1, .area = {0, 0, W, H}};
	plot_layout l;
	cr_assert(plot_compute_layout(t, &v, FONT, &l));
	cr_assert_eq(plot_x_of_min(&l, 0), l.glucose.x);
	cr_assert_eq(plot_x_of_min(&l, 1440), l.glucose.x + l.glucose.w);
	cr_assert_eq(plot_y_of_bg(&l, l.bg_lo_mgdl), l.glucose.y + l.glucose.h - 1);
	cr_assert_eq(plot_y_of_bg(&l, l.bg_hi_mgdl), l.glucose.y);
	cr_assert_eq(plot_y_of_bg(&l, 5000.0), l.glucose.y, "clamped to the panel");
	cr_assert_eq(l.bg_lo_mgdl, 40.0);
	cr_assert_eq(l.bg_hi_mgdl, 350.0);
	cr_assert_eq(l.insulin_hi_u, 10.0, "5 U bolus: 0 … 10 U");
	cr_assert_eq(l.basal_hi_u_per_h, 2.0, "1 U/h: 0 … 2 U/h");
	cr_assert(l.glucose.y + l.glucose.h < l.insulin.y);
	cr_assert(l.insulin.y + l.insulin.h < l.basal.y);
	const plot_view tiny = {
	    .from_min = 0, .to_min = 1440, .now_min = -1, .area = {0, 0, 80, 60}};
	cr_assert(!plot_compute_layout(t, &tiny, FONT, &l));
	const plot_view empty = {.from_min = 10, .to_min = 10, .now_min = -1, .area = {0, 0, W, H}};
	cr_assert(!plot_compute_layout(t, &empty, FONT, &l));
	trace_free(t);
}

Test(plot, frames_drawn_while_the_run_grows_end_identical_to_one_drawn_at_the_end)
{
	/* The cached per-column buckets, updated row by row, must equal a fresh fold. */
	trace *full = known_run(1441);
	trace *growing = trace_new();
	SDL_Surface *a = new_surface(W, H), *b = new_surface(W, H);
	SDL_Renderer *ra = SDL_CreateSoftwareRenderer(a), *rb = SDL_CreateSoftwareRenderer(b);
	char err[256];
	plot *pa = plot_new(ra, FONT, err, sizeof err), *pb = plot_new(rb, FONT, err, sizeof err);
	cr_assert(pa && pb, "%s", err);
	const plot_view v = {.from_min = 0, .to_min = 1440, .now_min = -1, .area = {0, 0, W, H}};
	size_t next_marker = 0;
	for (size_t i = 0; i < trace_row_count(full); i++) {
		trace_append_row(growing, trace_row(full, i));
		while (next_marker < trace_marker_count(full) &&
		       trace_marker_at(full, next_marker)->t_min <= (int64_t)i)
			trace_add_marker(growing, trace_marker_at(full, next_marker++));
		if (i % 37 == 0)
			cr_assert(plot_draw(pa, growing, &v, NULL));
	}
	cr_assert(plot_draw(pa, growing, &v, NULL));
	cr_assert(plot_draw(pb, full, &v, NULL));
	SDL_RenderPresent(ra);
	SDL_RenderPresent(rb);
	for (int y = 0; y < H; y++)
		cr_assert(memcmp((Uint8 *)a->pixels + y * a->pitch,
		                 (Uint8 *)b->pixels + y * b->pitch, (size_t)W * 4) == 0,
		          "row %d differs", y);
	plot_free(pa);
	plot_free(pb);
	SDL_DestroyRenderer(ra);
	SDL_DestroyRenderer(rb);
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
	trace_free(growing);
	trace_free(full);
}

static char *temp_dir(void)
{
	char tmpl[] = "/tmp/fakepump-plot-XXXXXX";
	char *d = mkdtemp(tmpl);
	cr_assert_not_null(d);
	return strdup(d);
}

static void remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char path[512];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

Test(plot, a_png_is_written_without_any_display_and_reloads_at_its_size_showing_the_run)
{
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	trace *t = known_run(1441);
	char *dir = temp_dir();
	char path[512];
	snprintf(path, sizeof path, "%s/run.png", dir);
	char err[256] = "";
	cr_assert(plot_write_png(t, 0, 1440, 1000, 600, path, err, sizeof err), "%s", err);
	cr_assert_eq(SDL_WasInit(SDL_INIT_VIDEO), 0, "no video subsystem was needed");
	SDL_Surface *png = IMG_Load(path);
	cr_assert_not_null(png, "%s", IMG_GetError());
	cr_assert_eq(png->w, 1000);
	cr_assert_eq(png->h, 600);
	/* The PNG is drawn at twice the size and averaged down (smooth lines), so its layout
	 * may differ from the one computed at its own size by a pixel: look one or two pixels
	 * around, and allow the blending of the line's edges. */
	const plot_view v = {
	    .from_min = 0, .to_min = 1440, .now_min = -1, .area = {0, 0, 1000, 600}};
	plot_layout l;
	cr_assert(plot_compute_layout(t, &v, plot_default_font_px(600), &l));
	cr_assert(near_colour(png, plot_x_of_min(&l, 300), plot_y_of_bg(&l, 100.0), 2,
	                      PLOT_COLOUR_BG_LINE, 24),
	          "BG line in the PNG");
	cr_assert(near_colour(png, plot_x_of_min(&l, BOLUS_MIN), plot_y_of_insulin(&l, 2.5), 1,
	                      PLOT_COLOUR_BOLUS, 0),
	          "bolus bar in the PNG");
	cr_assert(near_colour(png, plot_x_of_min(&l, 1000), plot_y_of_bg(&l, 125.0), 0,
	                      PLOT_COLOUR_TARGET_BAND, 0),
	          "target band in the PNG");
	SDL_FreeSurface(png);
	remove_dir(dir);
	trace_free(t);
}

Test(plot, failures_come_back_as_messages)
{
	trace *t = known_run(100);
	char err[256] = "";
	cr_assert(
	    !plot_write_png(t, 0, 1440, 1000, 600, "/nonexistent-dir/x.png", err, sizeof err));
	cr_assert(strstr(err, "/nonexistent-dir/x.png") != NULL, "%s", err);
	cr_assert(!plot_write_png(t, 100, 100, 1000, 600, "/tmp/x.png", err, sizeof err));
	cr_assert(strstr(err, "empty time window") != NULL, "%s", err);
	cr_assert(!plot_write_png(t, 0, 1440, 90, 60, "/tmp/x.png", err, sizeof err));
	cr_assert(strstr(err, "too small") != NULL, "%s", err);

	setenv("FAKEPUMP_FONT", "/nonexistent/font.ttf", 1);
	cr_assert(!plot_write_png(t, 0, 1440, 1000, 600, "/tmp/x.png", err, sizeof err));
	cr_assert(strstr(err, "FAKEPUMP_FONT") != NULL, "%s", err);
	trace_free(t);
}

Test(plot, an_empty_trace_draws_empty_panels)
{
	trace *t = trace_new();
	SDL_Surface *s = new_surface(W, H);
	const plot_view v = {.from_min = 0, .to_min = 1440, .now_min = 0, .area = {0, 0, W, H}};
	char err[256] = "";
	cr_assert(plot_render_to_surface(t, &v, s, FONT, err, sizeof err), "%s", err);
	SDL_FreeSurface(s);
	trace_free(t);
}

Test(plot, annunciation_types_have_human_labels)
{
	cr_assert_str_eq(plot_annunciation_label(0x003C), "Occlusion");
	cr_assert_str_eq(plot_annunciation_label(0x0066), "Reservoir low");
	cr_assert_str_eq(plot_annunciation_label(0xF00F), "Low glucose suspend");
	cr_assert_null(plot_annunciation_label(0x1234));
}

/* ------------------------------------------------------------------------------------ */
/* The viewer (SDL's offscreen video driver: no display)                                */
/* ------------------------------------------------------------------------------------ */

Test(viewer, without_a_display_it_does_not_open_and_says_why)
{
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	char err[256] = "";
	viewer *v = viewer_open(NULL, err, sizeof err);
	cr_assert_null(v);
	cr_assert(strstr(err, "no display") != NULL, "%s", err);
}

static viewer *open_offscreen(void)
{
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	char err[256] = "";
	/* Software: an OpenGL attempt would load Mesa (EGL), whose own leaks LSan reports. */
	viewer_options opt = {.width = 1280,
	                      .height = 720,
	                      .fps = 1,
	                      .title = "test",
	                      .quiet = true,
	                      .software = true};
	viewer *v = viewer_open(&opt, err, sizeof err);
	cr_assert_not_null(v, "%s", err);
	return v;
}

static void press(SDL_Keycode key)
{
	SDL_Event e = {0};
	e.type = SDL_KEYDOWN;
	e.key.state = SDL_PRESSED;
	e.key.keysym.sym = key;
	cr_assert_eq(SDL_PushEvent(&e), 1, "%s", SDL_GetError());
}

Test(viewer, keys_come_back_as_actions_in_order)
{
	viewer *v = open_offscreen();
	trace *t = known_run(600);
	viewer_pump_screen s;
	viewer_pump_screen_from_row(&s, trace_last_row(t));
	viewer_draw(v, t, &s);
	press(SDLK_SPACE);
	press(SDLK_PLUS);
	press(SDLK_MINUS);
	press(SDLK_a); /* no annunciation shown: nothing to acknowledge */
	press(SDLK_p);
	press(SDLK_q);
	viewer_wait(v, 1000);
	const viewer_action want[] = {VIEWER_ACTION_PAUSE, VIEWER_ACTION_FASTER,
	                              VIEWER_ACTION_SLOWER, VIEWER_ACTION_OPEN_PAIRING,
	                              VIEWER_ACTION_QUIT};
	viewer_input in;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		cr_assert(viewer_poll(v, &in), "action %zu missing", i);
		cr_assert_eq(in.action, want[i], "action %zu: got %d", i, in.action);
	}
	cr_assert(!viewer_poll(v, &in));
	viewer_close(v);
	trace_free(t);
}

Test(viewer, acknowledging_names_the_annunciation_on_the_screen)
{
	viewer *v = open_offscreen();
	trace *t = known_run(600);
	viewer_pump_screen s;
	viewer_pump_screen_from_row(&s, trace_last_row(t));
	s.annunciation = 0x003C;
	s.annunciation_id = 7;
	viewer_set_ble_state(v, "connected", "phone", "123456");
	viewer_draw(v, t, &s);
	press(SDLK_a);
	viewer_wait(v, 1000);
	viewer_input in;
	cr_assert(viewer_poll(v, &in));
	cr_assert_eq(in.action, VIEWER_ACTION_ACKNOWLEDGE);
	cr_assert_eq(in.annunciation, 0x003C);
	cr_assert_eq(in.annunciation_id, 7);
	viewer_close(v);
	trace_free(t);
}

/* The name of a screenshot the viewer saved in the current directory; false if none. */
static bool find_screenshot(char *out, size_t cap)
{
	DIR *d = opendir(".");
	struct dirent *e;
	out[0] = '\0';
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "fakepump-", 9) == 0 && strstr(e->d_name, ".png"))
			snprintf(out, cap, "%s", e->d_name);
	closedir(d);
	return out[0] != '\0';
}

Test(viewer, the_s_key_saves_the_frame_as_a_png_in_the_current_directory)
{
	char *dir = temp_dir();
	cr_assert_eq(chdir(dir), 0);
	viewer *v = open_offscreen();
	trace *t = known_run(1441);
	viewer_pump_screen s;
	viewer_pump_screen_from_row(&s, trace_last_row(t));
	viewer_draw(v, t, &s);
	press(SDLK_s);
	viewer_wait(v, 1000);
	viewer_input in;
	cr_assert(!viewer_poll(v, &in), "a screenshot is no action for the caller");
	viewer_draw(v, t, &s);
	char found[300];
	cr_assert(find_screenshot(found, sizeof found), "no screenshot in %s", dir);
	SDL_Surface *png = IMG_Load(found);
	cr_assert_not_null(png, "%s", IMG_GetError());
	cr_assert_eq(png->w, 1280);
	cr_assert_eq(png->h, 720);
	SDL_FreeSurface(png);
	viewer_close(v);
	trace_free(t);
	remove_dir(dir);
}

/* Draw one frame and load the screenshot it saves (in the current directory). */
static SDL_Surface *frame(viewer *v, const trace *t, const viewer_pump_screen *s)
{
	DIR *d = opendir(".");
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "fakepump-", 9) == 0)
			unlink(e->d_name);
	closedir(d);
	viewer_request_screenshot(v);
	viewer_draw(v, t, s);
	char found[300];
	cr_assert(find_screenshot(found, sizeof found), "no screenshot");
	SDL_Surface *png = IMG_Load(found);
	cr_assert_not_null(png, "%s", IMG_GetError());
	SDL_Surface *rgb = SDL_ConvertSurfaceFormat(png, SDL_PIXELFORMAT_XRGB8888, 0);
	SDL_FreeSurface(png);
	if (getenv("FAKEPUMP_KEEP_FRAMES")) {
		static int n;
		char keep[64];
		snprintf(keep, sizeof keep, "/tmp/frame-%d.png", n++);
		IMG_SavePNG(rgb, keep);
	}
	return rgb;
}

/* The same pixels right of x0 (the pump's screen; the status line below the plots names the
 * last screenshot). */
static bool same_pixels(const SDL_Surface *a, const SDL_Surface *b, int x0)
{
	if (a->w != b->w || a->h != b->h)
		return false;
	for (int y = 0; y < a->h; y++)
		for (int x = x0; x < a->w; x++)
			if (memcmp((const Uint8 *)a->pixels + y * a->pitch + x * 4,
			           (const Uint8 *)b->pixels + y * b->pitch + x * 4, 4) != 0) {
				cr_log_info("first difference at (%d, %d)", x, y);
				return false;
			}
	return true;
}

Test(viewer, the_pairing_passkey_is_on_the_pump_screen_until_cleared)
{
	char *dir = temp_dir();
	cr_assert_eq(chdir(dir), 0);
	viewer *v = open_offscreen();
	trace *t = known_run(600);
	viewer_pump_screen s;
	viewer_pump_screen_from_row(&s, trace_last_row(t));
	s.annunciation = PUMP_ANN_NEW_BOND;
	viewer_set_ble_state(v, "pairing open", NULL, NULL);
	SDL_Surface *before = frame(v, t, &s);
	viewer_set_ble_state(v, "connected", "00:AA:01:01:00:01", "004207");
	SDL_Surface *pairing = frame(v, t, &s);
	viewer_set_ble_state(v, "pairing open", NULL, NULL);
	SDL_Surface *after = frame(v, t, &s);
	const int pump_screen_x = before->w * 3 / 4;
	cr_assert_not(same_pixels(before, pairing, pump_screen_x),
	              "the passkey and peer are drawn");
	cr_assert(same_pixels(before, after, pump_screen_x),
	          "nothing of the passkey is left once cleared");
	/* The passkey box is framed in blue on the pump's screen (right of the plots). */
	int blue = 0;
	for (int y = 0; y < pairing->h; y++)
		for (int x = pump_screen_x; x < pairing->w; x++) {
			const SDL_Color c = pixel(pairing, x, y);
			const SDL_Color c0 = pixel(before, x, y);
			blue += c.b > 150 && c.r < 100 && !(c0.b > 150 && c0.r < 100);
		}
	cr_assert_gt(blue, 200, "blue passkey frame pixels: %d", blue);
	SDL_FreeSurface(before);
	SDL_FreeSurface(pairing);
	SDL_FreeSurface(after);
	viewer_close(v);
	trace_free(t);
	remove_dir(dir);
}

Test(viewer, updates_draw_at_most_at_the_frame_rate_however_often_they_come)
{
	viewer *v = open_offscreen(); /* fps = 1 */
	trace *full = known_run(1441);
	trace *t = trace_new();
	viewer_pump_screen s;
	const Uint64 start = SDL_GetTicks64();
	for (size_t i = 0; i < trace_row_count(full); i++) {
		trace_append_row(t, trace_row(full, i));
		viewer_pump_screen_from_row(&s, trace_last_row(t));
		viewer_update(v, t, &s);
	}
	const Uint64 elapsed_ms = SDL_GetTicks64() - start;
	viewer_stats st;
	viewer_get_stats(v, &st);
	/* The first update draws; the next frame is due a second later. */
	cr_assert_geq(st.frames, 1);
	cr_assert_leq(st.frames, 1 + elapsed_ms / 1000 + 1, "%llu frames in %llu ms",
	              (unsigned long long)st.frames, (unsigned long long)elapsed_ms);
	viewer_close(v);
	trace_free(t);
	trace_free(full);
}

Test(viewer, frame_due_says_when_to_build_the_screen_and_the_update_then_draws)
{
	viewer *v = open_offscreen(); /* fps = 1 */
	trace *t = known_run(100);
	viewer_pump_screen s;
	cr_assert(viewer_frame_due(v), "the first frame is due at once");
	viewer_pump_screen_from_row(&s, trace_last_row(t));
	cr_assert(viewer_update(v, t, &s));
	const Uint64 start = SDL_GetTicks64();
	int due = 0;
	for (int i = 0; i < 100000; i++)
		due += viewer_frame_due(v);
	viewer_stats st;
	viewer_get_stats(v, &st);
	cr_assert_eq(st.frames, 1);
	if (SDL_GetTicks64() - start < 900)
		cr_assert_eq(due, 0, "no frame due within the second");
	viewer_close(v);
	trace_free(t);
}
