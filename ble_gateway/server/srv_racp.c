/*
 * srv_racp.c — the IDD and CGMS Record Access Control Points (srv_racp.h): one procedure
 * for both; what differs (op codes, codes, the data characteristic, records) is in
 * `racp_kind`.
 */
#include <stdio.h>

#include "srv_internal.h"

/* What differs between the two record access control points. */
typedef struct racp_kind {
	bool cgms;
	gatt_char_id cp, data;
	uint8_t op_report, op_delete, op_abort, op_number; /* op codes */
	uint8_t op_all, op_first, op_last;                 /* operators */
	uint8_t rc_success, rc_opcode_not_supported, rc_operand_not_supported;
	uint8_t rc_no_records, rc_data_off,
	    rc_not_completed; /* data off: not applicable / not completed */
	const char *delete_reason, *data_off_reason;
} racp_kind;

static const racp_kind ids_kind = {
    false,
    GATT_IDD_RACP,
    GATT_IDD_HISTORY_DATA,
    IDS_RACP_REPORT_STORED_RECORDS,
    IDS_RACP_DELETE_STORED_RECORDS,
    IDS_RACP_ABORT,
    IDS_RACP_REPORT_NUMBER,
    IDS_RACP_OP_ALL,
    IDS_RACP_OP_FIRST,
    IDS_RACP_OP_LAST,
    IDS_RACP_RC_SUCCESS,
    IDS_RACP_RC_OPCODE_NOT_SUPPORTED,
    IDS_RACP_RC_OPERAND_NOT_SUPPORTED,
    IDS_RACP_RC_NO_RECORDS_FOUND,
    IDS_RACP_RC_PROCEDURE_NOT_APPLICABLE,
    IDS_RACP_RC_PROCEDURE_NOT_COMPLETED,
    "history is evidence: never deleted from a phone",
    "IDD History Data notifications are off",
};

static const racp_kind cgms_kind = {
    true,
    GATT_CGM_RACP,
    GATT_CGM_MEASUREMENT,
    RACP_REPORT_STORED_RECORDS,
    RACP_DELETE_STORED_RECORDS,
    RACP_ABORT,
    RACP_REPORT_NUMBER,
    RACP_OP_ALL,
    RACP_OP_FIRST,
    RACP_OP_LAST,
    RACP_RC_SUCCESS,
    RACP_RC_OPCODE_NOT_SUPPORTED,
    RACP_RC_OPERAND_NOT_SUPPORTED,
    RACP_RC_NO_RECORDS_FOUND,
    RACP_RC_PROCEDURE_NOT_COMPLETED,
    RACP_RC_PROCEDURE_NOT_COMPLETED,
    "records are evidence: never deleted from a phone",
    "CGM Measurement notifications are off",
};

/* A decoded request of either control point. */
typedef struct racp_request {
	uint8_t opcode, op;
	bool filter_supported; /* IDD RACP: by sequence number only */
	uint32_t min, max;
} racp_request;

static uint64_t hist_oldest(const ble_server *srv)
{
	return srv->hist.total - srv->hist.count;
}

static uint64_t cgm_oldest(const ble_server *srv)
{
	return srv->cgm.total - srv->cgm.count;
}

static bool racp_match(const ble_server *srv, const srv_racp_proc *pr, uint64_t i)
{
	uint32_t key = pr->cgms ? srv->cgm.records[i % SRV_CGM_MAX].offset_min
	                        : srv->hist.records[i % SRV_HISTORY_MAX].sequence_number;
	return key >= pr->min && key <= pr->max;
}

/* How many records a selection holds. */
static uint32_t racp_count(const ble_server *srv, const srv_racp_proc *pr)
{
	uint32_t n = 0;
	uint64_t oldest = pr->cgms ? cgm_oldest(srv) : hist_oldest(srv);
	for (uint64_t i = pr->cursor < oldest ? oldest : pr->cursor;
	     i <= pr->end && i != UINT64_MAX; i++)
		n += racp_match(srv, pr, i);
	return n;
}

/* A selection: [cursor, end] over what is stored, filtered by [min, max]. False when
 * nothing is stored. */
