/*
 * fakepump — the command-line entry point: picks the command and hands it the rest of the
 * line (cli.h says how commands read it; cmd_*.c are the commands).
 *
 * Exit status: 0 success (every expectation met), 1 an expectation failed, 2 bad input
 * (command line, scenario or an output path), 3 runtime error, 128 + signal when a run was
 * interrupted (130 SIGINT or the window's q, 143 SIGTERM).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "run_facts.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} commands[] = {
    {"run", cmd_run},
    {"demo", cmd_demo},
    {"runs", cmd_runs},
    {"export", cmd_export},
    {"plot", cmd_plot},
    {"report", cmd_report},
    {"patients", cmd_patients},
    {"bonds", cmd_bonds},
    {"trial", cmd_trial},
    {"ctl", cmd_ctl},
    {"population", cmd_population},
    {"merge", cmd_merge},
    {"figures", cmd_figures},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_print_usage(stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		cli_print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("fakepump %s\n", run_facts_build());
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "fakepump: unknown command '%s' (see 'fakepump --help')\n", cmd);
	return CLI_EXIT_BAD_INPUT;
}
