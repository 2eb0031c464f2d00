/*
 * Tests of the plot's pure core (sim/view/plot_layout.h, plot_columns.h): where panels,
 * axes and ticks go for a size and a time window, and how rows fold into pixel columns.
 * No SDL is linked: these run without a display, a renderer or a font.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "plot_columns.h"
#include "plot_layout.h"
#include "trace.h"

enum { THERAPY_STOP = 0, THERAPY_PAUSE = 1, THERAPY_RUN = 2 };

static plot_view view_of(int64_t from_min, int64_t to_min, int w, int h)
{
	return (plot_view){
	    .from_min = from_min, .to_min = to_min, .now_min = -1, .area = {0, 0, w, h}};
}

static engine_row row(int64_t t_min, double bg_mgdl)
{
	return (engine_row){.t_min = t_min,
	                    .day = 1,
	                    .bg_mgdl = bg_mgdl,
	                    .therapy_state = THERAPY_RUN,
	                    .basal_u_per_h = 1.0};
}

static int bottom(const plot_rect *r)
{
	return r->y + r->h;
}

/* ------------------------------------------------------------------------------------ */
/* Frame: the panels                                                                     */
/* ------------------------------------------------------------------------------------ */

Test(plot_layout_frame, stacks_legend_panels_alarms_and_time_labels_top_to_bottom)
{
	const plot_view v = view_of(0, 1440, 1600, 900);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, 15, &l));
	cr_assert_eq(l.legend.y, 0);
	cr_assert_lt(bottom(&l.legend), l.glucose.y, "a title line between legend and panel");
	cr_assert_lt(bottom(&l.glucose), l.insulin.y);
	cr_assert_lt(bottom(&l.insulin), l.basal.y);
	cr_assert_eq(bottom(&l.basal) + 1, l.alarms.y, "the flag strip under the basal frame");
	cr_assert_eq(bottom(&l.alarms), l.time_labels.y);
	cr_assert_leq(bottom(&l.time_labels), 900, "everything inside the area");
	const plot_rect *rows[] = {&l.glucose, &l.insulin, &l.basal, &l.alarms, &l.time_labels};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cr_assert_eq(rows[i]->x, l.glucose.x, "one time axis: same left edge (%zu)", i);
		cr_assert_eq(rows[i]->w, l.glucose.w, "one time axis: same width (%zu)", i);
	}
	cr_assert_eq(l.glucose.x, (15 * 9) / 2, "room for value labels: 4.5 × the text size");
	cr_assert_eq(l.glucose.x + l.glucose.w, 1600 - (15 * 3) / 2);
	cr_assert_eq(l.font_px, 15);
	cr_assert(l.from_min == 0 && l.to_min == 1440);
}

Test(plot_layout_frame, gives_glucose_56_percent_insulin_24_and_basal_the_rest)
{
	const plot_view v = view_of(0, 1440, 1000, 700);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, 12, &l));
	const int data_h = l.glucose.h + l.insulin.h + l.basal.h;
	cr_assert_eq(l.glucose.h, data_h * 56 / 100);
	cr_assert_eq(l.insulin.h, data_h * 24 / 100);
	cr_assert_eq(l.basal.h, data_h - l.glucose.h - l.insulin.h);
}

Test(plot_layout_frame, follows_the_area_wherever_it_is)
{
	const plot_view at0 = view_of(0, 1440, 900, 600);
	plot_view moved = at0;
	moved.area.x = 37;
	moved.area.y = 110;
	plot_layout a, b;
	cr_assert(plot_layout_frame(&at0, 13, &a));
	cr_assert(plot_layout_frame(&moved, 13, &b));
	cr_assert_eq(b.glucose.x - a.glucose.x, 37);
	cr_assert_eq(b.basal.y - a.basal.y, 110);
	cr_assert_eq(b.glucose.h, a.glucose.h);
}