static bool racp_select(const ble_server *srv, srv_racp_proc *pr, const racp_kind *k,
                        const racp_request *q)
{
	const bool cgms = k->cgms;
	const uint8_t op_all = k->op_all, op_first = k->op_first, op_last = k->op_last;
	const uint8_t op = q->op;
	const uint32_t min = q->min, max = q->max;
	uint64_t total = cgms ? srv->cgm.total : srv->hist.total;
	uint64_t count = cgms ? srv->cgm.count : srv->hist.count;
	*pr = (srv_racp_proc){0};
	pr->cgms = cgms;
	if (count == 0)
		return false;
	pr->cursor = total - count;
	pr->end = total - 1;
	pr->min = 0;
	pr->max = UINT32_MAX;
	if (op == op_first)
		pr->end = pr->cursor;
	else if (op == op_last)
		pr->cursor = pr->end;
	else if (op != op_all) {
		pr->min = min;
		pr->max = max;
	}
	return true;
}

static void racp_respond(ble_server *srv, srv_link *ls, int64_t now, bool cgms,
                         uint8_t request_opcode, uint8_t code, bool number, uint32_t count)
{
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (cgms) {
		cgms_racp_response r = {number ? RACP_NUMBER_RESPONSE : RACP_RESPONSE_CODE,
		                        request_opcode, code,
		                        (uint16_t)(count > 65535 ? 65535 : count)};
		if (cgms_racp_response_encode(&r, buf, sizeof buf, &n) == BLE_OK)
			srv_send_value(srv, ls, now, GATT_CGM_RACP, true, buf, n);
	} else {
		ids_racp_response r = {number ? IDS_RACP_NUMBER_RESPONSE : IDS_RACP_RESPONSE_CODE,
		                       request_opcode, code, count};
		if (ids_racp_response_encode(&r, buf, sizeof buf - 3, &n) == BLE_OK)
			srv_send_ids(srv, ls, now, GATT_IDD_RACP, true, buf, n, sizeof buf);
	}
}

static void send_history(ble_server *srv, srv_link *ls, int64_t now, uint64_t i)
{
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (ids_history_encode(&srv->hist.records[i % SRV_HISTORY_MAX], buf, sizeof buf - 3, &n) ==
	    BLE_OK)
		srv_send_ids(srv, ls, now, GATT_IDD_HISTORY_DATA, false, buf, n, sizeof buf);
}

/* Send the next burst of a running Report procedure; when done, the response. */
void srv_racp_continue(ble_server *srv, srv_link *ls, int64_t now)
{
	srv_racp_proc *pr = &ls->racp;
	if (!pr->active)
		return;
	const racp_kind *k = pr->cgms ? &cgms_kind : &ids_kind;
	if (!(ls->subscribed & srv_bit(k->data))) {
		/* The collector turned the data off mid-stream: the procedure ends unfinished. */
		pr->active = false;
		racp_respond(srv, ls, now, k->cgms, k->op_report, k->rc_not_completed, false, 0);
		return;
	}
	uint64_t oldest = pr->cgms ? cgm_oldest(srv) : hist_oldest(srv);
	if (pr->cursor < oldest)
		pr->cursor = oldest; /* records dropped out of the ring while streaming */
	int burst = 0;
	while (pr->cursor <= pr->end && burst < srv->cfg.racp_records_per_burst) {
		uint64_t i = pr->cursor++;
		if (!racp_match(srv, pr, i))
			continue;
		if (pr->cgms) {
			srv_cgm_send_record(srv, ls, now, &srv->cgm.records[i % SRV_CGM_MAX]);
		} else {
			/* Out of order on purpose: the next matching record goes first. */
			if (pr->cursor <= pr->end && racp_match(srv, pr, pr->cursor) &&
			    srv_fault_history_swap(
			        srv, ls, now,
			        srv->hist.records[i % SRV_HISTORY_MAX].sequence_number)) {
				send_history(srv, ls, now, pr->cursor++);
				pr->sent++;
			}
			send_history(srv, ls, now, i);
			if (srv_fault_history_duplicate(
			        srv, ls, now,
			        srv->hist.records[i % SRV_HISTORY_MAX].sequence_number))
				send_history(srv, ls, now, i);
		}
		pr->sent++;
		burst++;
	}
	if (pr->cursor > pr->end) {
		pr->active = false;
		racp_respond(srv, ls, now, k->cgms, k->op_report, k->rc_success, false, 0);
	}
}

