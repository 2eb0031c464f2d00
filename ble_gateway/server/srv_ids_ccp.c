/*
 * srv_ids_ccp.c — the IDD Command Control Point procedures (srv_ids_ccp.h): one function
 * per op code, found through the table at the end. To add an op code: its constant and
 * decoding (protocol/ids_codes.h, protocol/ids_ccp.c), then one function here and its row
 * in `procedures`, and its byte test in tests/test_ble_server.c.
 */
#include <stdio.h>
#include <string.h>

#include "pump_binding.h"
#include "srv_internal.h"

/* One procedure being executed: what it was given and what it did. */
typedef struct ccp_call {
	ble_server *srv;
	srv_link *ls;
	int64_t now;
	const ids_command *cmd;
	const uint8_t *payload; /* opcode + operand as written (the duplicate rule) */
	size_t payload_len;
	pump_status st;         /* the pump before the procedure */
	ids_ccp_response *resp; /* preset: Response Code Success for the op code */
	srv_cp_outcome *o;      /* reason (a refusal's), detail */
	ids_rc rc;              /* the procedure's own refusal, or success */
	bool pump_called;
	pump_result pr;
} ccp_call;

typedef void (*ccp_procedure)(ccp_call *c);

/* The procedure called the pump, which answered `pr`. */
static void pump_answered(ccp_call *c, pump_result pr)
{
	c->pump_called = true;
	c->pr = pr;
}

/* The procedure refuses without calling the pump. */
static void refused(ccp_call *c, ids_rc rc, const char *reason)
{
	c->rc = rc;
	c->o->reason = reason;
}

/* The response is the procedure's own (not a Response Code). */
static ids_ccp_response *specific_response(ccp_call *c, uint16_t opcode)
{
	*c->resp = (ids_ccp_response){0};
	c->resp->opcode = opcode;
	return c->resp;
}

static void ccp_indicate(ble_server *srv, srv_link *ls, int64_t now, ids_ccp_response *r,
                         uint16_t request_opcode)
{
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) != BLE_OK) {
		ids_ccp_response_code(request_opcode, IDS_RC_PROCEDURE_NOT_COMPLETED, r);
		if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) != BLE_OK)
			return;
	}
	srv_send_ids(srv, ls, now, GATT_IDD_COMMAND_CP, true, buf, n, sizeof buf);
}

static void command_data(ble_server *srv, srv_link *ls, int64_t now, const ids_ccp_response *r)
{
	uint8_t buf[SRV_OUT_MAX];
	size_t n = 0;
	if (ids_ccp_response_encode(r, buf, sizeof buf - 3, &n) == BLE_OK)
		srv_send_ids(srv, ls, now, GATT_IDD_COMMAND_DATA, false, buf, n, sizeof buf);
}

static bool duplicate_of(const ble_server *srv, const uint8_t *b, size_t n, int64_t now,
                         const srv_dup_entry **found)
{
	pump_status st;
	pump_get_status(srv->p, &st);
	for (size_t i = 0; i < SRV_DUP_MAX; i++) {
		const srv_dup_entry *e = &srv->dup.entries[i];
		if (!e->used || e->len != n || memcmp(e->bytes, b, n) != 0)
			continue;
		bool active = st.bolus_active && st.bolus_id == e->bolus_id;
		if (active || now - e->t_min < srv->cfg.duplicate_window_min) {
			*found = e;
			return true;
		}
	}
	return false;
}

static void remember_bolus(ble_server *srv, const uint8_t *b, size_t n, int64_t now, uint16_t id)
{
	if (n > SRV_DUP_BYTES_MAX)
		return;
	srv_dup_entry *e = &srv->dup.entries[srv->dup.next];
	srv->dup.next = (srv->dup.next + 1) % SRV_DUP_MAX;
	*e = (srv_dup_entry){true, now, id, n, {0}};
	memcpy(e->bytes, b, n);
}

/* Read Basal Rate Profile Template: the pump's program as time blocks, 3 per Command Data
 * notification. */
