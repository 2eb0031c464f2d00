/*
 * ble_gateway/server/srv_controller.h — one controller (IDS Multiple Bond = 0; rows A8, A9
 * of docs/ble-threats.md): the pump serves one phone at the level IDS needs; another
 * phone at that level waits, refused with ATT 0x08, until the person confirms its bond at
 * the pump, which revokes the first; a removed or revoked bond is refused 0x05 until the
 * phone bonds again.
 *
 * Must never: let two phones command side by side, or a phone whose bond the pump no longer
 * has. Legacy-vulnerable has no such rule. Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_CONTROLLER_H
#define FAKEPUMP_SRV_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "ble_server.h"

enum { SRV_REVOKED_MAX = 4 }; /* bonds revoked or removed this run, refused at the IDS level */

typedef struct srv_controller {
	char controller[BLE_LINK_IDENTITY_MAX]; /* "" when none yet */
	char pending[BLE_LINK_IDENTITY_MAX];    /* a new bond waiting for the person */
	uint16_t pending_announcement;          /* its new_bond annunciation */
	char revoked[SRV_REVOKED_MAX][BLE_LINK_IDENTITY_MAX];
	size_t revoked_next;
	unsigned bonds_created; /* this run: the new_bond announcement's AuxInfo */
} srv_controller;

/* A request that passed the level check: 0, or the ATT error of the one-controller rule
 * (0x05 revoked, 0x08 not the controller; the reason in *why). The first link at the level
 * becomes the controller when none is known. */
uint8_t srv_controller_check(ble_server *srv, const ble_link *link,
                             const gatt_characteristic_def *def, const char **why);
/* The person confirmed the pending phone's announcement at the pump. */
void srv_controller_confirmed(ble_server *srv, int64_t now);

#endif
