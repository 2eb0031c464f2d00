/*
 * sink_summary — the run's one-line summary (summary_print_line) when the run ends, on
 * standard output, or on standard error when the CSV or the event stream took standard
 * output; an interrupted or failed run says where it stopped and what stopped it. Printed
 * last, after every file is complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks.h"

static void on_finish(void *self, const run_ending *end, run_report *rep)
{
	(void)self, (void)rep;
	const run_options *opt = end->opt;
	if (end->sum->glucose.n == 0)
		return;
	const bool stdout_taken = (opt->csv_path && strcmp(opt->csv_path, "-") == 0) ||
	                          (opt->events_path && strcmp(opt->events_path, "-") == 0);
	FILE *o = stdout_taken ? stderr : stdout;
	char words[64];
	run_ending_words(end, words, sizeof words);
	summary_print_line(end->sum, end->sc->name, end->sc->patient->name,
	                   end->sc->start_min_of_day, o);
	if (words[0])
		fprintf(o, " — %s", words);
	if (end->cause->kind == RUN_END_INTERRUPTED)
		fprintf(o, " (%s)%s", run_ending_stopped_by(end->cause),
		        end->sc->expectation_count ? "; expectations not judged" : "");
	fputc('\n', o);
	fflush(o);
}

static const run_sink_ops summary_ops = {.finish = on_finish};

bool sink_summary_open(run_sinks *sinks, run_report *rep)
{
	return run_sinks_add(sinks, RUN_SINK_SUMMARY, &summary_ops, NULL, false, rep);
}