static void send_basal_template(ble_server *srv, srv_link *ls, int64_t now, uint8_t number)
{
	const pump_config *pc = pump_get_config(srv->p);
	ids_time_block blocks[PUMP_MAX_BASAL_SEGMENTS];
	size_t count = 0;
	if (pc->steady_basal_u_per_min > 0.0) {
		blocks[count++] =
		    (ids_time_block){SRV_DAY_MIN, pc->steady_basal_u_per_min * 60.0, 0};
	} else {
		for (size_t i = 0; i < pc->basal_segment_count; i++) {
			int end = i + 1 < pc->basal_segment_count
			              ? pc->basal_segments[i + 1].start_min_of_day
			              : SRV_DAY_MIN;
			blocks[count++] = (ids_time_block){
			    (uint16_t)(end - pc->basal_segments[i].start_min_of_day),
			    pc->basal_segments[i].rate_u_per_h, 0};
		}
	}
	for (size_t first = 0; first < count; first += IDS_TIME_BLOCKS_PER_PDU) {
		ids_ccp_response r = {0};
		r.opcode = IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE;
		r.u.read_template.template_number = number;
		r.u.read_template.first_block_index = (uint8_t)(first + 1);
		size_t k = count - first < IDS_TIME_BLOCKS_PER_PDU ? count - first
		                                                   : IDS_TIME_BLOCKS_PER_PDU;
		r.u.read_template.block_count = (uint8_t)k;
		for (size_t j = 0; j < k; j++)
			r.u.read_template.blocks[j] = blocks[first + j];
		command_data(srv, ls, now, &r);
	}
}

/* ---- therapy and annunciations ---- */

static void set_therapy_control_state(ccp_call *c)
{
	ble_server *srv = c->srv;
	switch (c->cmd->u.therapy_control_state) {
	case IDS_TCS_RUN:
		pump_answered(c, pump_resume(srv->p, c->now, PUMP_SOURCE_PHONE));
		break;
	case IDS_TCS_PAUSE:
		pump_answered(c, pump_suspend(srv->p, c->now, PUMP_SOURCE_PHONE));
		break;
	default:
		pump_answered(c, pump_stop(srv->p, c->now, PUMP_SOURCE_PHONE));
		break;
	}
	snprintf(srv->detail, sizeof srv->detail, "therapy control state %s",
	         ids_code_name(&ids_tcs_table, c->cmd->u.therapy_control_state));
}

/* Snooze or Confirm Annunciation: the pump decides what a phone may acknowledge. */
static void acknowledge_annunciation(ccp_call *c)
{
	ble_server *srv = c->srv;
	const bool snooze = c->cmd->opcode == IDS_CCP_SNOOZE_ANNUNCIATION;
	const uint16_t id = c->cmd->u.annunciation_id;
	pump_answered(c, snooze ? pump_snooze_annunciation(srv->p, c->now, PUMP_SOURCE_PHONE, id)
	                        : pump_confirm_annunciation(srv->p, c->now, PUMP_SOURCE_PHONE, id));
	if (c->pr == PUMP_OK)
		specific_response(c, snooze ? IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE
		                            : IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE)
		    ->u.annunciation_id = id;
	snprintf(srv->detail, sizeof srv->detail, "annunciation %u", id);
}

/* ---- templates: one basal template, set on the pump only ---- */

/* Read Basal Rate Profile Template: the blocks on IDD Command Data, then success. */
static void read_basal_template(ccp_call *c)
{
	if (!srv_subscribed(c->ls, GATT_IDD_COMMAND_DATA)) {
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE,
		        "IDD Command Data notifications are off");
		return;
	}
	send_basal_template(c->srv, c->ls, c->now, c->cmd->u.template_number);
}

static void get_template_status(ccp_call *c)
{
	ble_server *srv = c->srv;
	if (!srv_subscribed(c->ls, GATT_IDD_COMMAND_DATA)) {
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE,
		        "IDD Command Data notifications are off");
		return;
	}
	ids_ccp_response d = {0};
	const ids_template_range *b = &srv->profile.templates[IDS_TK_BASAL];
	d.opcode = IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE;
	d.u.template_status = (ids_template_status){
	    IDS_TEMPLATE_BASAL_RATE,      b->first, b->count,
	    srv->profile.max_time_blocks, 0,        (uint16_t)((1u << b->count) - 1)};
	command_data(srv, c->ls, c->now, &d);
}

/* The one basal template is always the active one. */
static void activate_templates(ccp_call *c)
{
	specific_response(c, IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE)->u.templates =
	    c->cmd->u.templates;
}

static void get_activated_templates(ccp_call *c)
{
	ids_ccp_response *r = specific_response(c, IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE);
	r->u.templates.count = 1;
	r->u.templates.numbers[0] = c->srv->profile.templates[IDS_TK_BASAL].first;
}

/* Write Basal Rate Profile Template, Reset Template Status. */
static void template_set_on_the_pump(ccp_call *c)
{
	refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE, "the basal program is set on the pump only");
}

/* Template procedures of kinds the profile supports none of (the decoder refuses them
 * already with the default profile). */