/*
 * The procedure of either control point, for a request the decoder answered `rc`: refused
 * 0xFE while a report runs (unless it is Abort); otherwise one audit event and one response
 * (a report's comes when its last record is out).
 */
static uint8_t racp_procedure(ble_server *srv, srv_link *ls, int64_t now, const racp_kind *k,
                              const racp_request *q, uint8_t rc, const uint8_t *b, size_t len)
{
	if (ls->racp.active && !(rc == k->rc_success && q->opcode == k->op_abort))
		return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, k->cp,
		                  ATT_ERR_PROCEDURE_IN_PROGRESS, "procedure already in progress",
		                  "a Report Stored Records is still streaming", b, len);
	srv_cp_outcome o = {q->opcode, 0, false, NULL, false, PUMP_OK, ""};
	bool number = false;
	uint32_t count = 0;
	if (rc == k->rc_success) {
		srv_racp_proc sel;
		bool any = racp_select(srv, &sel, k, q);
		if (q->opcode == k->op_abort) {
			ls->racp.active = false;
		} else if (q->opcode == k->op_delete) {
			rc = k->rc_opcode_not_supported;
			o.reason = k->delete_reason;
		} else if (q->opcode == k->op_number || q->opcode == k->op_report) {
			if (!q->filter_supported) {
				rc = k->rc_operand_not_supported;
				o.reason = "filter by reference time events is not supported";
			} else {
				count = any ? racp_count(srv, &sel) : 0;
				if (q->opcode == k->op_number) {
					number = true;
				} else if (count == 0) {
					rc = k->rc_no_records;
				} else if (!srv_subscribed(ls, k->data)) {
					rc = k->rc_data_off;
					o.reason = k->data_off_reason;
				} else {
					sel.active = true;
					ls->racp = sel;
				}
			}
		} else {
			rc = k->rc_opcode_not_supported;
		}
	} else {
		o.reason = "decode refused the operand";
	}
	o.success = rc == k->rc_success;
	o.code = rc;
	if (k->cgms)
		snprintf(srv->detail, sizeof srv->detail, "racp code %u; %u records", (unsigned)rc,
		         (unsigned)count);
	else
		snprintf(srv->detail, sizeof srv->detail, "%s; %u records",
		         ids_code_name(&ids_racp_rc_table, rc), (unsigned)count);
	o.detail = srv->detail;
	srv_audit_cp(srv, ls, now, k->cp, &o, b, len);
	if (ls->racp.active && o.success)
		srv_racp_continue(srv, ls, now); /* responds when the last record is out */
	else
		racp_respond(srv, ls, now, k->cgms, q->opcode, rc, number, count);
	return ATT_OK;
}

uint8_t srv_ids_racp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	size_t n = 0;
	uint8_t e = srv_cp_payload(srv, ls, now, GATT_IDD_RACP, b, len, 1, &n);
	if (e)
		return e;
	ids_racp_request d;
	ids_racp_rc rc = ids_racp_request_decode(b, n, &d);
	const racp_request q = {d.opcode, d.op,
	                        d.filter == 0 || d.filter == IDS_RACP_FILTER_SEQUENCE_NUMBER,
	                        d.min_seq, d.max_seq};
	return racp_procedure(srv, ls, now, &ids_kind, &q, (uint8_t)rc, b, len);
}

uint8_t srv_cgm_racp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	if (len == 0)
		return srv_refuse(srv, &ls->link, now, BLE_AUDIT_WRITE, GATT_CGM_RACP,
		                  ATT_ERR_INVALID_VALUE_LENGTH, "empty write", NULL, b, len);
	cgms_racp_request d;
	racp_rc rc = cgms_racp_request_decode(b, len, &d);
	const racp_request q = {d.opcode, d.op, true, d.min_offset_min, d.max_offset_min};
	return racp_procedure(srv, ls, now, &cgms_kind, &q, (uint8_t)rc, b, len);
}
