/*
 * trial_figures and plot_trial: a patient's row from its glucose, the tables read back as
 * written, shards' profiles summed by merge to the unsharded run's exactly, and the three
 * pictures drawn off-screen with what they must (and must not) show, by colour.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "plot_trial.h"
#include "shard_merge.h"
#include "trial_figures.h"

/* A patient's run: `days` days at `base` mg/dL with a meal peak of `peak` after noon and,
 * when `hypo`, an hour at 50 every night. */
static agp *run_of(int days, double base, double peak, bool hypo)
{
	agp *a = agp_new(0);
	cr_assert_not_null(a);
	for (int t = 0; t < days * 1440; t++) {
		const int m = t % 1440;
		double bg = base;
		if (m >= 720 && m < 840)
			bg = base + peak * sin((m - 720) / 120.0 * 3.14159265358979323846);
		if (hypo && m >= 180 && m < 240)
			bg = 50;
		cr_assert(agp_add(a, t, bg, NAN, 0, 0));
	}
	return a;
}

Test(trial_figures, a_patient_row_has_its_extremes_box_and_ranges)
{
	agp *a = run_of(2, 120, 250, true); /* above 300 for 59 min a day: 4 % */
	trial_figures_patient p;
	cr_assert(trial_figures_patient_of(a, &p));
	cr_assert_float_eq(p.low_mgdl, 50, 1e-9, "an hour of 24 at 50: 4.2 %% > 2.5 %%");
	cr_assert_gt(p.high_mgdl, 300);
	cr_assert_eq(p.zone, CVGA_E);
	cr_assert_float_eq(p.tbr54_pct, 100.0 * 60 / 1440, 1e-9);
	cr_assert_float_eq(p.tbr70_pct, 100.0 * 60 / 1440, 1e-9);
	cr_assert_float_eq(p.tir_pct + p.tbr70_pct + (p.tar180_pct), 100, 1e-9);
	agp_free(a);
	agp *flat = run_of(1, 120, 0, false);
	cr_assert(trial_figures_patient_of(flat, &p));
	cr_assert_eq(p.zone, CVGA_A);
	cr_assert_float_eq(p.tir_pct, 100, 1e-9);
	agp_free(flat);
	agp *empty = agp_new(0);
	cr_assert_not(trial_figures_patient_of(empty, &p));
	agp_free(empty);
}

/* The synthetic trial: 6 patients (2 a cohort) under two controllers. */
static const char *const names[6] = {"adolescent#001", "adolescent#002", "adult#001",
                                     "adult#002",      "child#001",      "child#002"};
static const char *const cohorts[6] = {"adolescent", "adolescent", "adult",
                                       "adult",      "child",      "child"};

/* Writes items [first, …) with step `step` of the synthetic trial into db. */
static void write_trial(sqlite3 *db, unsigned first, unsigned step)
{
	char err[256];
	cr_assert(trial_figures_create(db, err, sizeof err), "%s", err);
	static const char *const ctl[2] = {"good", "bad"};
	agp *profile[2][3] = {{NULL}};
	for (unsigned item = first; item < 12; item += step) {
		const unsigned c = item / 6, k = item % 6;
		agp *a = run_of(3, 110 + 5 * k, c ? 250 : 60, c == 1 && k >= 4);
		cr_assert(trial_figures_add_patient(db, item, names[k], cohorts[k], ctl[c], a, err,
		                                    sizeof err),
		          "%s", err);
		agp **g = &profile[c][k / 2];
		if (!*g)
			*g = agp_new(0);
		cr_assert(agp_merge_profile(*g, a));
		agp_free(a);
	}
	for (int c = 0; c < 2; c++)
		for (int g = 0; g < 3; g++)
			if (profile[c][g]) {
				cr_assert(trial_figures_add_profile(db, ctl[c], cohorts[2 * g],
				                                    profile[c][g], err, sizeof err),
				          "%s", err);
				agp_free(profile[c][g]);
			}
}

Test(trial_figures, tables_read_back_as_columns_per_controller)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	write_trial(db, 0, 1);
	trial_figures f = {0};
	char err[256];
	cr_assert(trial_figures_read(db, &f, err, sizeof err), "%s", err);
	cr_assert_eq(f.column_count, 2);
	cr_assert_str_eq(f.columns[0].controller, "bad", "controllers in name order");
	cr_assert_eq(f.columns[0].patient_count, 6);
	cr_assert_str_eq(f.columns[1].patients[2].patient, "adult#001");
	for (int k = 0; k < FIGURES_COHORT_COUNT; k++)
		cr_assert_not_null(f.columns[1].profile[k], "cohort %d", k);
	double p[AGP_PERCENTILES];
	cr_assert(agp_slot_percentiles(f.columns[1].profile[FIGURES_COHORT_ALL], 0, p));
	cr_assert_float_eq(p[0], 110, 1e-9);
	cr_assert_float_eq(p[4], 135, 1e-9);
	/* a second database of the same controllers: columns kept apart */
	cr_assert(trial_figures_read(db, &f, err, sizeof err), "%s", err);
	cr_assert_eq(f.column_count, 4);
	cr_assert_str_eq(f.columns[2].controller, "bad (2)");
	trial_figures_clear(&f);
	sqlite3_close(db);
}

