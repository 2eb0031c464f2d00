/*
 * authority — who may undo what on the pump (private to pump_model; the table is in
 * docs/pump.md "Authority"). Pure functions over plain facts: the pump's commands
 * (pump_*.c) ask them before they change anything, and a refusal is
 * PUMP_REFUSED_NEEDS_PERSON (or LIMIT_ABOVE_PUMP for a limit).
 *
 * The rule behind every function: the person at the pump outranks the pump's own
 * protection, which outranks a phone. A lower authority may make therapy safer than a
 * higher one left it (deliver less), never the other way round.
 */
#ifndef FAKEPUMP_PUMP_AUTHORITY_H
#define FAKEPUMP_PUMP_AUTHORITY_H

#include <stdbool.h>

#include "pump_model.h"

/* Phone 0 < protection (automation) 1 < the person at the pump 2. */
int authority_rank(pump_source s);

/* The higher of two authorities (who owns a halt or a temp basal both touched). */
pump_source authority_higher(pump_source a, pump_source b);

/* A resume by `src` of therapy paused or stopped by `owner`: only an equal or higher
 * authority undoes a halt. */
bool authority_may_resume(pump_source src, pump_source owner);

/* A max bolus of `new_u` from `src`: the person up to the configured limit (`hard_u`),
 * anyone else up to the person's value (`person_u`). */
bool authority_may_set_max_bolus(pump_source src, double new_u, double person_u, double hard_u);

/* Replacing or ending a temp basal set by `owner` (running at `current_u_per_h` now) so that
 * `next_u_per_h` is delivered now: a lower authority only when that delivers less. */
bool authority_may_change_temp_basal(pump_source src, pump_source owner, double current_u_per_h,
                                     double next_u_per_h);

/* Confirming or snoozing an annunciation of type `t`. */
bool authority_may_acknowledge(pump_source src, pump_annunciation_type t);

/* Procedures done with the pump in hand (priming, a new reservoir, a new battery): only
 * the person; a phone cannot know whether the set is on the body or a cartridge changed. */
bool authority_may_handle(pump_source src, pump_command c);

#endif
