/*
 * bluez_privacy — Read Controller Information over the kernel's Bluetooth management
 * socket (see bluez_privacy.h). The socket ABI is the kernel's (include/net/bluetooth/
 * hci_sock.h, mgmt.h); written out here rather than taken from libbluetooth, which the
 * project does not otherwise need.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bluez_privacy.h"

#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif

enum {
	BTPROTO_HCI_ = 1,
	HCI_DEV_NONE_ = 0xFFFF,
	HCI_CHANNEL_CONTROL_ = 3,
	MGMT_OP_READ_INFO = 0x0004,
	MGMT_EV_CMD_COMPLETE = 0x0001,
	MGMT_EV_CMD_STATUS = 0x0002,
	MGMT_SETTING_PRIVACY = 1u << 13,
	/* Command Complete: opcode 2, status 1; then Read Info: address 6, version 1,
	 * manufacturer 2, supported settings 4, current settings 4, … */
	CURRENT_SETTINGS_AT = 6 + 3 + 6 + 1 + 2 + 4,
};

struct sockaddr_hci_ {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

static void say(char *why, size_t cap, const char *text, int err)
{
	if (why && cap)
		snprintf(why, cap, "%s%s%s", text, err ? ": " : "", err ? strerror(err) : "");
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

bluez_privacy bluez_privacy_read(unsigned index, int timeout_ms, char *why, size_t why_cap)
{
	int fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, BTPROTO_HCI_);
	if (fd < 0) {
		say(why, why_cap, "no Bluetooth management socket", errno);
		return BLUEZ_PRIVACY_UNKNOWN;
	}
	struct sockaddr_hci_ addr = {.hci_family = AF_BLUETOOTH,
	                             .hci_dev = HCI_DEV_NONE_,
	                             .hci_channel = HCI_CHANNEL_CONTROL_};
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		say(why, why_cap, "cannot bind the management socket", errno);
		close(fd);
		return BLUEZ_PRIVACY_UNKNOWN;
	}
	const uint8_t cmd[6] = {MGMT_OP_READ_INFO & 0xFF,
	                        MGMT_OP_READ_INFO >> 8,
	                        (uint8_t)(index & 0xFF),
	                        (uint8_t)(index >> 8),
	                        0,
	                        0};
	if (write(fd, cmd, sizeof cmd) != (ssize_t)sizeof cmd) {
		say(why, why_cap, "cannot send Read Controller Information", errno);
		close(fd);
		return BLUEZ_PRIVACY_UNKNOWN;
	}
	bluez_privacy result = BLUEZ_PRIVACY_UNKNOWN;
	say(why, why_cap, "no answer from the kernel", 0);
	/* The socket also carries events about every adapter: read until our answer. */
	for (int waited = 0; waited <= timeout_ms;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 50) <= 0) {
			waited += 50;
			continue;
		}
		uint8_t buf[512];
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 9)
			continue;
		const uint16_t ev = le16(buf), ev_index = le16(buf + 2), opcode = le16(buf + 6);
		if (ev_index != index || opcode != MGMT_OP_READ_INFO)
			continue;
		const uint8_t status = buf[8];
		if (ev == MGMT_EV_CMD_STATUS || status != 0) {
			char text[64];
			snprintf(text, sizeof text, "the kernel answered status 0x%02x", status);
			say(why, why_cap, text, 0);
			break;
		}
		if (ev == MGMT_EV_CMD_COMPLETE && n >= CURRENT_SETTINGS_AT + 4) {
			const uint8_t *s = buf + CURRENT_SETTINGS_AT;
			const uint32_t settings = (uint32_t)s[0] | (uint32_t)s[1] << 8 |
			                          (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
			result =
			    settings & MGMT_SETTING_PRIVACY ? BLUEZ_PRIVACY_ON : BLUEZ_PRIVACY_OFF;
			break;
		}
	}
	close(fd);
	return result;
}