/* The profiles of three shards, merged by shard_merge, are the unsharded run's, count for
 * count, and the rows the same rows. */
Test(trial_figures, shards_merge_to_the_unsharded_tables_exactly)
{
	char dir[] = "/tmp/trial-figures-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[3][256], whole[256], merged[256], err[512];
	const char *paths[3];
	for (unsigned i = 0; i <= 3; i++) {
		char *p = i < 3 ? path[i] : whole;
		snprintf(p, 256, "%s/%s%u.db", dir, i < 3 ? "shard" : "whole", i);
		sqlite3 *db;
		cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
		/* one transaction, no fsync: thousands of count rows (on a busy disk, one fsync a
		 * row took minutes) */
		cr_assert_eq(sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL),
		             SQLITE_OK);
		const shard_spec s = i < 3 ? (shard_spec){i, 3} : (shard_spec){0, 1};
		shard_manifest m = {.definition = "synthetic trial", .shard = s, .item_count = 12};
		snprintf(m.kind, sizeof m.kind, "trial");
		snprintf(m.version, sizeof m.version, "test");
		cr_assert(shard_db_begin(db, &m, err, sizeof err), "%s", err);
		for (unsigned item = s.index; item < 12; item += s.count)
			cr_assert(shard_db_add_item(db, item, names[item % 6], err, sizeof err));
		write_trial(db, s.index, s.count);
		cr_assert(shard_db_finish(db, err, sizeof err));
		cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		if (i < 3)
			paths[i] = path[i];
	}
	snprintf(merged, sizeof merged, "%s/merged.db", dir);
	shard_merge_info info;
	cr_assert_eq(shard_merge(merged, paths, 3, &info, err, sizeof err), SHARD_MERGE_OK, "%s",
	             err);
	sqlite3 *a, *b;
	cr_assert_eq(sqlite3_open(whole, &a), SQLITE_OK);
	cr_assert_eq(sqlite3_open(merged, &b), SQLITE_OK);
	const char *q[2] = {"SELECT * FROM trial_glucose ORDER BY item",
	                    "SELECT controller, cohort, slot, mgdl, sum(count) FROM trial_agp "
	                    "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"};
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *sa, *sb;
		cr_assert_eq(sqlite3_prepare_v2(a, q[k], -1, &sa, NULL), SQLITE_OK);
		cr_assert_eq(sqlite3_prepare_v2(b, q[k], -1, &sb, NULL), SQLITE_OK);
		size_t rows = 0;
		for (;;) {
			const int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
			cr_assert_eq(ra, rb, "%s: row %zu", q[k], rows);
			if (ra != SQLITE_ROW)
				break;
			for (int c = 0; c < sqlite3_column_count(sa); c++)
				cr_assert_str_eq((const char *)sqlite3_column_text(sa, c),
				                 (const char *)sqlite3_column_text(sb, c),
				                 "%s: row %zu col %d", q[k], rows, c);
			rows++;
		}
		cr_assert_gt(rows, 10);
		sqlite3_finalize(sa);
		sqlite3_finalize(sb);
	}
	/* the merged 'sum' table holds each key once */
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(b,
	                                "SELECT count(*) FROM (SELECT 1 FROM trial_agp GROUP BY "
	                                "controller, cohort, slot, mgdl HAVING count(*) > 1)",
	                                -1, &st, NULL),
	             SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(a);
	sqlite3_close(b);
	for (unsigned i = 0; i < 3; i++)
		unlink(path[i]);
	unlink(whole);
	unlink(merged);
	rmdir(dir);
}

/* ---- the pictures --------------------------------------------------------------------- */

/* How many pixels of the picture at `path` are exactly colour c. */
static size_t pixels_of(const char *path, SDL_Color c, int *w, int *h)
{
	SDL_Surface *raw = IMG_Load(path);
	cr_assert_not_null(raw, "%s: %s", path, IMG_GetError());
	SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_XRGB8888, 0);
	SDL_FreeSurface(raw);
	cr_assert_not_null(s);
	size_t n = 0;
	for (int y = 0; y < s->h; y++) {
		const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch);
		for (int x = 0; x < s->w; x++) {
			Uint8 r, g, b;
			SDL_GetRGB(row[x], s->format, &r, &g, &b);
			n += r == c.r && g == c.g && b == c.b;
		}
	}
	*w = s->w;
	*h = s->h;
	SDL_FreeSurface(s);
	return n;
}

