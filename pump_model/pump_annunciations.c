/*
 * pump_annunciations — what the pump tells the person: raise (into a fixed table that a
 * phone cannot flood: alarms for the person are never pushed out by trifles), snooze (for
 * SNOOZE_MIN), confirm (through authority.c: a phone may not acknowledge what needs the
 * person), and list the active ones newest first. Confirming the occlusion alarm is what
 * lets therapy resume.
 */
#include "authority.h"
#include "pump_internal.h"

void pump_emit_annunciation(const pump *p, int64_t now, const pump_annunciation *a,
                            const char *detail)
{
	pump_event ev = {.t_min = now,
	                 .kind = PUMP_EV_ANNUNCIATION,
	                 .annunciation = *a,
	                 .value = a->aux,
	                 .detail = detail};
	pump_emit(p, &ev);
}

/* The oldest slot that is confirmed (`confirmed`), or active and not one that needs the
 * person, or (`any`) any; ANNUNCIATION_SLOTS when none. */
static size_t evictable_slot(const pump *p, bool confirmed, bool any)
{
	size_t slot = ANNUNCIATION_SLOTS;
	for (size_t i = 0; i < ANNUNCIATION_SLOTS; i++) {
		const pump_annunciation *a = &p->annunciations[i];
		const bool fits = any || (confirmed ? a->status == PUMP_ANN_CONFIRMED
		                                    : !pump_annunciation_needs_person(a->type));
		if (fits && (slot == ANNUNCIATION_SLOTS || a->id < p->annunciations[slot].id))
			slot = i;
	}
	return slot;
}

uint16_t pump_raise_annunciation(pump *p, int64_t now, pump_annunciation_type type, double aux)
{
	size_t slot;
	if (p->annunciation_count < ANNUNCIATION_SLOTS) {
		slot = p->annunciation_count++;
	} else {
		/* Full: reuse the oldest confirmed slot, else the oldest one a phone may
		 * acknowledge, else the oldest of all. Never an active one that needs the person
		 * while another will do: a phone that makes the pump announce trifles (a bolus
		 * canceled, again and again) must not push an occlusion or a new bond off it. */
		slot = evictable_slot(p, true, false);
		if (slot == ANNUNCIATION_SLOTS)
			slot = evictable_slot(p, false, false);
		if (slot == ANNUNCIATION_SLOTS && pump_annunciation_needs_person(type))
			slot = evictable_slot(p, false, true);
	}
	uint16_t id = p->next_annunciation_id++;
	if (p->next_annunciation_id == 0)
		p->next_annunciation_id = 1;
	if (slot == ANNUNCIATION_SLOTS) {
		/* Every slot holds an alarm for the person: a trifle is announced (audited) but
		 * not kept in their place. */
		const pump_annunciation a = {.id = id,
		                             .type = type,
		                             .status = PUMP_ANN_PENDING,
		                             .raised_min = now,
		                             .aux = aux};
		pump_emit_annunciation(p, now, &a, "raised");
		return id;
	}
	p->annunciations[slot] = (pump_annunciation){
	    .id = id, .type = type, .status = PUMP_ANN_PENDING, .raised_min = now, .aux = aux};
	p->snoozed_until[slot] = 0;
	pump_emit_annunciation(p, now, &p->annunciations[slot], "raised");
	return id;
}

static pump_annunciation *find_annunciation(pump *p, uint16_t id)
{
	for (size_t i = 0; i < p->annunciation_count; i++)
		if (p->annunciations[i].id == id && id != 0)
			return &p->annunciations[i];
	return NULL;
}

pump_result pump_confirm_annunciation(pump *p, int64_t now, pump_source src, uint16_t id)
{
	pump_annunciation *a = find_annunciation(p, id);
	pump_result r =
	    a && a->status != PUMP_ANN_CONFIRMED ? PUMP_OK : PUMP_REFUSED_NO_SUCH_ANNUNCIATION;
	if (r == PUMP_OK && !authority_may_acknowledge(src, a->type))
		r = PUMP_REFUSED_NEEDS_PERSON;
	pump_command_done(p, now, src, PUMP_CMD_CONFIRM_ANNUNCIATION, r, id,
	                  a ? (double)a->type : 0, 0);
	if (r != PUMP_OK)
		return r;
	a->status = PUMP_ANN_CONFIRMED;
	if (a->type == PUMP_ANN_OCCLUSION && id == p->occlusion_annunciation_id) {
		/* The person has seen the alarm and dealt with the set: therapy may resume. */
		p->occlusion_alarm = false;
		p->missed_u = 0.0;
	}
	pump_emit_annunciation(p, now, a, "confirmed");
	return PUMP_OK;
}

pump_result pump_snooze_annunciation(pump *p, int64_t now, pump_source src, uint16_t id)
{
	pump_annunciation *a = find_annunciation(p, id);
	pump_result r =
	    a && a->status == PUMP_ANN_PENDING ? PUMP_OK : PUMP_REFUSED_NO_SUCH_ANNUNCIATION;
	if (r == PUMP_OK && !authority_may_acknowledge(src, a->type))
		r = PUMP_REFUSED_NEEDS_PERSON;
	pump_command_done(p, now, src, PUMP_CMD_SNOOZE_ANNUNCIATION, r, id, a ? (double)a->type : 0,
	                  0);
	if (r != PUMP_OK)
		return r;
	a->status = PUMP_ANN_SNOOZED;
	p->snoozed_until[a - p->annunciations] = now + SNOOZE_MIN;
	pump_emit_annunciation(p, now, a, "snoozed");
	return PUMP_OK;
}

uint16_t pump_announce_new_bond(pump *p, int64_t now, unsigned bond_number)
{
	return pump_raise_annunciation(p, now, PUMP_ANN_NEW_BOND, (double)bond_number);
}

uint16_t pump_announce_pairing_attempts(pump *p, int64_t now, unsigned attempts)
{
	return pump_raise_annunciation(p, now, PUMP_ANN_PAIRING_ATTEMPTS, (double)attempts);
}

uint16_t pump_announce_controller_fallback(pump *p, int64_t now, unsigned minutes_since_reading)
{
	return pump_raise_annunciation(p, now, PUMP_ANN_CONTROLLER_FALLBACK,
	                               (double)minutes_since_reading);
}

void pump_annunciations_tick(pump *p, int64_t now)
{
	for (size_t i = 0; i < p->annunciation_count; i++) {
		pump_annunciation *a = &p->annunciations[i];
		if (a->status == PUMP_ANN_SNOOZED && now >= p->snoozed_until[i]) {
			a->status = PUMP_ANN_PENDING;
			pump_emit_annunciation(p, now, a, "snooze over");
		}
	}
}

size_t pump_active_annunciations(const pump *p, pump_annunciation *out, size_t cap)
{
	size_t n = 0;
	/* Newest first: ids grow with time. */
	uint16_t below = UINT16_MAX;
	while (n < cap) {
		const pump_annunciation *best = NULL;
		for (size_t i = 0; i < p->annunciation_count; i++) {
			const pump_annunciation *a = &p->annunciations[i];
			if (a->status != PUMP_ANN_CONFIRMED && a->id < below &&
			    (!best || a->id > best->id))
				best = a;
		}
		if (!best)
			break;
		out[n++] = *best;
		below = best->id;
	}
	return n;
}

bool pump_newest_annunciation(const pump *p, pump_annunciation *out)
{
	return pump_active_annunciations(p, out, 1) == 1;
}
