/*
 * bench_viewer — how much drawing a 7-day run costs (issue 7: "60 frames per second with a
 * 7-day run on screen, using under 20 % of one core for drawing").
 *
 *   bench_viewer [--frames N] [--size WxH] [--software]
 *   bench_viewer --png OUT.png [--size WxH] [--window FROM-TO]
 *   bench_viewer --screenshot [--at MIN] [--span MIN] [--size WxH]
 *   bench_viewer --live [SPEED] [--size WxH] [--software]
 *
 * The week: adult#001 on the patient model (Dexcom noise, a reading every 5 min), three
 * meals a day with boluses (one too large, one forgotten), a basal program, a temporary
 * basal, low-glucose suspensions, a reservoir change (therapy stopped), an occlusion and a
 * reservoir-low alarm. The pump here is a small stand-in written for the picture (basal,
 * boluses at 1.5 U/min, exponential IOB, LGS); the real one is pump_model.
 *
 * Measured, always (SDL software renderer on a surface, no display needed):
 *   cached   the same 7-day window redrawn: what a frame costs when rows do not change;
 *   growing  the run replayed at full speed, rows appended between frames (the cache folds
 *            only the new rows): a live run at --speed max;
 *   cold     the window moved by a minute every frame: every frame refolds 10 080 rows.
 * Measured when a display is there (DISPLAY, or SDL_VIDEODRIVER=offscreen / dummy):
 *   window   the live viewer, 7-day window, every frame drawn and presented;
 *   paced    the viewer at its 60 fps cap for 5 s while the run is replayed at full speed
 *            through viewer_frame_due / viewer_update after every row: frames/s and the
 *            share of one core.
 * CPU time is user + system of this process (getrusage); the display server's work (Xvfb
 * copying the frame) is not included.
 *
 * --png writes the week as a report picture; --screenshot saves one frame of the live window
 * at run minute MIN (default day 3, 19:03, during a bolus) with a SPAN-minute window (3 d);
 * --live replays the week in the window at SPEED × real time (default 3600) for a person.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <SDL.h>

#include "patient_model.h"
#include "plot.h"
#include "pump_model.h"
#include "trace.h"
#include "viewer.h"

enum { WEEK_MIN = 7 * 1440 };

enum {
	STOP = PUMP_THERAPY_STOP,
	PAUSE = PUMP_THERAPY_PAUSE,
	RUN = PUMP_THERAPY_RUN,
	ANN_OCCLUSION = PUMP_ANN_OCCLUSION,
	ANN_RESERVOIR_LOW = PUMP_ANN_RESERVOIR_LOW,
	ANN_LGS = PUMP_ANN_LOW_GLUCOSE_SUSPEND,
};

/* ---------------------------------------------------------------------------------- */
/* The week                                                                             */
/* ---------------------------------------------------------------------------------- */

/* Exponential insulin activity curve (peak 75 min, 300 min action): fraction remaining. */
static double iob_fraction(double t_min)
{
	const double tp = 75.0, td = 300.0;
	if (t_min <= 0.0)
		return 1.0;
	if (t_min >= td)
		return 0.0;
	const double tau = tp * (1.0 - tp / td) / (1.0 - 2.0 * tp / td);
	const double a = 2.0 * tau / td;
	const double s = 1.0 / (1.0 - a + (1.0 + a) * exp(-td / tau));
	return 1.0 - s * (1.0 - a) *
	                 ((t_min * t_min / (tau * td * (1.0 - a)) - t_min / tau - 1.0) *
	                      exp(-t_min / tau) +
	                  1.0);
}

typedef struct meal_plan {
	int day, min_of_day;
	double grams;
	double bolus_factor; /* × grams / carb ratio; 0: forgotten */
} meal_plan;