Test(plot_layout_frame, refuses_an_empty_window_a_zero_text_size_and_a_tiny_area)
{
	plot_layout l;
	const plot_view empty = view_of(10, 10, 1600, 900);
	cr_assert_not(plot_layout_frame(&empty, 13, &l));
	cr_assert_eq(l.glucose.w, 0, "a refused layout is zeroed");
	const plot_view backwards = view_of(10, 5, 1600, 900);
	cr_assert_not(plot_layout_frame(&backwards, 13, &l));
	const plot_view ok = view_of(0, 60, 1600, 900);
	cr_assert_not(plot_layout_frame(&ok, 0, &l));
	cr_assert_not(plot_layout_frame(NULL, 13, &l));
	const plot_view low = view_of(0, 60, 1600, 120);
	cr_assert_not(plot_layout_frame(&low, 13, &l), "no room for 9 × 13 px of data");
	const plot_view narrow = view_of(0, 60, 180, 900);
	cr_assert_not(plot_layout_frame(&narrow, 13, &l), "no room for 10 × 13 px of width");
}

/* ------------------------------------------------------------------------------------ */
/* Scales: the value axes                                                                */
/* ------------------------------------------------------------------------------------ */

Test(plot_nice_ceil, picks_1_2_2_5_or_5_times_a_power_of_ten)
{
	static const struct {
		double x, want;
	} cases[] = {{0.3, 0.5},  {1.0, 1.0},     {1.01, 2.0},    {2.2, 2.5},    {4.6, 5.0},
	             {7.0, 10.0}, {100.0, 100.0}, {101.0, 200.0}, {0.0123, 0.02}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_float_eq(plot_nice_ceil(cases[i].x), cases[i].want, 1e-12, "%g → %g",
		                   cases[i].x, plot_nice_ceil(cases[i].x));
	cr_assert_eq(plot_nice_ceil(0.0), 1.0);
	cr_assert_eq(plot_nice_ceil(-3.0), 1.0);
	cr_assert_eq(plot_nice_ceil(NAN), 1.0);
	cr_assert_eq(plot_nice_ceil(INFINITY), 1.0);
}

Test(plot_layout_scales, keeps_glucose_at_40_to_350_unless_data_falls_outside)
{
	plot_layout l = {0};
	plot_layout_scales(&l, &plot_no_extents);
	cr_assert(l.bg_lo_mgdl == 40.0 && l.bg_hi_mgdl == 350.0);
	plot_extents e = {.bg_min = 60.0, .bg_max = 340.0};
	plot_layout_scales(&l, &e);
	cr_assert(l.bg_lo_mgdl == 40.0 && l.bg_hi_mgdl == 350.0, "inside: unchanged");
	e = (plot_extents){.bg_min = 30.0, .bg_max = 400.0};
	plot_layout_scales(&l, &e);
	cr_assert_eq(l.bg_lo_mgdl, 20.0, "down to a multiple of 10 with room");
	cr_assert_eq(l.bg_hi_mgdl, 450.0, "up to a multiple of 50 with room");
	e = (plot_extents){.bg_min = -50.0, .bg_max = 5000.0};
	plot_layout_scales(&l, &e);
	cr_assert(l.bg_lo_mgdl == 0.0 && l.bg_hi_mgdl == 1000.0, "within 0 … 1000");
}

Test(plot_layout_scales, ends_the_insulin_and_basal_axes_on_a_nice_number_with_headroom)
{
	plot_layout l = {0};
	plot_layout_scales(&l, &plot_no_extents);
	cr_assert_eq(l.insulin_hi_u, 2.0, "at least 2 U");
	cr_assert_eq(l.basal_hi_u_per_h, 1.0, "at least 1 U/h");
	const plot_extents e = {
	    .bg_min = 100.0, .bg_max = 100.0, .insulin_max_u = 4.0, .basal_max_u_per_h = 1.3};
	plot_layout_scales(&l, &e);
	cr_assert_eq(l.insulin_hi_u, 5.0, "4 U × 1.15 = 4.6 → 5");
	cr_assert_eq(l.basal_hi_u_per_h, 2.0, "1.3 U/h × 1.25 = 1.625 → 2");
}

Test(plot_compute_layout, widens_the_axes_for_the_data_in_the_window_only)
{
	trace *t = trace_new();
	for (int64_t k = 0; k < 300; k++) {
		engine_row r = row(k, k < 200 ? 120.0 : 480.0); /* high after minute 200 */
		r.iob_u = k < 200 ? 1.0 : 9.0;
		cr_assert_eq(trace_append_row(t, &r), TRACE_OK);
	}
	cr_assert_eq(trace_add_bolus(t, 50, 3.0), TRACE_OK);
	cr_assert_eq(trace_add_bolus(t, 250, 12.0), TRACE_OK);
	plot_layout l;
	const plot_view early = view_of(0, 200, 1600, 900);
	cr_assert(plot_compute_layout(t, &early, 13, &l));
	cr_assert_eq(l.bg_hi_mgdl, 350.0, "the high rows are outside the window");
	cr_assert_eq(l.insulin_hi_u, 5.0, "the 3 U bolus × 1.15 → 5");
	const plot_view all = view_of(0, 300, 1600, 900);
	cr_assert(plot_compute_layout(t, &all, 13, &l));
	cr_assert_eq(l.bg_hi_mgdl, 500.0);
	cr_assert_eq(l.insulin_hi_u, 20.0, "the 12 U bolus × 1.15 → 20");
	trace_free(t);
}

/* ------------------------------------------------------------------------------------ */
/* Mapping minutes and values to pixels                                                  */
/* ------------------------------------------------------------------------------------ */

Test(plot_x_of_min, maps_the_window_onto_the_panel_width)
{
	const plot_view v = view_of(600, 2040, 1600, 900);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, 13, &l));
	cr_assert_eq(plot_x_of_min(&l, 600.0), l.glucose.x);
	cr_assert_eq(plot_x_of_min(&l, 2040.0), l.glucose.x + l.glucose.w);
	cr_assert_eq(plot_x_of_min(&l, 1320.0), l.glucose.x + l.glucose.w / 2);
	cr_assert_lt(plot_x_of_min(&l, 0.0), l.glucose.x, "before the window: left of it");
	cr_assert_eq(plot_x_of_min(&l, 1e300), INT_MAX / 2, "far away is clamped, not wrapped");
}