static void template_kind_not_supported(ccp_call *c)
{
	refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE, "template kind not supported");
}

/* ---- basal: temporary basal rates ---- */

/*
 * Set TBR Adjustment. Besides the pump's limits: a closed loop's TBR (Delivery Context AP
 * controller) needs a CGM reading at most ap_cgm_max_age_min old and may run at most
 * ap_tbr_max_min (row T8: a loop that loses the CGM falls back to the programmed basal);
 * Change TBR must match whether a TBR runs — a TBR never silently replaces another.
 */
static void set_tbr(ccp_call *c)
{
	ble_server *srv = c->srv;
	const ids_set_tbr *t = &c->cmd->u.set_tbr;
	const bool change = (t->flags & IDS_TBR_FLAG_CHANGE) != 0;
	pump_temp_basal_type type = PUMP_TBR_ABSOLUTE;
	ids_tbr_type_to_pump(t->type, &type);
	const bool ap =
	    (t->flags & IDS_TBR_FLAG_CONTEXT) && t->delivery_context == IDS_CONTEXT_AP_CONTROLLER;
	const int64_t age = srv->cgm.has_reading ? c->now - srv->cgm.last_reading_min : -1;
	if (ap && srv->cfg.ap_cgm_max_age_min > 0 && (age < 0 || age > srv->cfg.ap_cgm_max_age_min))
		/* T8: a closed loop doses on glucose it no longer sees. */
		refused(c, IDS_RC_PLAUSIBILITY_CHECK_FAILED,
		        age < 0 ? "AP controller TBR: the pump has no CGM reading"
		                : "AP controller TBR: the pump's CGM is stale");
	else if (ap && srv->cfg.ap_tbr_max_min > 0 && t->duration_min > srv->cfg.ap_tbr_max_min)
		refused(c, IDS_RC_PARAMETER_OUT_OF_RANGE,
		        "AP controller TBR longer than the pump lets a loop run unseen");
	else if (change && !c->st.temp_basal_active)
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE, "Change TBR with no TBR active");
	else if (!change && c->st.temp_basal_active)
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE,
		        "a TBR is active and Change TBR is not set");
	else
		pump_answered(c, pump_temp_basal(srv->p, c->now, PUMP_SOURCE_PHONE, type, t->value,
		                                 t->duration_min));
	snprintf(srv->detail, sizeof srv->detail, "TBR %s %.2f %s for %u min%s",
	         type == PUMP_TBR_RELATIVE ? "relative" : "absolute", t->value,
	         type == PUMP_TBR_RELATIVE ? "%" : "U/h", t->duration_min,
	         ap ? ", AP controller" : "");
	if (ap && age != 0) {
		const size_t n = strlen(srv->detail);
		if (age < 0)
			snprintf(srv->detail + n, sizeof srv->detail - n, ", no CGM reading yet");
		else
			snprintf(srv->detail + n, sizeof srv->detail - n,
			         ", last CGM reading %lld min ago", (long long)age);
	}
}

static void cancel_tbr(ccp_call *c)
{
	pump_answered(c, pump_cancel_temp_basal(c->srv->p, c->now, PUMP_SOURCE_PHONE));
}

/* ---- boluses ---- */

/* Set Bolus, behind the replay/duplicate rule (srv_ids_ccp.h); remembers what was
 * programmed, fast and extended apart, for the Status Reader. */
static void set_bolus(ccp_call *c)
{
	ble_server *srv = c->srv;
	const ids_set_bolus *b = &c->cmd->u.set_bolus;
	const srv_dup_entry *dup = NULL;
	snprintf(srv->detail, sizeof srv->detail,
	         "bolus %s fast %.2f U extended %.2f U over %u min",
	         ids_code_name(&ids_bolus_type_table, b->type), b->fast_u, b->extended_u,
	         b->duration_min);
	if (!srv_legacy(srv) && srv->cfg.duplicate_window_min > 0 &&
	    duplicate_of(srv, c->payload, c->payload_len, c->now, &dup)) {
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE, "replay/duplicate");
		srv->stats.duplicates_refused++;
		snprintf(srv->detail, sizeof srv->detail,
		         "identical Set Bolus accepted at t=%lld min (bolus id %u)",
		         (long long)dup->t_min, dup->bolus_id);
		return;
	}
	pump_bolus_request req;
	uint16_t id = 0;
	ids_bolus_to_pump(b, &req);
	pump_answered(c, pump_bolus(srv->p, c->now, PUMP_SOURCE_PHONE, &req, &id));
	if (c->pr != PUMP_OK)
		return;
	remember_bolus(srv, c->payload, c->payload_len, c->now, id);
	srv->bolus.valid = true;
	srv->bolus.id = id;
	srv->bolus.type = b->type;
	srv->bolus.fast_u = b->type == IDS_BOLUS_EXTENDED ? 0.0 : b->fast_u;
	srv->bolus.extended_u = b->type == IDS_BOLUS_FAST ? 0.0 : b->extended_u;
	srv->bolus.duration_min = b->duration_min;
	specific_response(c, IDS_CCP_SET_BOLUS_RESPONSE)->u.bolus_id = id;
}

