/*
 * pump_binding — where the Insulin Delivery Service meets the pump model: which IDS
 * response code a pump result becomes (and, with the protocol issue, decoded commands
 * becoming pump commands). Transport-free like the rest of the protocol layer.
 */
#ifndef FAKEPUMP_PUMP_BINDING_H
#define FAKEPUMP_PUMP_BINDING_H

#include <stdbool.h>

#include "protocol.h"
#include "pump_model.h"

/*
 * The Command Control Point response code for a pump result (security-cases.md §4.5):
 * success; invalid values → invalid operand; hard limits → parameter out of range (max
 * bolus, max basal, a limit above the pump's) or plausibility check failed (max daily,
 * max IOB: they depend on history); another bolus active → maximum bolus number reached;
 * everything that the pump's state forbids → procedure not applicable.
 */
ids_rc ids_rc_for_pump_result(pump_result r);

/* The IDS response code's name ("parameter_out_of_range"), or NULL if not a code. */
const char *ids_rc_name(ids_rc rc);
/* Name → code; false when the name is not a Command CP response code. */
bool ids_rc_from_name(const char *name, ids_rc *out);

#endif
