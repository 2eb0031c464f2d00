/*
 * cli_usage — the help text of `fakepump --help` (and of every command's --help). Its
 * examples and option lists are what README.md and docs/ describe; keep them together.
 */
#include "cli.h"

static const char usage_text[] =
    "Usage: fakepump COMMAND [OPTIONS]\n"
    "\n"
    "FakePump HIL: a hardware-in-the-loop simulator of a BLE insulin pump and the\n"
    "UVA/Padova T1DM patient it treats.\n"
    "\n"
    "Commands:\n"
    "  run FILE|DIR... [options]  play scenarios; one FILE prints its summary and\n"
    "                             expectations, several (or a directory, searched for\n"
    "                             *.yaml) run as separate processes with a summary table\n"
    "  demo [options]             run the built-in demo day (scenarios/demo.yaml)\n"
    "  runs [--db FILE]           list the runs recorded in a database\n"
    "  export RUN_ID --csv OUT [--db FILE]\n"
    "                             write one recorded run as the trace CSV\n"
    "  plot RUN_ID --png OUT [--db FILE]\n"
    "                             draw one recorded run as a PNG picture\n"
    "  report [RUN_ID...|--all] [--db FILE] --html OUT [--pdf OUT] [--paper a4|letter]\n"
    "                             recorded runs as one self-contained HTML report\n"
    "                             (provenance, verdicts, traces, the security story);\n"
    "                             --pdf prints it with chromium (docs/report.md)\n"
    "  patients                   list the 30 virtual patients\n"
    "  population [-n N] [--patients COHORTS] [--seed S] [--shard I/N] [--db FILE]\n"
    "             [--csv OUT] [--json OUT]\n"
    "                             draw N virtual patients a cohort from the 30 and write\n"
    "                             their parameters (docs/population.md)\n"
    "  merge OUT.db SHARD.db... [--csv OUT] [--json OUT]\n"
    "                             put the shards of one trial together; refuses a shard\n"
    "                             missing, twice or of another trial (docs/scale.md)\n"
    "  bonds [--adapter hciN] [--remove ADDRESS|all]\n"
    "                             list (or remove) the phones bonded with the adapter\n"
    "  help, --help               show this help\n"
    "  version, --version         show the version\n"
    "\n";

/* In two parts: C11 compilers need support strings of 4095 characters only. */
static const char usage_options[] =
    "Options of run and demo:\n"
    "  --speed max|N   max: as fast as possible (default); N: N times real time\n"
    "                  (1 = real time, 60 = one simulated hour a minute)\n"
    "  --headless      no window, even when a display is there (a window opens only\n"
    "                  for one FILE and closes when the scenario ends, unless --hold;\n"
    "                  demo keeps it until q; keys: space pause, +/- speed, arrows pan,\n"
    "                  z zoom, s screenshot, a acknowledge, p pair (with --ble), q stop)\n"
    "  --png OUT       draw the whole run's traces to OUT at the end (no display needed;\n"
    "                  never waits for a person)\n"
    "  --csv OUT       write the per-minute trace to OUT ('-' = stdout); one FILE only\n"
    "  --db FILE       record the run (samples, events, summary) in an SQLite database\n"
    "  --junit OUT     write JUnit XML: one testcase per scenario\n"
    "  -j, --jobs N    run N scenarios at a time (default 1)\n"
    "  -v, --verbose   show every expectation, not only the failed ones\n"
    "  -q, --quiet     no progress line and no notices\n"
    "  --events FILE   write the run's events as JSON Lines to FILE ('-' = stdout),\n"
    "                  one flushed line each: commands, refusals, annunciations, CGM,\n"
    "                  pairing passkey, connections (docs/events.md)\n"
    "\n"
    "On the air (one FILE, Linux with BlueZ 5.66 or later; see README 'Pairing a phone'):\n"
    "  --ble           advertise the pump through bluetoothd (GATT IDS/CGMS/DIS/BAS/CTS);\n"
    "                  real time unless --speed is given; without an adapter or\n"
    "                  bluetoothd one line is printed and the run goes on without it\n"
    "  --adapter hciN  the adapter to use (default: the first powered one)\n"
    "  --pair-window DURATION\n"
    "                  allow pairing for DURATION of wall-clock time from the start\n"
    "                  (90s, 2m, 1h; default: closed, bonded phones only); the passkey\n"
    "                  to type on the phone is printed, shown on the pump's screen and\n"
    "                  sent to --events. The window's p key and a scenario's\n"
    "                  pairing_window event open it too (p: for DURATION, else 2m).\n"
    "                  Three passkeys without a bond close it early; each new bond\n"
    "                  raises the pump's new_bond annunciation\n"
    "  --hold          keep serving (and the window open) after the scenario's end\n"
    "                  until q, Ctrl-C or SIGTERM\n"
    "\n"
    "Every output is checked before the first simulated minute. Ctrl-C, SIGTERM or q in\n"
    "the window stop the run at the next minute and finish every output up to there,\n"
    "marked interrupted (expectations are not judged); a second Ctrl-C quits at once.\n"
    "\n"
    "Exit status: 0 every expectation met, 1 an expectation failed, 2 bad input (the\n"
    "message names file:line:column, or the output and its path), 3 runtime error, 130\n"
    "interrupted by Ctrl-C or q, 143 by SIGTERM. The database defaults to\n"
    "./" CLI_DEFAULT_DB " for runs and export. Formats: docs/scenarios.md (scenarios),\n"
    "docs/database.md (database), README.md (CSV), docs/events.md (--events).\n";

void cli_print_usage(FILE *out)
{
	fputs(usage_text, out);
	fputs("\n", out);
	fputs(usage_options, out);
}