static const meal_plan meals[] = {
    {0, 7 * 60 + 10, 45, 1.0},  {0, 12 * 60 + 20, 70, 1.0}, {0, 19 * 60, 80, 1.0},
    {1, 7 * 60, 50, 1.0},       {1, 12 * 60 + 30, 65, 1.0}, {1, 19 * 60 + 15, 75, 1.7},
    {2, 7 * 60 + 20, 40, 1.0},  {2, 13 * 60, 80, 1.0},      {2, 15 * 60 + 45, 25, 0.0},
    {2, 19 * 60, 70, 1.0},      {3, 8 * 60, 55, 1.0},       {3, 12 * 60 + 10, 75, 0.0},
    {3, 18 * 60 + 45, 85, 1.0}, {4, 7 * 60 + 5, 45, 1.0},   {4, 12 * 60 + 40, 60, 1.0},
    {4, 19 * 60 + 30, 90, 1.0}, {5, 9 * 60, 60, 1.0},       {5, 13 * 60 + 30, 70, 1.0},
    {5, 20 * 60, 65, 1.0},      {6, 7 * 60 + 30, 50, 1.0},  {6, 12 * 60, 70, 1.0},
    {6, 18 * 60 + 50, 80, 1.2},
};

typedef struct delivery {
	int64_t t_min;
	double u;
} delivery;

/* Play the week into `t`; false when the patient model fails or memory is short. */
static bool build_week(trace *t)
{
	const patient_params *pp = patient_params_find("adult#001");
	patient *pat = pp ? patient_new(pp) : NULL;
	cgm_sensor *cgm = cgm_sensor_new(CGM_DEXCOM, 5, 7);
	delivery *boluses = calloc(4096, sizeof *boluses);
	if (!pat || !cgm || !boluses) {
		patient_free(pat);
		cgm_sensor_free(cgm);
		free(boluses);
		return false;
	}
	const double basal = patient_basal_u_per_min(pp) * 60.0;
	const double cr = pp->carb_ratio_g_per_u;
	size_t nb = 0, next_meal = 0;
	double bolus_left = 0.0, reservoir = 172.0, battery = 100.0, missed = 0.0;
	int therapy = RUN, annunciation = 0;
	bool occlusion_raised = false, reservoir_low_raised = false;
	int64_t suspended_at = -1, ann_until = -1;
	bool ok = true;

	for (int64_t k = 0; k <= WEEK_MIN; k++) {
		const int day = (int)(k / 1440), mod = (int)(k % 1440);
		engine_row r = {.t_min = k, .day = day + 1, .min_of_day = mod};
		r.bg_mgdl = patient_bg_mgdl(pat);
		r.gsub_mgdl = patient_gsub_mgdl(pat);
		r.has_cgm = cgm_sensor_read(cgm, k, r.gsub_mgdl, &r.cgm_mgdl);

		/* Meals and their boluses. */
		while (next_meal < sizeof meals / sizeof meals[0] &&
		       meals[next_meal].day * 1440 + meals[next_meal].min_of_day == k) {
			const meal_plan *m = &meals[next_meal++];
			r.meal_announced_g += m->grams;
			trace_add_meal(t, k, m->grams);
			if (m->bolus_factor > 0.0) {
				const double dose =
				    round(m->grams / cr * m->bolus_factor * 20.0) / 20.0;
				bolus_left += dose;
				trace_add_bolus(t, k, dose);
			}
		}
		/* Reservoir change on day 4 at 09:00: stopped for 20 minutes. */
		if (k == 3 * 1440 + 9 * 60) {
			therapy = STOP;
			trace_add_fault(t, k, PUMP_FAULT_RESERVOIR_EMPTY, "Reservoir change");
		}
		if (k == 3 * 1440 + 9 * 60 + 20) {
			therapy = RUN;
			reservoir = 300.0;
		}
		/* Low-glucose suspend on the CGM, resume above 90 mg/dL or after 2 h. */
		if (r.has_cgm && therapy == RUN && r.cgm_mgdl <= 70.0) {
			therapy = PAUSE;
			suspended_at = k;
			annunciation = ANN_LGS;
			trace_add_annunciation(t, k, ANN_LGS, "low_glucose_suspend");
		} else if (therapy == PAUSE && suspended_at >= 0 &&
		           ((r.has_cgm && r.cgm_mgdl >= 90.0) || k - suspended_at >= 120)) {
			therapy = RUN;
			suspended_at = -1;
			annunciation = 0;
		}
		/* Basal program, a temp basal of 40 % on day 5 14:00–16:00 (exercise). */
		double rate = mod < 4 * 60 ? 0.9 * basal : mod < 9 * 60 ? 1.15 * basal : basal;
		if (day == 4 && mod >= 14 * 60 && mod < 16 * 60)
			rate *= 0.4;
		if (therapy != RUN)
			rate = 0.0;
		r.basal_u_per_h = round(rate * 100.0) / 100.0;
		double basal_u = r.basal_u_per_h / 60.0, bolus_u = 0.0;
		if (therapy == RUN && bolus_left > 0.0) {
			bolus_u = bolus_left < 1.5 ? bolus_left : 1.5;
			bolus_left -= bolus_u;
		}
		/* Occlusion: day 6 from 02:00, alarm after 1.5 U missed, cleared at 07:00. */
		const bool occluded = day == 5 && mod >= 2 * 60 && mod < 7 * 60;
		if (occluded) {
			missed += basal_u + bolus_u;
			if (missed >= 1.5 && !occlusion_raised) {
				occlusion_raised = true;
				annunciation = ANN_OCCLUSION;
				ann_until = k + 95;
				trace_add_annunciation(t, k, ANN_OCCLUSION, "occlusion");
			}
		}
		if (reservoir < 20.0 && !reservoir_low_raised && annunciation == 0) {
			reservoir_low_raised = true;
			annunciation = ANN_RESERVOIR_LOW;
			ann_until = k + 30;
			trace_add_annunciation(t, k, ANN_RESERVOIR_LOW, "reservoir_low");
		}
		if (ann_until >= 0 && k >= ann_until) {
			annunciation = 0;
			ann_until = -1;
		}
		reservoir -= basal_u + bolus_u;
		battery -= 0.35 / 60.0 + 0.02 * (basal_u + bolus_u);
		const double to_patient = occluded ? 0.0 : basal_u + bolus_u;
		if (bolus_u > 0.0 && !occluded && nb < 4096)
			boluses[nb++] = (delivery){k, bolus_u};
		double iob = 0.0;
		for (size_t i = nb; i-- > 0 && k - boluses[i].t_min < 300;)
			iob += boluses[i].u * iob_fraction((double)(k - boluses[i].t_min));

		r.basal_u_per_min = occluded ? 0.0 : basal_u;
		r.bolus_u_per_min = occluded ? 0.0 : bolus_u;
		r.insulin_u_per_min = to_patient;
		r.iob_u = iob;
		r.reservoir_u = reservoir;
		r.battery_pct = battery;
		r.therapy_state = therapy;
		r.annunciation = annunciation;
		patient_step_info info = {0};
		if (k < WEEK_MIN) {
			if (patient_step(pat, r.meal_announced_g, to_patient, &info) !=
			    PATIENT_STEP_OK) {
				ok = false;
				break;
			}
		}
		r.cho_g_per_min = info.eaten_g;
		if (trace_append_row(t, &r) != TRACE_OK) {
			ok = false;
			break;
		}
	}
	patient_free(pat);
	cgm_sensor_free(cgm);
	free(boluses);
	return ok;
}