Test(plot_y_of, maps_values_into_their_panel_and_clamps_outside)
{
	const plot_view v = view_of(0, 1440, 1600, 900);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, 13, &l));
	plot_layout_scales(&l, &plot_no_extents);
	cr_assert_eq(plot_y_of_bg(&l, 40.0), bottom(&l.glucose) - 1);
	cr_assert_eq(plot_y_of_bg(&l, 350.0), l.glucose.y);
	cr_assert_eq(plot_y_of_bg(&l, 900.0), l.glucose.y);
	cr_assert_eq(plot_y_of_bg(&l, 10.0), bottom(&l.glucose) - 1);
	cr_assert_eq(plot_y_of_bg(&l, NAN), bottom(&l.glucose) - 1);
	cr_assert_lt(plot_y_of_bg(&l, 180.0), plot_y_of_bg(&l, 70.0), "higher is up");
	cr_assert_eq(plot_y_of_insulin(&l, 0.0), bottom(&l.insulin) - 1);
	cr_assert_eq(plot_y_of_insulin(&l, l.insulin_hi_u), l.insulin.y);
	cr_assert_eq(plot_y_of_basal(&l, l.basal_hi_u_per_h), l.basal.y);
	cr_assert_eq(plot_y_of_basal(&l, -1.0), bottom(&l.basal) - 1);
}

/* ------------------------------------------------------------------------------------ */
/* Ticks                                                                                 */
/* ------------------------------------------------------------------------------------ */

static plot_time_ticks ticks_for(int64_t window_min, int w, int font_px)
{
	const plot_view v = view_of(0, window_min, w, 900);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, font_px, &l));
	return plot_choose_time_ticks(&l);
}

Test(plot_choose_time_ticks, spaces_labels_five_text_sizes_apart_with_marks_between)
{
	/* 1 day over 923 px: 2 h is the first step 65 px wide; 30 min marks 12 px apart. */
	plot_time_ticks tt = ticks_for(1440, 1000, 13);
	cr_assert_eq(tt.major_min, 120);
	cr_assert_eq(tt.minor_min, 30);
	/* A week on the same width: every 12 h (66 px), marks every 3 h (2 h would be 11 px,
	 * closer than 0.9 × 13). */
	tt = ticks_for(7 * 1440, 1000, 13);
	cr_assert_eq(tt.major_min, 720);
	cr_assert_eq(tt.minor_min, 180);
	/* Two hours on a wide picture: every 15 min, no room for anything finer. */
	tt = ticks_for(120, 1600, 13);
	cr_assert_eq(tt.major_min, 15);
	cr_assert_eq(tt.minor_min, 0);
	/* A year: nothing fits, so weeks, and no marks. */
	tt = ticks_for(365 * 1440, 1000, 13);
	cr_assert_eq(tt.major_min, 10080);
	cr_assert_eq(tt.minor_min, 0);
}

