/*
 * run_record — see run_record.h. NAN is the recorder's NULL for numbers.
 */
#include "run_record.h"

#include <math.h>
#include <stdio.h>

#include "controller_json.h"

void run_record_codes(recorder *rec)
{
	for (int s = PUMP_THERAPY_STOP; s <= PUMP_THERAPY_RUN; s++)
		recorder_define_code(rec, "therapy_state", s,
		                     pump_therapy_state_name((pump_therapy_state)s));
	const pump_annunciation_type *types;
	const size_t n = pump_annunciation_types(&types);
	for (size_t i = 0; i < n; i++)
		recorder_define_code(rec, "annunciation", (int)types[i],
		                     pump_annunciation_name(types[i]));
}

void run_record_row(recorder *rec, const engine_row *row)
{
	if (row->meal_announced_g > 0) {
		const recorder_event meal = {.t_min = row->t_min,
		                             .type = "meal",
		                             .source = "scenario",
		                             .value = row->meal_announced_g,
		                             .value2 = NAN};
		recorder_add_event(rec, &meal);
	}
	const recorder_sample s = {
	    .t_min = row->t_min,
	    .bg_mgdl = row->bg_mgdl,
	    .gsub_mgdl = row->gsub_mgdl,
	    .cgm_mgdl = row->has_cgm ? row->cgm_mgdl : NAN,
	    .cho_g_per_min = row->cho_g_per_min,
	    .meal_announced_g = row->meal_announced_g,
	    .basal_u_per_min = row->basal_u_per_min,
	    .bolus_u = row->bolus_u_per_min,
	    .insulin_u_per_min = row->insulin_u_per_min,
	    .basal_u_per_h = row->basal_u_per_h,
	    .iob_u = row->iob_u,
	    .reservoir_u = row->reservoir_u,
	    .battery_pct = row->battery_pct,
	    .therapy_state = row->therapy_state,
	    .annunciation = row->annunciation,
	};
	recorder_add_sample(rec, &s);
}

/* A command's numbers: what was asked (value) and its second part (value2), per command. */
static void command_values(const pump_event *ev, recorder_event *re)
{
	re->value = re->value2 = NAN;
	switch (ev->command) {
	case PUMP_CMD_BOLUS:
		re->value = ev->value;   /* U, immediate + extended */
		re->value2 = ev->value2; /* U, extended part */
		break;
	case PUMP_CMD_TEMP_BASAL:
		re->value = ev->value;   /* U/h, or % of the programmed rate */
		re->value2 = ev->value3; /* minutes */
		re->detail = ev->value2 != 0.0 ? "relative" : "absolute";
		break;
	case PUMP_CMD_PRIME:
	case PUMP_CMD_FILL_RESERVOIR:
	case PUMP_CMD_SET_MAX_BOLUS:
	case PUMP_CMD_CHANGE_BATTERY: /* the new charge, % */
	case PUMP_CMD_CANCEL_BOLUS:   /* the bolus id */
	case PUMP_CMD_CONFIRM_ANNUNCIATION:
	case PUMP_CMD_SNOOZE_ANNUNCIATION: /* the annunciation id */
		re->value = ev->value;
		break;
	default: /* cancel_temp_basal, suspend, resume, stop: no number */
		break;
	}
}

