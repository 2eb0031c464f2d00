/*
 * cli — what the commands of `fakepump` share: the exit statuses, the help text, and one way
 * to read a command line.
 *
 * Every command reads its arguments with getopt_long in argument order ("-" mode): options
 * and operands (FILE, RUN_ID) come back one by one as they stand, so `--db FILE` may go
 * anywhere, `--db=FILE` works, and a mistake is reported with the argument as typed. A
 * command is a function `int cmd_NAME(int argc, char **argv)` (argv[0] is the command's
 * name) that returns the process's exit status; main.c only picks it.
 *
 * Adding an option to a command: a row in its `struct option` table, a case in its switch,
 * a line in the help text (cli_usage.c). Adding a command: a cmd_*.c file, its prototype
 * below, a row in main.c's table.
 */
#ifndef FAKEPUMP_CLI_H
#define FAKEPUMP_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (an interrupted run adds 128 + the signal: 130, 143). */
enum {
	CLI_EXIT_OK = 0,        /* success; every expectation met */
	CLI_EXIT_FAILED = 1,    /* an expectation failed */
	CLI_EXIT_BAD_INPUT = 2, /* the command line, a scenario or an output path */
	CLI_EXIT_RUNTIME = 3,   /* a runtime error */
};

/* The database of runs, export and plot unless --db says otherwise. */
#define CLI_DEFAULT_DB "fakepump.db"

/* The help text (`fakepump --help`). */
void cli_print_usage(FILE *out);

/* A command line being read (see cli_next). */
typedef struct cli_args {
	const char *cmd; /* "run", "export", …: the word in messages */
	int argc;
	char **argv;
	const struct option *options;
	char optstring[48]; /* "-:" and the command's short options */
	const char *token;  /* the argument getopt_long last read from */
	bool rest;          /* past "--" or the end: only operands are left */
	char bad[160];      /* the first unexpected argument noted (cli_note_unexpected) */
} cli_args;

/* What cli_next returns besides an option's `val`. */
enum {
	CLI_OPERAND = 1,         /* an argument that is not an option: in *value */
	CLI_MISSING_VALUE = ':', /* an option without its value: see cli_option_text */
	CLI_UNKNOWN = '?',       /* an option the command does not have: see cli_option_text */
	CLI_END = -1,
};

/* Start reading argv[1 …] of a command; `shortopts` as getopt's (e.g. "j:vqh"). */
void cli_begin(cli_args *a, const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *options);

/*
 * The next option (its `val`, with its value in *value), operand (CLI_OPERAND), mistake
 * (CLI_MISSING_VALUE, CLI_UNKNOWN) or CLI_END. Operands after "--" come back as operands.
 */
int cli_next(cli_args *a, const char **value);

/*
 * The option that cli_next just reported as CLI_MISSING_VALUE or CLI_UNKNOWN, as the user
 * wrote it: "--db" (the full name, even when abbreviated), "-j", "--bogus". Returns buf.
 */
const char *cli_option_text(const cli_args *a, int c, char *buf, size_t cap);

/* "fakepump CMD: option '--db' needs a value" and `hint` (e.g. " (a database file)"). */
int cli_missing_value(const cli_args *a, const char *hint);

/*
 * Keep the first unexpected argument (an unknown option or a surplus operand) to report
 * after the whole line is read, so a missing value wins over it (cli_unexpected).
 */
void cli_note_unexpected(cli_args *a, int c, const char *operand);
/* The argument noted, or NULL. */
const char *cli_unexpected(const cli_args *a);

/* A run id: a whole number >= 1, nothing else. */
bool cli_parse_run_id(const char *text, long long *id);

/* The commands (cmd_*.c). */
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bonds(int argc, char **argv);
int cmd_patients(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_population(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_figures(int argc, char **argv);
int cmd_trial(int argc, char **argv);
/* `fakepump trial --help`. */
void cli_print_trial_usage(FILE *out);
int cmd_ctl(int argc, char **argv);

#endif