/* Copy rows and markers of `src` up to and including minute `until` into `dst`. */
static void replay_to(trace *dst, const trace *src, int64_t until, size_t *next_row,
                      size_t *next_marker)
{
	while (*next_row < trace_row_count(src) && trace_row(src, *next_row)->t_min <= until)
		trace_append_row(dst, trace_row(src, (*next_row)++));
	while (*next_marker < trace_marker_count(src) &&
	       trace_marker_at(src, *next_marker)->t_min <= until)
		trace_add_marker(dst, trace_marker_at(src, (*next_marker)++));
}

/* ---------------------------------------------------------------------------------- */
/* Measuring                                                                            */
/* ---------------------------------------------------------------------------------- */

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void report(const char *what, int frames, double wall, double cpu)
{
	const double cpu_ms = 1e3 * cpu / frames;
	printf("  %-8s %5d frames  %8.1f frames/s  %6.3f ms CPU/frame  = %5.1f %% of one core at "
	       "60 fps\n",
	       what, frames, frames / wall, cpu_ms, cpu_ms * 60.0 / 10.0);
}

static void viewer_screen_of(viewer_pump_screen *s, const engine_row *r)
{
	viewer_pump_screen_from_row(s, r);
	s->reservoir_full_u = 300.0;
	s->annunciation_id = r->annunciation ? 1 : 0;
}

