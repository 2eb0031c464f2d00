/*
 * The pump screen's Bluetooth line (ble_gateway/bluez_status.c): every gateway event moves
 * it as a person at the pump expects, and a pairing passkey never outlives its pairing.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "bluez_status.h"

static const char *PHONE = "00:AA:01:01:00:01";
static const char *OTHER = "77:94:BF:45:F0:AB";

static bool feed(bluez_status *s, bluez_event_kind kind, const char *address,
                 gatt_security security, bool bonded, uint32_t passkey)
{
	bluez_event ev = {.kind = kind,
	                  .address = address,
	                  .security = security,
	                  .bonded = bonded,
	                  .passkey = passkey};
	return bluez_status_apply(s, &ev);
}

static void up_and_open(bluez_status *s)
{
	bluez_status_init(s);
	feed(s, BLUEZ_EV_ADVERTISING_STARTED, NULL, GATT_SEC_NONE, false, 0);
	feed(s, BLUEZ_EV_PAIRING_WINDOW_OPENED, NULL, GATT_SEC_NONE, false, 0);
}

Test(bluez_status, starts_off_then_advertises_then_opens_pairing)
{
	bluez_status s;
	bluez_status_init(&s);
	cr_assert_str_eq(s.state, "off");
	cr_assert(feed(&s, BLUEZ_EV_ADVERTISING_STARTED, NULL, GATT_SEC_NONE, false, 0));
	cr_assert_str_eq(s.state, "advertising");
	cr_assert(feed(&s, BLUEZ_EV_PAIRING_WINDOW_OPENED, NULL, GATT_SEC_NONE, false, 0));
	cr_assert_str_eq(s.state, "pairing open");
	cr_assert(feed(&s, BLUEZ_EV_PAIRING_WINDOW_CLOSED, NULL, GATT_SEC_NONE, false, 0));
	cr_assert_str_eq(s.state, "advertising");
	cr_assert_not(feed(&s, BLUEZ_EV_NOTICE, NULL, GATT_SEC_NONE, false, 0),
	              "a notice changes nothing on the screen");
}

Test(bluez_status, passkey_shown_with_leading_zeros_until_the_bond)
{
	bluez_status s;
	up_and_open(&s);
	feed(&s, BLUEZ_EV_CONNECTED, PHONE, GATT_SEC_NONE, false, 0);
	cr_assert_str_eq(s.state, "connected");
	cr_assert_str_eq(s.peer, PHONE);
	cr_assert(feed(&s, BLUEZ_EV_PASSKEY_DISPLAYED, PHONE, GATT_SEC_NONE, false, 4207));
	cr_assert_str_eq(s.passkey, "004207");
	cr_assert(feed(&s, BLUEZ_EV_BOND_CREATED, PHONE, GATT_SEC_NONE, true, 0));
	cr_assert_str_eq(s.passkey, "", "the passkey goes once the phone is bonded");
	cr_assert_str_eq(s.state, "connected", "bonded but LE SC + MITM not proven yet");
	feed(&s, BLUEZ_EV_SECURITY_CHANGED, PHONE, GATT_SEC_SECURE, true, 0);
	cr_assert_str_eq(s.state, "paired");
	feed(&s, BLUEZ_EV_DISCONNECTED, PHONE, GATT_SEC_NONE, true, 0);
	cr_assert_str_eq(s.state, "pairing open");
	cr_assert_str_eq(s.peer, "");
}

Test(bluez_status, passkey_never_outlives_its_pairing)
{
	const bluez_event_kind enders[] = {BLUEZ_EV_PAIRING_FAILED, BLUEZ_EV_PAIRING_REFUSED,
	                                   BLUEZ_EV_DISCONNECTED, BLUEZ_EV_PAIRING_WINDOW_CLOSED,
	                                   BLUEZ_EV_ADVERTISING_STOPPED};
	for (size_t i = 0; i < sizeof enders / sizeof enders[0]; i++) {
		bluez_status s;
		up_and_open(&s);
		feed(&s, BLUEZ_EV_CONNECTED, PHONE, GATT_SEC_NONE, false, 0);
		feed(&s, BLUEZ_EV_PASSKEY_DISPLAYED, PHONE, GATT_SEC_NONE, false, 123456);
		cr_assert_str_eq(s.passkey, "123456");
		cr_assert(feed(&s, enders[i], PHONE, GATT_SEC_NONE, false, 0), "event %zu", i);
		cr_assert_str_eq(s.passkey, "", "event kind %d leaves the passkey", enders[i]);
	}
}

Test(bluez_status, another_device_ending_does_not_hide_the_passkey)
{
	bluez_status s;
	up_and_open(&s);
	feed(&s, BLUEZ_EV_CONNECTED, PHONE, GATT_SEC_NONE, false, 0);
	feed(&s, BLUEZ_EV_PASSKEY_DISPLAYED, PHONE, GATT_SEC_NONE, false, 999999);
	feed(&s, BLUEZ_EV_CONNECTED, OTHER, GATT_SEC_NONE, false, 0);
	cr_assert_str_eq(s.peer, OTHER, "the newest connection is shown");
	feed(&s, BLUEZ_EV_PAIRING_REFUSED, OTHER, GATT_SEC_NONE, false, 0);
	feed(&s, BLUEZ_EV_DISCONNECTED, OTHER, GATT_SEC_NONE, false, 0);
	cr_assert_str_eq(s.passkey, "999999");
	cr_assert_str_eq(s.peer, PHONE, "back to the phone still connected");
}

Test(bluez_status, losing_bluetoothd_drops_every_link)
{
	bluez_status s;
	up_and_open(&s);
	feed(&s, BLUEZ_EV_CONNECTED, PHONE, GATT_SEC_SECURE, true, 0);
	feed(&s, BLUEZ_EV_CONNECTED, OTHER, GATT_SEC_NONE, false, 0);
	feed(&s, BLUEZ_EV_ADVERTISING_STOPPED, NULL, GATT_SEC_NONE, false, 0);
	cr_assert_str_eq(s.state, "off");
	cr_assert_str_eq(s.peer, "");
	cr_assert_eq(s.peer_count, 0);
}

Test(bluez_status, more_connections_than_slots_keep_the_newest)
{
	bluez_status s;
	up_and_open(&s);
	char addr[BLUEZ_STATUS_MAX_PEERS + 3][24];
	for (int i = 0; i < BLUEZ_STATUS_MAX_PEERS + 3; i++) {
		snprintf(addr[i], sizeof addr[i], "00:00:00:00:00:%02X", i);
		feed(&s, BLUEZ_EV_CONNECTED, addr[i], GATT_SEC_NONE, false, 0);
		cr_assert_str_eq(s.peer, addr[i]);
	}
	cr_assert_eq(s.peer_count, BLUEZ_STATUS_MAX_PEERS);
}
