/*
 * ble_gateway/server/srv_fault_inject.h — how a fault starts and ends: injected and cleared
 * (ble_server_fault, ble_server_fault_clear in ble_server.h), timed out at the minute's
 * tick. The instant faults act here — disconnect drops every link, time_jump notifies
 * Current Time — so this sits above the links and I/O, which consult only the fault state
 * (srv_faults.h) and its effects (srv_fault_effects.h).
 *
 * Must never: start a fault with arguments out of range (refused, with why); start or end
 * one without an audit event. Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_FAULT_INJECT_H
#define FAKEPUMP_SRV_FAULT_INJECT_H

#include <stdint.h>

#include "ble_server.h"

/* The minute's tick: faults whose time is over end (audited); held values go unless the
 * transport sends them. */
void srv_faults_tick(ble_server *srv, int64_t now);

#endif