static void cancel_bolus(ccp_call *c)
{
	ble_server *srv = c->srv;
	const uint16_t id = c->cmd->u.bolus_id;
	snprintf(srv->detail, sizeof srv->detail, "cancel bolus id %u", id);
	if (id == 0) {
		/* The pump reads 0 as "whichever is active"; a remote never gets that. */
		refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE, "no such bolus (id 0 is never issued)");
		return;
	}
	pump_answered(c, pump_cancel_bolus(srv->p, c->now, PUMP_SOURCE_PHONE, id));
	if (c->pr == PUMP_OK)
		specific_response(c, IDS_CCP_CANCEL_BOLUS_RESPONSE)->u.bolus_id = id;
}

/* The bolus types the profile supports, when a bolus could start now. */
static void get_available_boluses(ccp_call *c)
{
	const uint32_t features = c->srv->profile.features;
	ids_ccp_response *r = specific_response(c, IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE);
	r->u.available_boluses = 0;
	if (c->st.therapy != PUMP_THERAPY_RUN || c->st.bolus_active)
		return;
	if (features & IDS_FEAT_FAST_BOLUS)
		r->u.available_boluses |= IDS_AVAILABLE_FAST;
	if (features & IDS_FEAT_EXTENDED_BOLUS)
		r->u.available_boluses |= IDS_AVAILABLE_EXTENDED;
	if (features & IDS_FEAT_MULTIWAVE_BOLUS)
		r->u.available_boluses |= IDS_AVAILABLE_MULTIWAVE;
}

static void get_max_bolus(ccp_call *c)
{
	specific_response(c, IDS_CCP_GET_MAX_BOLUS_RESPONSE)->u.max_bolus_u = c->st.max_bolus_u;
}

/* The pump holds its limit: a phone can lower the max bolus, never raise it above the
 * pump's own (row T4). */
static void set_max_bolus(ccp_call *c)
{
	ble_server *srv = c->srv;
	pump_answered(c, pump_set_max_bolus(srv->p, c->now, PUMP_SOURCE_PHONE, c->cmd->u.amount_u));
	snprintf(srv->detail, sizeof srv->detail, "max bolus %.2f U (pump limit %.2f U)",
	         c->cmd->u.amount_u, pump_get_config(srv->p)->limits.max_bolus_u);
}

/* ---- reservoir and priming ---- */

static void start_priming(ccp_call *c)
{
	ble_server *srv = c->srv;
	pump_answered(c, pump_prime(srv->p, c->now, PUMP_SOURCE_PHONE, c->cmd->u.amount_u));
	snprintf(srv->detail, sizeof srv->detail, "prime %.2f U", c->cmd->u.amount_u);
}

static void stop_priming(ccp_call *c)
{
	refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE,
	        "no priming in progress (priming completes at once)");
}

static void set_reservoir_fill_level(ccp_call *c)
{
	ble_server *srv = c->srv;
	pump_answered(c,
	              pump_fill_reservoir(srv->p, c->now, PUMP_SOURCE_PHONE, c->cmd->u.amount_u));
	snprintf(srv->detail, sizeof srv->detail, "reservoir fill %.2f U", c->cmd->u.amount_u);
}

/* The counter restarts when a reservoir is filled at the pump: a cartridge is changed by
 * hand (docs/pump.md "Authority"), never from a phone. */
static void reset_reservoir_operation_time(ccp_call *c)
{
	refused(c, IDS_RC_PROCEDURE_NOT_APPLICABLE,
	        c->st.therapy != PUMP_THERAPY_STOP
	            ? "only when therapy is stopped"
	            : "needs the person at the pump (the counter restarts with a fill)");
}

static void set_flight_mode(ccp_call *c)
{
	refused(c, IDS_RC_OPCODE_NOT_SUPPORTED, "flight mode is not supported");
}

/* ---- the table and the write ---- */

