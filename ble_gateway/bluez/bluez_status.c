/* bluez_status — the pump screen's Bluetooth line (see bluez_status.h). */
#include <stdio.h>
#include <string.h>

#include "bluez_status.h"

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void bluez_status_init(bluez_status *s)
{
	memset(s, 0, sizeof *s);
	copy(s->state, sizeof s->state, "off");
}

static int peer_index(const bluez_status *s, const char *address)
{
	for (int i = 0; address && i < s->peer_count; i++)
		if (strcmp(s->peers[i].address, address) == 0)
			return i;
	return -1;
}

static void peer_drop(bluez_status *s, const char *address)
{
	const int i = peer_index(s, address);
	if (i < 0)
		return;
	s->peers[i] = s->peers[--s->peer_count];
}

static void passkey_clear(bluez_status *s, const char *address)
{
	if (!address || !s->passkey_peer[0] || strcmp(s->passkey_peer, address) == 0) {
		s->passkey[0] = '\0';
		s->passkey_peer[0] = '\0';
	}
}

/* The state line from what is folded; the newest connected peer is the last one. */
static void render(bluez_status *s)
{
	if (s->peer_count > 0) {
		const int i = s->peer_count - 1;
		copy(s->peer, sizeof s->peer, s->peers[i].address);
		copy(s->state, sizeof s->state,
		     s->peers[i].secure && s->peers[i].bonded ? "paired" : "connected");
		return;
	}
	s->peer[0] = '\0';
	copy(s->state, sizeof s->state,
	     !s->advertising  ? "off"
	     : s->window_open ? "pairing open"
	                      : "advertising");
}

bool bluez_status_apply(bluez_status *s, const bluez_event *ev)
{
	bluez_status before = *s;
	switch (ev->kind) {
	case BLUEZ_EV_ADVERTISING_STARTED:
		s->advertising = true;
		break;
	case BLUEZ_EV_ADVERTISING_STOPPED:
		s->advertising = false;
		s->peer_count = 0; /* bluetoothd or the adapter went: every link with it */
		passkey_clear(s, NULL);
		break;
	case BLUEZ_EV_PAIRING_WINDOW_OPENED:
		s->window_open = true;
		break;
	case BLUEZ_EV_PAIRING_WINDOW_CLOSED:
		s->window_open = false;
		passkey_clear(s, NULL);
		break;
	case BLUEZ_EV_PASSKEY_DISPLAYED:
		snprintf(s->passkey, sizeof s->passkey, "%06u", (unsigned)(ev->passkey % 1000000u));
		copy(s->passkey_peer, sizeof s->passkey_peer, ev->address);
		break;
	case BLUEZ_EV_PAIRING_REFUSED:
	case BLUEZ_EV_PAIRING_FAILED:
	case BLUEZ_EV_BOND_CREATED:
		passkey_clear(s, ev->address);
		if (ev->kind == BLUEZ_EV_BOND_CREATED) {
			const int i = peer_index(s, ev->address);
			if (i >= 0)
				s->peers[i].bonded = true;
		}
		break;
	case BLUEZ_EV_CONNECTED:
	case BLUEZ_EV_SECURITY_CHANGED: {
		int i = peer_index(s, ev->address);
		if (i < 0) {
			if (s->peer_count == BLUEZ_STATUS_MAX_PEERS)
				peer_drop(s, s->peers[0].address);
			i = s->peer_count++;
			copy(s->peers[i].address, sizeof s->peers[i].address, ev->address);
		}
		s->peers[i].secure = ev->security >= GATT_SEC_SECURE;
		s->peers[i].bonded = ev->bonded;
		break;
	}
	case BLUEZ_EV_DISCONNECTED:
		peer_drop(s, ev->address);
		passkey_clear(s, ev->address);
		break;
	case BLUEZ_EV_BOND_REMOVED:
	case BLUEZ_EV_NOTICE:
		break;
	}
	render(s);
	return strcmp(before.state, s->state) != 0 || strcmp(before.peer, s->peer) != 0 ||
	       strcmp(before.passkey, s->passkey) != 0;
}