/* The pump screen at the newest row of `t`, with the bolus progress read off the trace. */
static void screen_at(viewer_pump_screen *s, const trace *t)
{
	const engine_row *last = trace_last_row(t);
	viewer_screen_of(s, last);
	for (size_t i = trace_marker_count(t); i-- > 0;) {
		const trace_marker *m = trace_marker_at(t, i);
		if (m->kind != TRACE_MARK_BOLUS)
			continue;
		double delivered = 0.0;
		size_t first = 0;
		const size_t n = trace_rows_in(t, m->t_min, last->t_min, &first);
		for (size_t k = first; k < first + n; k++)
			delivered += trace_row(t, k)->bolus_u_per_min;
		if (delivered < m->amount - 1e-9 && last->t_min - m->t_min < 60) {
			s->bolus_active = true;
			s->bolus_programmed_u = m->amount;
			s->bolus_delivered_u = delivered;
		}
		break;
	}
}

/* One frame of the live window at run minute `at`, saved as a screenshot. */
static int screenshot(const trace *week, int w, int h, bool software, int64_t at, int64_t span)
{
	char err[256];
	viewer_options opt = {.width = w,
	                      .height = h,
	                      .software = software,
	                      .title = "bench week · adult#001",
	                      .span_min = span};
	viewer *v = viewer_open(&opt, err, sizeof err);
	if (!v) {
		fprintf(stderr, "bench_viewer: %s\n", err);
		return 1;
	}
	trace *t = trace_new();
	size_t nr = 0, nm = 0;
	replay_to(t, week, at, &nr, &nm);
	viewer_pump_screen s;
	screen_at(&s, t);
	s.programmed_basal_u_per_h = -1.0;
	viewer_set_ble_state(v, "connected", "FakePump app · Pixel 8", "482913");
	viewer_set_run_state(v, 3600.0, false);
	viewer_request_screenshot(v);
	viewer_draw(v, t, &s);
	trace_free(t);
	viewer_close(v);
	return 0;
}

static int bench_offscreen(const trace *week, int w, int h, int frames)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
	SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	char err[256];
	plot *p = r ? plot_new(r, plot_default_font_px(h) > 14 ? 14 : plot_default_font_px(h), err,
	                       sizeof err)
	            : NULL;
	if (!p) {
		fprintf(stderr, "bench_viewer: off-screen: %s\n", r ? err : SDL_GetError());
		if (r)
			SDL_DestroyRenderer(r);
		SDL_FreeSurface(s);
		return 1;
	}
	printf("off-screen, SDL software renderer, %d × %d, 7-day window (10 080 rows):\n", w, h);
	plot_view v = {.from_min = 0,
	               .to_min = WEEK_MIN,
	               .now_min = -1,
	               .area = {0, 0, w, h},
	               .title = "bench · adult#001 · 7 days"};

	/* cached */
	plot_draw(p, week, &v, NULL);
	double w0 = wall_s(), c0 = cpu_s();
	for (int i = 0; i < frames; i++)
		plot_draw(p, week, &v, NULL);
	report("cached", frames, wall_s() - w0, cpu_s() - c0);

	/* growing: the week replayed over `frames` frames */
	trace *live = trace_new();
	size_t nr = 0, nm = 0;
	w0 = wall_s();
	c0 = cpu_s();
	for (int i = 0; i < frames; i++) {
		replay_to(live, week, (int64_t)WEEK_MIN * (i + 1) / frames, &nr, &nm);
		v.now_min = trace_last_row(live)->t_min;
		plot_draw(p, live, &v, NULL);
	}
	report("growing", frames, wall_s() - w0, cpu_s() - c0);
	trace_free(live);

	/* cold: the window moves every frame */
	v.now_min = -1;
	w0 = wall_s();
	c0 = cpu_s();
	for (int i = 0; i < frames; i++) {
		v.from_min = -(i % 2);
		v.to_min = WEEK_MIN - (i % 2);
		plot_draw(p, week, &v, NULL);
	}
	report("cold", frames, wall_s() - w0, cpu_s() - c0);

	plot_free(p);
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(s);
	return 0;
}

