/*
 * cmd_db — the commands that read a run database (sim/record/recorder_read.h):
 *   fakepump runs [--db FILE]                     the runs recorded, oldest first
 *   fakepump export RUN_ID --csv OUT [--db FILE]  one run as the trace CSV
 *   fakepump plot RUN_ID --png OUT [--db FILE]    one run as a PNG picture
 * The database defaults to ./fakepump.db. A database that does not exist, a run that does not
 * or one without samples is bad input (exit 2), and so is an output that cannot be written,
 * checked before anything is read.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "output_check.h"
#include "pump_model.h"
#include "recorder_read.h"
#include "report_read.h"
#include "trace.h"
#include "viewer_plugin.h"

/* read_db_args: carry on (anything else is the exit status). */
enum { GO_ON = -1 };

/* What runs, export and plot were given. */
typedef struct db_args {
	const char *db;      /* --db, else CLI_DEFAULT_DB */
	const char *out;     /* --csv (export) or --png (plot) */
	const char *id_text; /* RUN_ID as typed */
} db_args;

/*
 * `[RUN_ID] [--OUT_OPTION FILE] [--db FILE] [--help]` in any order (no RUN_ID and no output
 * option when out_option is NULL). GO_ON, or the exit status with the message printed: a
 * missing value first, else the first unexpected argument with `usage`.
 */
static int read_db_args(const char *cmd, const char *usage, int argc, char **argv,
                        const char *out_option, db_args *out)
{
	const struct option options[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {out_option, required_argument, NULL, 'o'}, /* NULL name: the table ends here */
	    {0, 0, 0, 0},
	};
	*out = (db_args){.db = CLI_DEFAULT_DB};
	cli_args a;
	cli_begin(&a, cmd, argc, argv, "h", options);
	const char *value;
	int c;
	while ((c = cli_next(&a, &value)) != CLI_END) {
		switch (c) {
		case 'd':
			out->db = value;
			break;
		case 'o':
			out->out = value;
			break;
		case 'h':
			cli_print_usage(stdout);
			return CLI_EXIT_OK;
		case CLI_MISSING_VALUE:
			return cli_missing_value(&a, optopt == 'd' ? " (a database file)" : NULL);
		case CLI_OPERAND:
			if (out_option && !out->id_text && value[0] != '-') {
				out->id_text = value;
				break;
			}
			cli_note_unexpected(&a, c, value);
			break;
		default:
			cli_note_unexpected(&a, c, value);
			break;
		}
	}
	if (cli_unexpected(&a)) {
		fprintf(stderr, "fakepump %s: unexpected '%s' (usage: %s)\n", cmd,
		        cli_unexpected(&a), usage);
		return CLI_EXIT_BAD_INPUT;
	}
	return GO_ON;
}

/* An output of export or plot, checked before anything is read or written (exit 2). */
static bool output_ok(const char *cmd, const char *option, const char *path, output_kind kind)
{
	const output_path o = {option, path, kind};
	char err[600];
	if (output_check(&o, 1, err, sizeof err))
		return true;
	fprintf(stderr, "fakepump %s: %s\n", cmd, err);
	return false;
}

/* A reader's error: bad input when the run is not there, else a runtime error. */
static int reader_failed(const char *cmd, const char *err)
{
	fprintf(stderr, "fakepump %s: %s\n", cmd, err);
	return strstr(err, "no run") ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUNTIME;
}

