/*
 * ble_gateway/bluez_status.h — what the pump's screen says about Bluetooth, folded from
 * the gateway's events (bluez_gateway.h): the state line, the peer, and the pairing
 * passkey while a pairing is under way.
 *
 * Pure (no D-Bus, no I/O): the run feeds it every bluez_event and hands the result to the
 * viewer (viewer_set_ble_state) when bluez_status_apply says it changed.
 *
 * Must never: keep a passkey on screen after its pairing ended (bonded, failed, refused,
 * disconnected, window closed) — a passkey left visible is one a passer-by can use.
 */
#ifndef FAKEPUMP_BLUEZ_STATUS_H
#define FAKEPUMP_BLUEZ_STATUS_H

#include <stdbool.h>

#include "bluez_gateway.h"

enum { BLUEZ_STATUS_MAX_PEERS = 4 };

typedef struct bluez_status {
	/* shown */
	char state[40];  /* "off", "advertising", "pairing open", "connected", "paired" */
	char peer[24];   /* address of the newest connected peer, "" when none */
	char passkey[8]; /* 6 digits while a passkey pairing is under way, "" otherwise */
	/* folded */
	bool advertising;
	bool window_open;
	char passkey_peer[24];
	struct {
		char address[24];
		bool secure; /* LE SC + MITM proven */
		bool bonded;
	} peers[BLUEZ_STATUS_MAX_PEERS];
	int peer_count;
} bluez_status;

void bluez_status_init(bluez_status *s);
/* Fold one event; true when state, peer or passkey changed (redraw). */
bool bluez_status_apply(bluez_status *s, const bluez_event *ev);

#endif