static trial_figures one_column(const char *name, double base, double peak, bool hypo, size_t n)
{
	trial_figures f = {0};
	f.columns = calloc(1, sizeof *f.columns);
	f.column_count = 1;
	trial_figures_column *c = &f.columns[0];
	snprintf(c->controller, sizeof c->controller, "%s", name);
	c->patients = calloc(n, sizeof *c->patients);
	c->patient_count = n;
	for (size_t i = 0; i < n; i++) {
		agp *a = run_of(2, base, peak, hypo);
		cr_assert(trial_figures_patient_of(a, &c->patients[i]));
		snprintf(c->patients[i].cohort, sizeof c->patients[i].cohort, "adult");
		snprintf(c->patients[i].patient, sizeof c->patients[i].patient, "adult#%03zu",
		         i + 1);
		for (int k = FIGURES_COHORT_ADULT; k <= FIGURES_COHORT_ALL; k += 2) {
			if (!c->profile[k])
				c->profile[k] = agp_new(0);
			cr_assert(agp_merge_profile(c->profile[k], a));
		}
		agp_free(a);
	}
	return f;
}

static const SDL_Color below54 = {0x8B, 0x1A, 0x1A, 0xFF}, adult = {0x00, 0x72, 0xB2, 0xFF},
                       median_ink = {0x0B, 0x3C, 0x6B, 0xFF};

static void draw(plot_trial_kind kind, const trial_figures *f, const char *path)
{
	char err[256];
	cr_assert(
	    plot_trial_write_png(kind, f, 0, 0, "title", "footer line", path, err, sizeof err),
	    "%s", err);
}

Test(plot_trial, strip_shows_time_below_54_only_where_there_was_some)
{
	trial_figures good = one_column("good", 120, 50, false, 12);
	trial_figures bad = one_column("bad", 120, 50, true, 12);
	int w, h;
	draw(PLOT_TRIAL_STRIP, &good, "/tmp/plot-trial-strip-good.png");
	draw(PLOT_TRIAL_STRIP, &bad, "/tmp/plot-trial-strip-bad.png");
	/* the legend has one swatch of each colour: ~13 × 13 px */
	const size_t legend = pixels_of("/tmp/plot-trial-strip-good.png", below54, &w, &h);
	cr_assert_eq(w, 1500);
	cr_assert_lt(legend, 400);
	const size_t hypo = pixels_of("/tmp/plot-trial-strip-bad.png", below54, &w, &h);
	cr_assert_gt(hypo, legend + 12 * 10, "12 patients' bars show their 4 %% below 54");
	trial_figures_clear(&good);
	trial_figures_clear(&bad);
	unlink("/tmp/plot-trial-strip-good.png");
	unlink("/tmp/plot-trial-strip-bad.png");
}

Test(plot_trial, cvga_draws_one_point_a_patient_in_its_cohort_colour)
{
	trial_figures f = one_column("ctl", 120, 250, true, 5);
	trial_figures none = one_column("ctl", 120, 250, true, 0);
	int w, h;
	draw(PLOT_TRIAL_CVGA, &f, "/tmp/plot-trial-cvga.png");
	draw(PLOT_TRIAL_CVGA, &none, "/tmp/plot-trial-cvga-none.png");
	const size_t with = pixels_of("/tmp/plot-trial-cvga.png", adult, &w, &h);
	const size_t without = pixels_of("/tmp/plot-trial-cvga-none.png", adult, &w, &h);
	cr_assert_gt(with, without + 20, "a disc of the adults' blue (%zu vs %zu)", with, without);
	trial_figures_clear(&f);
	trial_figures_clear(&none);
	unlink("/tmp/plot-trial-cvga.png");
	unlink("/tmp/plot-trial-cvga-none.png");
}

Test(plot_trial, agp_draws_a_median_where_there_are_patients)
{
	trial_figures f = one_column("ctl", 120, 80, false, 3);
	int w, h;
	draw(PLOT_TRIAL_AGP, &f, "/tmp/plot-trial-agp.png");
	const size_t median = pixels_of("/tmp/plot-trial-agp.png", median_ink, &w, &h);
	cr_assert_gt(median, 200, "a median line across two panels (adult, all)");
	cr_assert_eq(w, 120 + 470);
	trial_figures_clear(&f);
	unlink("/tmp/plot-trial-agp.png");
	char err[256];
	cr_assert_not(plot_trial_write_png(PLOT_TRIAL_AGP, &f, 50, 50, NULL, NULL,
	                                   "/tmp/plot-trial-x.png", err, sizeof err));
	cr_assert(strstr(err, "bad picture size"), "%s", err);
}