static int bench_window(const trace *week, int w, int h, int frames, bool software)
{
	char err[256];
	viewer_options opt = {.width = w,
	                      .height = h,
	                      .software = software,
	                      .title = "bench · adult#001 · 7 days",
	                      .span_min = 10080};
	viewer *v = viewer_open(&opt, err, sizeof err);
	if (!v) {
		printf("live window: skipped (%s)\n", err);
		return 0;
	}
	printf("live window, %s renderer (%s video), %d × %d, 7-day window:\n",
	       viewer_renderer_name(v), viewer_video_driver(v), w, h);
	viewer_pump_screen s;
	viewer_screen_of(&s, trace_last_row(week));
	s.bolus_active = true;
	s.bolus_programmed_u = 6.0;
	s.bolus_delivered_u = 4.5;
	s.annunciation = ANN_OCCLUSION;
	viewer_set_ble_state(v, "connected", "Pixel 8 (AA:BB:CC:DD:EE:FF)", "482913");
	viewer_set_run_state(v, 3600.0, false);

	viewer_draw(v, week, &s);
	double w0 = wall_s(), c0 = cpu_s();
	for (int i = 0; i < frames; i++)
		viewer_draw(v, week, &s);
	report("window", frames, wall_s() - w0, cpu_s() - c0);

	/* The price of a call when no frame is due (the engine makes one per simulated minute). */
	{
		const int calls = 5000000;
		viewer_input in;
		w0 = wall_s();
		for (int i = 0; i < calls; i++) {
			if (viewer_frame_due(v))
				viewer_update(v, week, &s);
			while (viewer_poll(v, &in))
				;
		}
		printf("  idle call: viewer_frame_due + viewer_poll, no frame due: %.1f ns\n",
		       1e9 * (wall_s() - w0) / calls);
	}

	/* paced: the run replayed flat out, viewer_frame_due after every row, for 5 s. The
	 * viewer times its own frames (thread CPU time), so the replay's cost is not counted. */
	trace *live = trace_new();
	size_t nr = 0, nm = 0;
	viewer_stats st0, st1;
	viewer_get_stats(v, &st0);
	int64_t rows = 0, minute = 0;
	viewer_set_run_state(v, 0.0, false);
	w0 = wall_s();
	double wall = 0.0;
	while ((wall = wall_s() - w0) < 5.0) {
		for (int i = 0; i < 64; i++) { /* stand-in for the engine: a row per call */
			if (minute > WEEK_MIN) {
				trace_clear(live);
				nr = nm = 0;
				minute = 0;
			}
			replay_to(live, week, minute++, &nr, &nm);
			if (viewer_frame_due(v)) { /* the screen is built only then */
				viewer_screen_of(&s, trace_last_row(live));
				viewer_update(v, live, &s);
			}
			viewer_input in;
			while (viewer_poll(v, &in))
				;
			rows++;
		}
	}
	viewer_get_stats(v, &st1);
	const double frames_n = (double)(st1.frames - st0.frames);
	const double cpu = st1.draw_cpu_s - st0.draw_cpu_s;
	printf(
	    "  paced    %5.0f frames  %8.1f frames/s  %6.3f ms CPU/frame  = %5.1f %% of one core "
	    "for drawing\n"
	    "           (the replay fed %.1f M simulated minutes/s past viewer_frame_due: every "
	    "frame shows new rows)\n",
	    frames_n, frames_n / wall, 1e3 * cpu / frames_n, 100.0 * cpu / wall,
	    (double)rows / wall / 1e6);
	trace_free(live);
	viewer_close(v);
	return 0;
}

