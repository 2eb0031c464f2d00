/*
 * ble_gateway/server/srv_racp_proc.h — the state of one link's running Report Stored
 * Records (srv_racp.h runs it). Apart so that a link (srv_links.h) can hold it without
 * standing on the procedure that drives it, which works on links.
 * Private to ble_gateway/server/.
 */
#ifndef FAKEPUMP_SRV_RACP_PROC_H
#define FAKEPUMP_SRV_RACP_PROC_H

#include <stdbool.h>
#include <stdint.h>

/* A running Report Stored Records on one link. */
typedef struct srv_racp_proc {
	bool active;
	bool cgms;         /* CGM RACP, else IDD RACP */
	uint64_t cursor;   /* next absolute record index (IDS: = sequence number) */
	uint64_t end;      /* last absolute index included */
	uint32_t min, max; /* filter on sequence number / time offset */
	uint32_t sent;
} srv_racp_proc;

#endif