void run_record_pump_event(recorder *rec, const pump_event *ev)
{
	static const char *const sources[] = {"pump", "phone", "automation", "controller"};
	recorder_event re = {
	    .t_min = ev->t_min,
	    .type = pump_event_kind_name(ev->kind),
	    .source = (unsigned)ev->source < 4 ? sources[ev->source] : NULL,
	    .value = NAN,
	    .value2 = NAN,
	};
	switch (ev->kind) {
	case PUMP_EV_COMMAND:
		re.name = pump_command_name(ev->command);
		re.result = pump_result_name(ev->result);
		command_values(ev, &re);
		break;
	case PUMP_EV_BOLUS_STARTED:
		re.value = ev->value;   /* U programmed */
		re.value2 = ev->value2; /* U of it extended */
		break;
	case PUMP_EV_BOLUS_ENDED:
		re.result = ev->detail; /* completed, canceled, uncertain */
		re.value = ev->value;   /* U delivered */
		re.value2 = ev->value2; /* U programmed */
		break;
	case PUMP_EV_BASAL_CHANGED:
		re.value = ev->value;   /* U/h delivered from now */
		re.value2 = ev->value2; /* 1 while a temporary basal is in force, else 0 */
		break;
	case PUMP_EV_THERAPY_STATE:
		re.name = pump_therapy_state_name(ev->state);
		re.detail = ev->detail; /* why */
		break;
	case PUMP_EV_ANNUNCIATION:
		re.name = pump_annunciation_name(ev->annunciation.type);
		re.result = ev->detail;          /* raised, snoozed, confirmed, … */
		re.value = ev->annunciation.aux; /* its AuxInfo, 0 when the type has none */
		re.value2 = ev->annunciation.id; /* the instance, to pair raise and confirm */
		break;
	case PUMP_EV_FAULT:
		/* faults are injected on purpose, by the scenario or by `fakepump ctl` (the pump
		 * only suffers them): who did is their source */
		re.source = ev->detail ? ev->detail : "scenario";
		re.name = pump_fault_name(ev->fault);
		if (ev->fault != PUMP_FAULT_OCCLUSION_CLEARED &&
		    ev->fault != PUMP_FAULT_RESERVOIR_EMPTY && ev->fault != PUMP_FAULT_BATTERY_DEAD)
			re.value = ev->value; /* docs/database.md: %/h, U, %, a count */
		break;
	case PUMP_EV_PRIMED:
	case PUMP_EV_RESERVOIR_FILLED:
		re.value = ev->value; /* U */
		break;
	default:
		break;
	}
	recorder_add_event(rec, &re);
}

void run_record_controller(recorder *rec, const controller_report *rep)
{
	char json[1024];
	if (controller_json(rep, json, sizeof json) >= sizeof json)
		json[0] = '\0'; /* cannot happen (controller_json.h); never invalid JSON */
	const controller_decision *d = &rep->decision;
	/* What the pump made of it: the first refusal, else ok; nothing sent: NULL. */
	const char *result = NULL;
	if (rep->temp_sent)
		result = pump_result_name(rep->temp_result);
	if (rep->bolus_sent && (!result || rep->temp_result == PUMP_OK))
		result = pump_result_name(rep->bolus_result);
	const recorder_event re = {
	    .t_min = rep->t_min,
	    .type = "controller",
	    .source = "controller",
	    .name = controller_status_name(d->status),
	    .result = result,
	    .value = d->action == CONTROLLER_SET_TEMP ? d->rate_u_per_h : NAN,
	    .value2 = d->bolus_u > 0.0 ? d->bolus_u : NAN,
	    .detail = json[0] ? json : NULL,
	};
	recorder_add_event(rec, &re);
}

void run_record_audit(recorder *rec, const ble_audit_event *ev)
{
	char detail[900];
	snprintf(detail, sizeof detail,
	         "{\"link\":\"%s\",\"security\":\"%s\",\"att_error\":%u,\"response_code\":%u,"
	         "\"count\":%u,\"answer\":\"%s\",\"bytes\":\"%s\",\"detail\":\"%s\"}",
	         ev->link_identity ? ev->link_identity : "",
	         ble_link_security_name(ev->link_security), ev->att_error, ev->response_code,
	         ev->count, ev->answer ? ev->answer : "", ev->raw_hex ? ev->raw_hex : "",
	         ev->detail ? ev->detail : "");
	const bool refused = ev->decision == BLE_DECISION_REFUSED;
	if (ev->kind == BLE_AUDIT_FAULT) {
		/* A fault shown to the phone on purpose (docs/database.md): who injected it. */
		const recorder_event fe = {
		    .t_min = ev->t_min,
		    .type = "ble_fault",
		    .source = ev->origin ? ev->origin : "scenario",
		    .name = ev->reason,
		    .result = ev->answer,
		    .value = NAN,
		    .value2 = ev->count,
		    .detail = detail,
		};
		recorder_add_event(rec, &fe);
		return;
	}
	const recorder_event re = {
	    .t_min = ev->t_min,
	    /* An attack the scenario played; else the server's decision; else what a
	     * scenario's phone read (engine_ble.c). */
	    .type = ev->kind == BLE_AUDIT_ATTACK  ? "ble_attack"
	            : refused                     ? "ble_refused"
	            : ev->kind == BLE_AUDIT_PHONE ? "ble_phone"
	                                          : "ble_accepted",
	    .source = "phone",
	    .name = ev->char_name,
	    .result = ev->reason,
	    .value = ev->att_error,
	    .value2 = ev->count,
	    .detail = detail,
	};
	recorder_add_event(rec, &re);
}
