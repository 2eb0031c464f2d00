/*
 * pump_therapy — the therapy state (run, pause, stop) and the commands that change it:
 * suspend, resume, stop. A halt ends the bolus and the temp basal and belongs to the
 * highest authority that made it (authority.c): a phone cannot resume what the person or
 * the low-glucose protection paused.
 */
#include "authority.h"
#include "pump_internal.h"

void pump_set_therapy(pump *p, int64_t now, pump_therapy_state s, pump_source src, const char *why)
{
	if (p->therapy == s)
		return;
	p->therapy = s;
	pump_event ev = {
	    .t_min = now, .kind = PUMP_EV_THERAPY_STATE, .source = src, .state = s, .detail = why};
	pump_emit(p, &ev);
}

/*
 * Delivery stops (pause, stop, alarm): the bolus and the temp basal end with it, and any
 * low-glucose suspension is superseded: only the protection's own pause may end by itself.
 */
void pump_halt_delivery(pump *p, int64_t now, pump_therapy_state to, pump_source src,
                        const char *why, const char *bolus_how)
{
	/* A halt belongs to the highest authority that made it: a phone stopping a pump the
	 * person paused cannot then resume it. */
	p->halt_owner = p->therapy == PUMP_THERAPY_RUN ? src : authority_higher(p->halt_owner, src);
	p->lgs_suspended = false;
	pump_end_bolus(p, now, bolus_how, true);
	pump_end_tbr(p, now, true);
	pump_set_therapy(p, now, to, src, why);
}

pump_result pump_suspend(pump *p, int64_t now, pump_source src)
{
	pump_result r = p->therapy == PUMP_THERAPY_RUN ? PUMP_OK : PUMP_REFUSED_NOT_APPLICABLE;
	pump_command_done(p, now, src, PUMP_CMD_SUSPEND, r, 0, 0, 0);
	if (r == PUMP_OK)
		pump_halt_delivery(p, now, PUMP_THERAPY_PAUSE, src, "suspended", "canceled");
	return r;
}

pump_result pump_resume(pump *p, int64_t now, pump_source src)
{
	pump_result r = PUMP_OK;
	if (p->therapy == PUMP_THERAPY_RUN)
		r = PUMP_REFUSED_NOT_APPLICABLE;
	else if (p->battery_pct <= 0.0)
		r = PUMP_REFUSED_BATTERY_EMPTY;
	else if (p->occlusion_alarm)
		r = PUMP_REFUSED_OCCLUSION;
	else if (p->reservoir_u <= EPS_U)
		r = PUMP_REFUSED_RESERVOIR_EMPTY;
	else if (!authority_may_resume(src, p->halt_owner))
		r = PUMP_REFUSED_NEEDS_PERSON; /* the person's pause, or the protection's */
	pump_command_done(p, now, src, PUMP_CMD_RESUME, r, 0, 0, 0);
	if (r != PUMP_OK)
		return r;
	if (p->lgs_suspended) {
		/* A person overrides the protection: give it a rest before it acts again. */
		p->lgs_suspended = false;
		p->lgs_refractory_until_min = now + LGS_REFRACTORY_MIN;
	}
	pump_set_therapy(p, now, PUMP_THERAPY_RUN, src, "resumed");
	return PUMP_OK;
}

pump_result pump_stop(pump *p, int64_t now, pump_source src)
{
	pump_result r = p->therapy == PUMP_THERAPY_STOP ? PUMP_REFUSED_NOT_APPLICABLE : PUMP_OK;
	pump_command_done(p, now, src, PUMP_CMD_STOP, r, 0, 0, 0);
	if (r == PUMP_OK)
		pump_halt_delivery(p, now, PUMP_THERAPY_STOP, src, "stopped", "canceled");
	return r;
}
