/*
 * Tests of the run's sink list (sim/run/run_sink.h): sinks are called in the order of their
 * places whatever order they were added in; every sink gets a row even when one before it
 * cannot write it, and the first failure is the one reported; finishing goes in order and
 * empties the list; abandoning undoes every sink; the first failure in a report wins.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "run_sink.h"

/* What the fake sinks did, in order: "V:row", "C:finish", … */
static char journal[1024];

static void note(const char *who, const char *what)
{
	size_t used = strlen(journal);
	snprintf(journal + used, sizeof journal - used, "%s%s:%s", used ? " " : "", who, what);
}

typedef struct fake {
	const char *name;
	bool fail_rows; /* every row fails with "NAME cannot write" */
} fake;

static bool fake_row(void *self, const engine_row *row, bool integrated, char *err, size_t cap)
{
	(void)row, (void)integrated;
	fake *f = self;
	note(f->name, "row");
	if (!f->fail_rows)
		return true;
	if (err)
		snprintf(err, cap, "%s cannot write", f->name);
	return false;
}

static void fake_finish(void *self, const run_ending *end, run_report *rep)
{
	(void)end;
	fake *f = self;
	note(f->name, "finish");
	char msg[64];
	snprintf(msg, sizeof msg, "%s failed", f->name);
	if (f->fail_rows)
		run_report_fail(rep, msg);
}

static void fake_abandon(void *self)
{
	note(((fake *)self)->name, "abandon");
}

static void fake_free(void *self)
{
	note(((fake *)self)->name, "free");
}

static const run_sink_ops fake_ops = {
    .row = fake_row, .finish = fake_finish, .abandon = fake_abandon, .free = fake_free};

static void add(run_sinks *list, run_sink_place place, fake *f)
{
	run_report rep = {.status = RUN_PASSED};
	cr_assert(run_sinks_add(list, place, &fake_ops, f, false, &rep));
}

Test(run_sinks, call_sinks_in_the_order_of_their_places_not_of_adding)
{
	journal[0] = '\0';
	run_sinks list = {.count = 0};
	fake events = {"E", false}, csv = {"C", false}, verdict = {"V", false},
	     csv2 = {"C2", false};
	add(&list, RUN_SINK_EVENTS, &events);
	add(&list, RUN_SINK_CSV, &csv);
	add(&list, RUN_SINK_VERDICT, &verdict);
	add(&list, RUN_SINK_CSV, &csv2); /* same place: after the one added before */
	engine_row row = {.t_min = 0};
	char err[64] = "";
	cr_assert(run_sinks_row(&list, &row, true, err, sizeof err));
	cr_assert_str_eq(journal, "V:row C:row C2:row E:row");
}

Test(run_sinks, every_sink_gets_the_row_and_the_first_failure_is_reported)
{
	journal[0] = '\0';
	run_sinks list = {.count = 0};
	fake a = {"A", true}, b = {"B", true}, c = {"C", false};
	add(&list, RUN_SINK_TRACE, &a);
	add(&list, RUN_SINK_CSV, &b);
	add(&list, RUN_SINK_EVENTS, &c);
	engine_row row = {.t_min = 7};
	char err[64] = "";
	cr_assert_not(run_sinks_row(&list, &row, true, err, sizeof err));
	cr_assert_str_eq(journal, "A:row B:row C:row", "a failure stops no other sink");
	cr_assert_str_eq(err, "A cannot write");
}

Test(run_sinks, finishing_goes_in_order_keeps_the_first_failure_and_frees_all)
{
	journal[0] = '\0';
	run_sinks list = {.count = 0};
	fake a = {"A", false}, b = {"B", true}, c = {"C", true};
	add(&list, RUN_SINK_SUMMARY, &c);
	add(&list, RUN_SINK_CSV, &b);
	add(&list, RUN_SINK_VERDICT, &a);
	run_report rep = {.status = RUN_PASSED};
	run_end_cause cause = {.kind = RUN_END_COMPLETED};
	const run_ending end = {.cause = &cause};
	run_sinks_finish(&list, &end, &rep);
	cr_assert_str_eq(journal, "A:finish B:finish C:finish A:free B:free C:free");
	cr_assert_eq(rep.status, RUN_ERROR);
	cr_assert_str_eq(rep.message, "B failed", "the first failure wins, got '%s'", rep.message);
	cr_assert_eq(list.count, 0);
}

Test(run_sinks, abandoning_undoes_every_sink_then_frees_it)
{
	journal[0] = '\0';
	run_sinks list = {.count = 0};
	fake a = {"A", false}, b = {"B", false};
	add(&list, RUN_SINK_DATABASE, &b);
	add(&list, RUN_SINK_CSV, &a);
	run_sinks_abandon(&list);
	cr_assert_str_eq(journal, "A:abandon B:abandon A:free B:free");
	cr_assert_eq(list.count, 0);
}

Test(run_sinks, a_full_list_refuses_one_more_and_releases_it)
{
	run_sinks list = {.count = 0};
	run_report rep = {.status = RUN_PASSED};
	fake f = {"F", false}, extra = {"X", false};
	for (int i = 0; i < RUN_SINKS_MAX; i++)
		cr_assert(run_sinks_add(&list, RUN_SINK_CSV, &fake_ops, &f, false, &rep));
	journal[0] = '\0';
	cr_assert_not(run_sinks_add(&list, RUN_SINK_CSV, &fake_ops, &extra, false, &rep));
	cr_assert_eq(list.count, RUN_SINKS_MAX);
	cr_assert_str_eq(journal, "X:abandon X:free", "the refused sink is undone and freed");
	cr_assert_str_eq(rep.message, "too many outputs for one run");
}

Test(run_sinks, detailed_rows_are_asked_for_when_any_sink_reads_the_pump)
{
	run_sinks list = {.count = 0};
	fake f = {"F", false};
	run_report rep = {.status = RUN_PASSED};
	cr_assert_not(run_sinks_detailed_rows(&list));
	run_sinks_add(&list, RUN_SINK_EVENTS, &fake_ops, &f, false, &rep);
	cr_assert_not(run_sinks_detailed_rows(&list));
	run_sinks_add(&list, RUN_SINK_CSV, &fake_ops, &f, true, &rep);
	cr_assert(run_sinks_detailed_rows(&list));
}

Test(run_report_fail, keeps_the_first_error_message)
{
	run_report rep = {.status = RUN_FAILED};
	snprintf(rep.message, sizeof rep.message, "expected x, measured y");
	run_report_fail(&rep, "cannot write a.csv");
	cr_assert_eq(rep.status, RUN_ERROR);
	cr_assert_str_eq(rep.message, "cannot write a.csv", "an error replaces a failed verdict");
	run_report_fail(&rep, "cannot write b.png");
	cr_assert_str_eq(rep.message, "cannot write a.csv");
}