static const struct {
	uint16_t opcode;
	ccp_procedure run;
} procedures[] = {
    {IDS_CCP_SET_THERAPY_CONTROL_STATE, set_therapy_control_state},
    {IDS_CCP_SNOOZE_ANNUNCIATION, acknowledge_annunciation},
    {IDS_CCP_CONFIRM_ANNUNCIATION, acknowledge_annunciation},
    {IDS_CCP_READ_BASAL_TEMPLATE, read_basal_template},
    {IDS_CCP_GET_TEMPLATE_STATUS, get_template_status},
    {IDS_CCP_ACTIVATE_TEMPLATES, activate_templates},
    {IDS_CCP_GET_ACTIVATED_TEMPLATES, get_activated_templates},
    {IDS_CCP_WRITE_BASAL_TEMPLATE, template_set_on_the_pump},
    {IDS_CCP_RESET_TEMPLATE_STATUS, template_set_on_the_pump},
    {IDS_CCP_SET_TBR, set_tbr},
    {IDS_CCP_CANCEL_TBR, cancel_tbr},
    {IDS_CCP_SET_BOLUS, set_bolus},
    {IDS_CCP_CANCEL_BOLUS, cancel_bolus},
    {IDS_CCP_GET_AVAILABLE_BOLUSES, get_available_boluses},
    {IDS_CCP_START_PRIMING, start_priming},
    {IDS_CCP_STOP_PRIMING, stop_priming},
    {IDS_CCP_SET_RESERVOIR_FILL_LEVEL, set_reservoir_fill_level},
    {IDS_CCP_RESET_RESERVOIR_OPERATION_TIME, reset_reservoir_operation_time},
    {IDS_CCP_GET_MAX_BOLUS, get_max_bolus},
    {IDS_CCP_SET_MAX_BOLUS, set_max_bolus},
    {IDS_CCP_SET_FLIGHT_MODE, set_flight_mode},
};

static ccp_procedure procedure_of(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof procedures / sizeof procedures[0]; i++)
		if (procedures[i].opcode == opcode)
			return procedures[i].run;
	return template_kind_not_supported;
}

/* Execute a decoded command; fills the response and the outcome. A pump refusal becomes
 * its Response Code (pump_binding.h). */
static void ccp_execute(ble_server *srv, srv_link *ls, int64_t now, const ids_command *cmd,
                        const uint8_t *payload, size_t n, ids_ccp_response *resp, srv_cp_outcome *o)
{
	ccp_call c = {srv, ls, now, cmd, payload, n, {0}, resp, o, IDS_RC_SUCCESS, false, PUMP_OK};
	pump_get_status(srv->p, &c.st);
	srv->detail[0] = '\0';
	ids_ccp_response_code(cmd->opcode, IDS_RC_SUCCESS, resp);
	procedure_of(cmd->opcode)(&c);
	ids_rc rc = c.rc;
	if (c.pump_called) {
		srv->stats.pump_commands++;
		o->pump_called = true;
		o->pump_result = c.pr;
		if (c.pr != PUMP_OK) {
			rc = ids_rc_for_pump_result(c.pr);
			if (!o->reason)
				o->reason = "refused by the pump";
		}
	}
	if (rc != IDS_RC_SUCCESS)
		ids_ccp_response_code(cmd->opcode, rc, resp);
	o->success = rc == IDS_RC_SUCCESS;
	o->code = (uint8_t)rc;
	o->detail = srv->detail;
}

uint8_t srv_ids_ccp_write(ble_server *srv, srv_link *ls, int64_t now, const uint8_t *b, size_t len)
{
	size_t n = 0;
	uint8_t e = srv_cp_payload(srv, ls, now, GATT_IDD_COMMAND_CP, b, len, 2, &n);
	if (e)
		return e;
	ids_command cmd;
	ids_ccp_response resp;
	srv_cp_outcome o = {0};
	ids_rc rc = ids_command_decode(&srv->profile, b, n, &cmd);
	o.request_opcode = cmd.opcode;
	if (rc != IDS_RC_SUCCESS) {
		ids_ccp_response_code(cmd.opcode, rc, &resp);
		o.code = (uint8_t)rc;
		o.reason = "decode refused the operand";
		o.detail = ids_rc_name(rc);
	} else {
		srv->hist.phone_command =
		    true; /* the pump events of this call are the collector's */
		ccp_execute(srv, ls, now, &cmd, b, n, &resp, &o);
		srv->hist.phone_command = false;
	}
	ccp_indicate(srv, ls, now, &resp, cmd.opcode);
	srv_audit_cp(srv, ls, now, GATT_IDD_COMMAND_CP, &o, b, len);
	return ATT_OK;
}
