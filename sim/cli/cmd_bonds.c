/*
 * cmd_bonds — `fakepump bonds [--adapter hciN] [--remove ADDRESS|all]`: the phones bonded
 * with the adapter, listed or removed (Adapter1.RemoveDevice) through BlueZ
 * (ble_gateway/bluez/bluez_gateway.h). An adapter that is not there is bad input (exit 2);
 * bluetoothd not answering is a runtime error (exit 3).
 */
#include <ctype.h>
#include <string.h>

#include "bluez_gateway.h"
#include "cli.h"

static const char usage[] = "fakepump bonds [--adapter hciN] [--remove ADDRESS|all]";

/* Six two-digit hexadecimal bytes separated by colons: AA:BB:CC:DD:EE:FF. */
static bool is_bt_address(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int cmd_bonds(int argc, char **argv)
{
	static const struct option options[] = {
	    {"adapter", required_argument, NULL, 'a'},
	    {"remove", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *adapter = NULL, *remove = NULL, *value;
	cli_args a;
	cli_begin(&a, "bonds", argc, argv, "h", options);
	int c;
	while ((c = cli_next(&a, &value)) != CLI_END) {
		if (c == 'a')
			adapter = value;
		else if (c == 'r')
			remove = value;
		else if (c == 'h') {
			cli_print_usage(stdout);
			return CLI_EXIT_OK;
		} else if (c == CLI_MISSING_VALUE)
			return cli_missing_value(&a, NULL);
		else
			cli_note_unexpected(&a, c, value);
	}
	if (cli_unexpected(&a)) {
		fprintf(stderr, "fakepump bonds: unexpected '%s' (usage: %s)\n", cli_unexpected(&a),
		        usage);
		return CLI_EXIT_BAD_INPUT;
	}
	if (remove && strcmp(remove, "all") != 0 && !is_bt_address(remove)) {
		fprintf(stderr,
		        "fakepump bonds: --remove: expected a Bluetooth address such as "
		        "AA:BB:CC:DD:EE:FF, or all, got '%s'\n",
		        remove);
		return CLI_EXIT_BAD_INPUT;
	}
	GError *err = NULL;
	int n = remove ? bluez_bonds_remove(adapter, remove, stdout, &err)
	               : bluez_bonds_list(adapter, stdout, &err);
	if (n < 0) {
		fprintf(stderr, "fakepump bonds: %s\n", err ? err->message : "failed");
		const bool not_found =
		    err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
		g_clear_error(&err);
		return not_found ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUNTIME;
	}
	if (remove && strcmp(remove, "all") == 0 && n == 0)
		printf("no bonds to remove\n");
	return CLI_EXIT_OK;
}