Test(plot_value_ticks, gives_zero_the_top_and_nice_steps_between)
{
	double v[16];
	size_t n = plot_value_ticks(5.0, v, 16);
	cr_assert_eq(n, 6);
	const double five[] = {0.0, 5.0, 1.0, 2.0, 3.0, 4.0};
	for (size_t i = 0; i < n; i++)
		cr_assert_float_eq(v[i], five[i], 1e-12, "tick %zu: %g", i, v[i]);
	n = plot_value_ticks(2.5, v, 16);
	const double two_five[] = {0.0, 2.5, 0.5, 1.0, 1.5, 2.0};
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i++)
		cr_assert_float_eq(v[i], two_five[i], 1e-12, "tick %zu: %g", i, v[i]);
	n = plot_value_ticks(2.0, v, 16);
	cr_assert_eq(n, 5, "2 in quarters: 0, 2, 0.5, 1, 1.5");
	n = plot_value_ticks(5.0, v, 3);
	cr_assert_eq(n, 3, "the cap is kept");
	cr_assert_float_eq(v[2], 1.0, 1e-12);
}

/* ------------------------------------------------------------------------------------ */
/* Columns                                                                               */
/* ------------------------------------------------------------------------------------ */

/* A layout 100 pixel columns wide over 1000 minutes: 10 minutes a column. */
static plot_layout ten_minute_columns(void)
{
	const int f = 10;
	const plot_view v = view_of(0, 1000, 100 + (f * 9) / 2 + (f * 3) / 2, 600);
	plot_layout l;
	cr_assert(plot_layout_frame(&v, f, &l));
	cr_assert_eq(l.glucose.w, 100);
	plot_layout_scales(&l, &plot_no_extents);
	return l;
}

Test(plot_columns, fold_rows_into_first_lowest_highest_and_last_per_pixel_column)
{
	const plot_layout l = ten_minute_columns();
	trace *t = trace_new();
	const double bg[] = {120, 90, 150, 130, 110, 100, 100, 100, 100, 140, 77};
	for (int64_t k = 0; k < 11; k++) {
		engine_row r = row(k, bg[k]);
		r.has_cgm = k % 5 == 0;
		r.cgm_mgdl = 200.0 - (double)k;
		cr_assert_eq(trace_append_row(t, &r), TRACE_OK);
	}
	plot_columns cc = {0};
	cr_assert(plot_columns_sync(&cc, t, &l));
	cr_assert_eq(cc.w, 100);
	const plot_column *c0 = &cc.cols[0], *c1 = &cc.cols[1];
	cr_assert_eq(c0->rows, 10, "minutes 0 … 9");
	float v[4];
	plot_column_values(c0, PLOT_SERIES_BG, v);
	cr_assert(v[0] == 120.0f && v[1] == 90.0f && v[2] == 150.0f && v[3] == 140.0f,
	          "first %g lowest %g highest %g last %g", v[0], v[1], v[2], v[3]);
	cr_assert_eq(c0->cgm_count, 2, "readings at 0 and 5");
	cr_assert(c0->cgm_min == 195.0f && c0->cgm_max == 200.0f);
	cr_assert_eq(c0->last_t, 9);
	cr_assert_eq(c1->rows, 1);
	cr_assert_eq(c1->bg_first, 77.0f);
	cr_assert_eq(cc.cols[2].rows, 0, "no rows: an empty column");
	cr_assert_eq(plot_column_end_x(&l, c0, l.glucose.x), l.glucose.x + 1,
	             "the column's data ends where minute 10 starts");
	cr_assert_eq(cc.n, 11);
	cr_assert_eq(cc.in_range, 11, "77 … 150: all in 70–180");
	plot_columns_free(&cc);
	trace_free(t);
}

Test(plot_columns, fold_only_the_rows_appended_since_the_last_sync)
{
	const plot_layout l = ten_minute_columns();
	trace *t = trace_new();
	for (int64_t k = 0; k < 25; k++) {
		engine_row r = row(k, 100.0);
		trace_append_row(t, &r);
	}
	plot_columns cc = {0};
	cr_assert(plot_columns_sync(&cc, t, &l));
	cr_assert_eq(cc.next_row, 25);
	cr_assert_eq(cc.cols[2].rows, 5);
	for (int64_t k = 25; k < 32; k++) {
		engine_row r = row(k, 60.0);
		trace_append_row(t, &r);
	}
	cr_assert(plot_columns_sync(&cc, t, &l));
	cr_assert_eq(cc.next_row, 32);
	cr_assert_eq(cc.n, 32, "each row counted once");
	cr_assert_eq(cc.cols[2].rows, 10);
	cr_assert_eq(cc.cols[2].bg_min, 60.0f);
	cr_assert_eq(cc.below_70, 7);
	plot_columns_free(&cc);
	trace_free(t);
}