int cmd_runs(int argc, char **argv)
{
	db_args args;
	int status = read_db_args("runs", "fakepump runs [--db FILE]", argc, argv, NULL, &args);
	if (status != GO_ON)
		return status;
	if (access(args.db, F_OK) != 0) {
		fprintf(stderr,
		        "fakepump runs: %s: no such database (record runs with 'fakepump run "
		        "FILE --db %s')\n",
		        args.db, args.db);
		return CLI_EXIT_BAD_INPUT;
	}
	char err[600];
	if (recorder_list_runs(args.db, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "fakepump runs: %s\n", err);
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

/* export and plot: `RUN_ID --OUT_OPTION OUT [--db FILE]`. */
typedef struct run_command {
	const char *cmd;
	const char *usage;
	const char *out_option; /* "csv", "png" */
	output_kind out_kind;
} run_command;

static const run_command export_command = {"export", "fakepump export RUN_ID --csv OUT [--db FILE]",
                                           "csv", OUTPUT_STREAM};
static const run_command plot_command = {"plot", "fakepump plot RUN_ID --png OUT [--db FILE]",
                                         "png", OUTPUT_FILE};

/*
 * The arguments of export or plot, then RUN_ID, the database and the output checked in that
 * order: GO_ON with *args and *id set, or the exit status with the message printed.
 */
static int read_run_command(const run_command *rc, int argc, char **argv, db_args *args,
                            long long *id)
{
	const int status = read_db_args(rc->cmd, rc->usage, argc, argv, rc->out_option, args);
	if (status != GO_ON)
		return status;
	if (!cli_parse_run_id(args->id_text, id) || !args->out) {
		fprintf(stderr, "fakepump %s: usage: %s\n", rc->cmd, rc->usage);
		return CLI_EXIT_BAD_INPUT;
	}
	if (access(args->db, F_OK) != 0) {
		fprintf(stderr, "fakepump %s: %s: no such database\n", rc->cmd, args->db);
		return CLI_EXIT_BAD_INPUT;
	}
	char option[16];
	snprintf(option, sizeof option, "--%s", rc->out_option);
	if (!output_ok(rc->cmd, option, args->out, rc->out_kind))
		return CLI_EXIT_BAD_INPUT;
	return GO_ON;
}

int cmd_export(int argc, char **argv)
{
	db_args args;
	long long id = 0;
	const int status = read_run_command(&export_command, argc, argv, &args, &id);
	if (status != GO_ON)
		return status;
	char err[600];
	const int64_t samples = recorder_run_sample_count(args.db, id, err, sizeof err);
	if (samples < 0)
		return reader_failed("export", err);
	if (samples == 0) {
		/* a header alone would pass for a run that ended before it began */
		fprintf(stderr,
		        "fakepump export: run %lld has no samples (see 'fakepump runs --db %s')\n",
		        id, args.db);
		return CLI_EXIT_BAD_INPUT;
	}
	const char *csv = args.out;
	FILE *out = strcmp(csv, "-") == 0 ? stdout : fopen(csv, "w");
	if (!out) {
		fprintf(stderr, "fakepump export: cannot write %s: %s\n", csv, strerror(errno));
		return CLI_EXIT_BAD_INPUT;
	}
	int rows = recorder_export_csv(args.db, id, out, err, sizeof err);
	if (out != stdout && fclose(out) != 0 && rows >= 0) {
		fprintf(stderr, "fakepump export: cannot write %s: %s\n", csv, strerror(errno));
		return CLI_EXIT_RUNTIME;
	}
	if (rows < 0) {
		if (out != stdout)
			remove(csv);
		return reader_failed("export", err);
	}
	return CLI_EXIT_OK;
}

/* A recorded run back into a trace, for `plot`: the rows, and the markers the plot draws. */
typedef struct replay {
	trace *t;
	int start_min_of_day;
} replay;

static void replay_sample(const recorder_sample *s, void *user_data)
{
	replay *r = user_data;
	int64_t day;
	int min_of_day;
	clock_split(s->t_min + r->start_min_of_day, &day, &min_of_day);
	engine_row row = {
	    .t_min = s->t_min,
	    .day = (int)day,
	    .min_of_day = min_of_day,
	    .bg_mgdl = s->bg_mgdl,
	    .gsub_mgdl = s->gsub_mgdl,
	    .has_cgm = !isnan(s->cgm_mgdl),
	    .cgm_mgdl = s->cgm_mgdl,
	    .meal_announced_g = s->meal_announced_g,
	    .cho_g_per_min = s->cho_g_per_min,
	    .basal_u_per_min = s->basal_u_per_min,
	    .bolus_u_per_min = s->bolus_u,
	    .insulin_u_per_min = s->insulin_u_per_min,
	    .basal_u_per_h = s->basal_u_per_h,
	    .iob_u = s->iob_u,
	    .reservoir_u = s->reservoir_u,
	    .battery_pct = s->battery_pct,
	    .therapy_state = s->therapy_state,
	    .annunciation = s->annunciation,
	};
	trace_append_row(r->t, &row);
	if (row.meal_announced_g > 0)
		trace_add_meal(r->t, row.t_min, row.meal_announced_g);
}

static void replay_event(const recorder_event *e, void *user_data)
{
	replay *r = user_data;
	if (!e->type)
		return;
	if (strcmp(e->type, "bolus_started") == 0) {
		trace_add_bolus(r->t, e->t_min, e->value);
	} else if (strcmp(e->type, "annunciation") == 0 && e->result &&
	           strcmp(e->result, "raised") == 0) {
		pump_annunciation_type type;
		if (pump_annunciation_from_name(e->name, &type))
			trace_add_annunciation(r->t, e->t_min, (int)type, e->name);
	} else if (strcmp(e->type, "fault") == 0) {
		pump_fault f;
		if (pump_fault_from_name(e->name, &f))
			trace_add_fault(r->t, e->t_min, (int)f, e->name);
	}
}

/*
 * The picture of a replayed run (1600 × 900) through the viewer module: titled with the
 * scenario, the patient and how the run ended when it did not complete; its sensor faults
 * shaded; a footer with its provenance (report_run_footer). A run recorded before schema 3
 * has no settings: the footer says so.
 */
static int draw_replay(const replay *r, long long id, const char *db, const char *png)
{
	int64_t first, last;
	if (!trace_time_span(r->t, &first, &last)) {
		fprintf(stderr, "fakepump plot: run %lld has no samples\n", id);
		return CLI_EXIT_BAD_INPUT;
	}
	char title[300], err[600], footer[1200] = "";
	report_run facts;
	report_run_init(&facts);
	report_db *rdb = report_db_open(db, err, sizeof err);
	const bool known = rdb && report_db_read_facts(rdb, id, &facts, err, sizeof err);
	report_db_close(rdb);
	char ending[96] = "";
	if (known && facts.status && strcmp(facts.status, "passed") != 0 &&
	    strcmp(facts.status, "failed") != 0 && strcmp(facts.status, "done") != 0) {
		char at[CLOCK_TEXT_MAX];
		clock_format(last + facts.start_min_of_day, at, sizeof at);
		snprintf(ending, sizeof ending, " — %s at %s", facts.status, at);
	}
	snprintf(title, sizeof title, "%s · %s (run %lld)%s", known ? facts.name : "?",
	         known ? facts.patient : "?", id, ending);
	if (known) {
		report_run_footer(&facts, db, footer, sizeof footer);
		for (size_t i = 0; i < facts.sensor_fault_count; i++)
			trace_add_sensor_fault(r->t, facts.sensor_faults[i].at_min,
			                       facts.sensor_faults[i].duration_min,
			                       facts.sensor_faults[i].kind);
	}
	report_run_clear(&facts);
	const viewer_api *ui = viewer_api_get(err, sizeof err);
	const plot_picture pic = {first, last + 1, 1600, 900, title, footer[0] ? footer : NULL,
	                          png};
	if (!ui || !ui->write_picture(r->t, &pic, err, sizeof err)) {
		fprintf(stderr, "fakepump plot: %s\n", err);
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
	db_args args;
	long long id = 0;
	int status = read_run_command(&plot_command, argc, argv, &args, &id);
	if (status != GO_ON)
		return status;
	replay r = {.t = trace_new()};
	if (!r.t) {
		fprintf(stderr, "fakepump plot: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	char name[128], patient_name[128], err[600];
	if (recorder_read_run(args.db, id, &r.start_min_of_day, name, patient_name, replay_sample,
	                      replay_event, &r, err, sizeof err) < 0)
		status = reader_failed("plot", err);
	else
		status = draw_replay(&r, id, args.db, args.out);
	trace_free(r.t);
	return status;
}