/* The week in the window, replayed at `speed` × real time, for a person to look at. */
static int live(const trace *week, int w, int h, bool software, double speed)
{
	char err[256];
	viewer_options opt = {
	    .width = w, .height = h, .software = software, .title = "bench week · adult#001"};
	viewer *v = viewer_open(&opt, err, sizeof err);
	if (!v) {
		fprintf(stderr, "bench_viewer: %s\n", err);
		return 1;
	}
	trace *t = trace_new();
	size_t nr = 0, nm = 0;
	bool paused = false, quit = false;
	double sim_min = 0.0, last = wall_s();
	viewer_set_ble_state(v, "advertising", NULL, NULL);
	while (!quit) {
		const double now = wall_s();
		if (!paused)
			sim_min += (now - last) * speed / 60.0;
		last = now;
		replay_to(t, week, (int64_t)sim_min, &nr, &nm);
		viewer_pump_screen s;
		if (trace_last_row(t))
			viewer_screen_of(&s, trace_last_row(t));
		viewer_set_run_state(v, speed, paused);
		viewer_update(v, t, trace_last_row(t) ? &s : NULL);
		viewer_input in;
		while (viewer_poll(v, &in)) {
			if (in.action == VIEWER_ACTION_QUIT)
				quit = true;
			else if (in.action == VIEWER_ACTION_PAUSE)
				paused = !paused;
			else if (in.action == VIEWER_ACTION_FASTER)
				speed *= 2.0;
			else if (in.action == VIEWER_ACTION_SLOWER && speed > 1.0)
				speed /= 2.0;
			else if (in.action == VIEWER_ACTION_OPEN_PAIRING)
				viewer_set_ble_state(v, "advertising", "pairing requested",
				                     "482913");
		}
		viewer_wait(v, 5);
	}
	trace_free(t);
	viewer_close(v);
	return 0;
}

int main(int argc, char **argv)
{
	int frames = 300, w = 1440, h = 810;
	bool software = false, shot = false, run_live = false;
	long long at_min = 2 * 1440 + 19 * 60 + 3, span_min = 4320;
	double speed = 3600.0;
	const char *png = NULL;
	long long from_min = 0, to_min = WEEK_MIN;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
			frames = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w < 200 || h < 150) {
				fprintf(stderr, "bench_viewer: --size WxH\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--software") == 0) {
			software = true;
		} else if (strcmp(argv[i], "--png") == 0 && i + 1 < argc) {
			png = argv[++i];
		} else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%lld-%lld", &from_min, &to_min) != 2 ||
			    to_min <= from_min) {
				fprintf(stderr, "bench_viewer: --window FROM-TO (run minutes)\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--screenshot") == 0) {
			shot = true;
		} else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			at_min = atoll(argv[++i]);
		} else if (strcmp(argv[i], "--span") == 0 && i + 1 < argc) {
			span_min = atoll(argv[++i]);
		} else if (strcmp(argv[i], "--live") == 0) {
			run_live = true;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				speed = atof(argv[++i]);
		} else {
			fprintf(
			    stderr,
			    "usage: bench_viewer [--frames N] [--size WxH] [--software]\n"
			    "       bench_viewer --png OUT.png [--size WxH] [--window FROM-TO]\n"
			    "       bench_viewer --screenshot [--at MIN] [--span MIN] [--size "
			    "WxH]\n"
			    "       bench_viewer --live [SPEED] [--size WxH] [--software]\n");
			return 2;
		}
	}
	if (frames < 1)
		frames = 1;
	trace *week = trace_new();
	if (!week || !build_week(week)) {
		fprintf(stderr, "bench_viewer: cannot build the week\n");
		trace_free(week);
		return 3;
	}
	int status = 0;
	if (run_live) {
		status = live(week, w, h, software, speed);
	} else if (shot) {
		status = screenshot(week, w, h, software, at_min, span_min);
	} else if (png) {
		char err[256];
		if (!plot_write_png_titled(week, from_min, to_min, w, h, "bench week · adult#001",
		                           png, err, sizeof err)) {
			fprintf(stderr, "bench_viewer: %s\n", err);
			status = 3;
		} else {
			printf("wrote %s (%d × %d)\n", png, w, h);
		}
	} else {
		status = bench_offscreen(week, w, h, frames);
		if (status == 0)
			status = bench_window(week, w, h, frames, software);
	}
	trace_free(week);
	return status;
}
