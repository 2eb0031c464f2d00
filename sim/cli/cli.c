/*
 * cli — see cli.h. The command line is read with glibc's getopt_long: a leading '-' in the
 * option string returns operands in place (RETURN_IN_ORDER), a ':' after it tells a missing
 * value (':') from an unknown option ('?'), and getopt prints nothing itself.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void cli_begin(cli_args *a, const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *options)
{
	*a = (cli_args){.cmd = cmd, .argc = argc, .argv = argv, .options = options};
	snprintf(a->optstring, sizeof a->optstring, "-:%s", shortopts);
	optind = 0; /* glibc: start afresh (also reads the option string's '-' again) */
	opterr = 0;
}

int cli_next(cli_args *a, const char **value)
{
	*value = NULL;
	if (!a->rest) {
		/* In argument order getopt reads argv[optind] (a cluster such as -vq stays there
		 * until its last letter), or argv[1] when it starts afresh. */
		const int at = optind > 0 ? optind : 1;
		a->token = at < a->argc ? a->argv[at] : "";
		const int c = getopt_long(a->argc, a->argv, a->optstring, a->options, NULL);
		if (c != -1) {
			*value = optarg;
			return c;
		}
		a->rest = true; /* the end, or "--": what is left are operands */
	}
	if (optind < a->argc) {
		*value = a->argv[optind++];
		return CLI_OPERAND;
	}
	return CLI_END;
}

/* The long name of the option whose val is `val`, or NULL. */
static const char *long_name(const struct option *options, int val)
{
	for (const struct option *o = options; o && o->name; o++)
		if (o->val == val)
			return o->name;
	return NULL;
}

const char *cli_option_text(const cli_args *a, int c, char *buf, size_t cap)
{
	const char *typed = a->token ? a->token : "";
	const bool is_long = strncmp(typed, "--", 2) == 0;
	if (c == CLI_MISSING_VALUE && is_long && long_name(a->options, optopt))
		snprintf(buf, cap, "--%s", long_name(a->options, optopt));
	else if (optopt != 0 && !is_long)
		snprintf(buf, cap, "-%c", optopt); /* a short option, maybe in a cluster (-vx) */
	else
		snprintf(buf, cap, "%s", typed); /* a long one as typed: --bogus, --quiet=1 */
	return buf;
}

int cli_missing_value(const cli_args *a, const char *hint)
{
	char opt[96];
	fprintf(stderr, "fakepump %s: option '%s' needs a value%s\n", a->cmd,
	        cli_option_text(a, CLI_MISSING_VALUE, opt, sizeof opt), hint ? hint : "");
	return CLI_EXIT_BAD_INPUT;
}

void cli_note_unexpected(cli_args *a, int c, const char *operand)
{
	if (a->bad[0])
		return;
	if (c == CLI_OPERAND)
		snprintf(a->bad, sizeof a->bad, "%s", operand);
	else
		cli_option_text(a, c, a->bad, sizeof a->bad);
}

const char *cli_unexpected(const cli_args *a)
{
	return a->bad[0] ? a->bad : NULL;
}

bool cli_parse_run_id(const char *text, long long *id)
{
	char *end = NULL;
	const long long v = text ? strtoll(text, &end, 10) : 0;
	if (!text || !end || *end || v < 1)
		return false;
	*id = v;
	return true;
}
