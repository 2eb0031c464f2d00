/*
 * ble_gateway/bluez/link_budget.h — which centrals the BlueZ adapter keeps connected
 * (docs/ble-threats.md V7; docs/ble.md "Availability"). Pure: no D-Bus, no clock of its own (the
 * caller passes monotonic seconds); the adapter (bluez_devices.c) follows bluetoothd's
 * Device1 objects into it and disconnects whom it names.
 *
 * The GATT server already budgets what a central may ask (ble_server.h); this budgets who
 * may hold a connection at all, since a controller has few and a central that connects and
 * says nothing never reaches the server:
 *  - a stranger (not bonded) is one of at most `max_strangers` connected at once; one more
 *    is disconnected at once;
 *  - a stranger may stay `stranger_s` seconds to read what it may and pair (it becomes
 *    bonded, and leaves the pool) — then it is disconnected;
 *  - a bonded central is never limited here.
 *
 * Must never: name a bonded central; grow (a fixed table, the oldest forgotten first).
 */
#ifndef FAKEPUMP_LINK_BUDGET_H
#define FAKEPUMP_LINK_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

enum { LINK_BUDGET_MAX = 16, LINK_BUDGET_ID_MAX = 64 };

typedef struct link_budget_config {
	int max_strangers; /* 0 = no limit */
	double stranger_s; /* 0 = no limit */
} link_budget_config;

/* Hardened: 2 strangers (as the server's pool), 120 s each (a person types a passkey in
 * the pump's two-minute window). */
void link_budget_config_defaults(link_budget_config *cfg);

typedef struct link_budget {
	link_budget_config cfg;
	struct {
		bool used;
		char identity[LINK_BUDGET_ID_MAX];
		bool bonded;
		double since_s;
	} links[LINK_BUDGET_MAX];
} link_budget;

void link_budget_init(link_budget *b, const link_budget_config *cfg);

/*
 * A central's state as bluetoothd reports it (connected or not, bonded or not) at `now_s`.
 * Returns false when it must go now (a stranger beyond the pool); the caller disconnects
 * it. A stranger that bonds leaves the pool; one that disconnects is forgotten.
 */
bool link_budget_update(link_budget *b, const char *identity, bool connected, bool bonded,
                        double now_s);

/* Strangers whose time is up at `now_s`, written to out[cap] (they are forgotten here; the
 * caller disconnects them). Returns how many. */
size_t link_budget_expired(link_budget *b, double now_s, char (*out)[LINK_BUDGET_ID_MAX],
                           size_t cap);

/* Strangers connected now (for tests and the event stream). */
size_t link_budget_strangers(const link_budget *b);

#endif