Test(plot_columns, start_again_for_another_window_or_trace)
{
	const plot_layout l = ten_minute_columns();
	trace *a = trace_new(), *b = trace_new();
	for (int64_t k = 0; k < 20; k++) {
		engine_row r = row(k, 100.0);
		trace_append_row(a, &r);
		r.bg_mgdl = 200.0;
		trace_append_row(b, &r);
	}
	plot_columns cc = {0};
	cr_assert(plot_columns_sync(&cc, a, &l));
	cr_assert(plot_columns_sync(&cc, b, &l));
	cr_assert_eq(cc.n, 20, "b's rows only");
	cr_assert_eq(cc.cols[0].bg_max, 200.0f);
	plot_layout later = l;
	later.from_min = 10;
	later.to_min = 1010;
	cr_assert(plot_columns_sync(&cc, b, &later));
	cr_assert_eq(cc.n, 10, "minutes 10 … 19 are in the window");
	cr_assert_eq(cc.cols[0].rows, 10);
	plot_columns_free(&cc);
	trace_free(a);
	trace_free(b);
}

Test(plot_columns, say_why_the_basal_was_zero)
{
	const plot_layout l = ten_minute_columns();
	trace *t = trace_new();
	for (int64_t k = 0; k < 40; k++) {
		engine_row r = row(k, 100.0);
		if (k >= 10 && k < 20)
			r.therapy_state = THERAPY_PAUSE;
		if (k >= 20 && k < 30)
			r.therapy_state = THERAPY_STOP;
		if (k >= 30)
			r.basal_u_per_h = 0.0; /* a 0 % temp basal: running at zero */
		trace_append_row(t, &r);
	}
	plot_columns cc = {0};
	cr_assert(plot_columns_sync(&cc, t, &l));
	cr_assert_eq(cc.cols[0].zero, 0);
	cr_assert_eq(cc.cols[1].zero, PLOT_ZERO_PAUSED);
	cr_assert_eq(cc.cols[2].zero, PLOT_ZERO_STOPPED);
	cr_assert_eq(cc.cols[3].zero, PLOT_ZERO_RATE);
	plot_columns_free(&cc);
	trace_free(t);
}

/* ---- the live window's size on a display (viewer_fit.h) ------------------------------ */

#include "viewer_fit.h"

Test(viewer_fit, the_window_scales_down_to_the_usable_area_keeping_its_shape)
{
	int w = 0, h = 0;
	viewer_fit_size(0, 0, 1280, 800, &w, &h);
	cr_assert_eq(w, 1280);
	cr_assert_eq(h, 720, "16:9 kept");
	cr_assert_leq(h + VIEWER_DECORATION_H, 800, "room for the title bar");
	viewer_fit_size(0, 0, 1024, 768, &w, &h);
	cr_assert_eq(w, 1024);
	cr_assert_eq(h, 576);
	viewer_fit_size(0, 0, 1920, 1080, &w, &h);
	cr_assert_eq(w, 1440, "a large display: the size asked for");
	cr_assert_eq(h, 810);
	viewer_fit_size(0, 0, 1440, 600, &w, &h);
	cr_assert_eq(h, 560, "a short display: the height decides");
	cr_assert_eq(w, 995);
}

Test(viewer_fit, below_800_by_450_the_window_stays_readable_and_unknown_areas_change_nothing)
{
	int w = 0, h = 0;
	viewer_fit_size(0, 0, 640, 480, &w, &h);
	cr_assert_eq(w, 800);
	cr_assert_eq(h, 450);
	viewer_fit_size(1000, 700, 0, 0, &w, &h);
	cr_assert_eq(w, 1000);
	cr_assert_eq(h, 700);
	cr_assert_eq(viewer_font_px(576), 11);
	cr_assert_eq(viewer_font_px(810), 13);
	cr_assert_eq(viewer_font_px(2000), 20);
}
