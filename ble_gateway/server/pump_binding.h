/*
 * ble_gateway/server/pump_binding.h — where the Insulin Delivery Service meets the pump
 * model: a pump result as the Command CP's response code, the pump's state as IDS values,
 * a decoded Set Bolus or Set TBR as a pump request.
 *
 * It lives with the server, not in protocol/: it is the only code that speaks both
 * vocabularies, and keeping it here leaves the protocol layer free of the pump (its codecs
 * build, are tested and fuzzed without pump_model). The server calls it around every pump
 * call; sim/ uses it to name a pump refusal the way a phone would see it.
 *
 * Must never: give a pump result it does not know a code other than "procedure not
 * completed"; turn an IDS code word it does not know into a pump type (it says false).
 *
 * Follows IDS 1.0.1's Response Code Values; which refusal becomes which code, and why, is
 * tabled in docs/ble.md "Command Control Point procedures → the pump".
 */
#ifndef FAKEPUMP_PUMP_BINDING_H
#define FAKEPUMP_PUMP_BINDING_H

#include <stdbool.h>

#include "ids_ccp.h"
#include "ids_codes.h"
#include "ids_values.h"
#include "pump_model.h"

/*
 * The Command Control Point response code for a pump result: success; invalid values →
 * invalid operand; hard limits → parameter out of range (max bolus, max basal, a limit
 * above the pump's) or plausibility check failed (max daily, max IOB: they depend on
 * history); another bolus active → maximum bolus number reached; everything that the pump's
 * state forbids → procedure not applicable.
 */
ids_rc ids_rc_for_pump_result(pump_result r);

/* ---- pump state and requests as IDS values ---- */

/* Therapy Control State: RUN → Run 0x55, PAUSE → Pause 0x3C, STOP → Stop 0x33. */
uint8_t ids_tcs_for_pump(pump_therapy_state s);
/* Operational State (FakePump's reading, docs/ble.md): battery empty → Off; Stop →
 * Standby; Pause and Run → Ready (the device can deliver once therapy runs). */
uint8_t ids_opstate_for_pump(const pump_status *s);
/* IDD Status from the pump: TCS, operational state, reservoir (U), reservoir attached. */
void ids_status_from_pump(const pump_status *s, ids_status *out);
/* Annunciation Status value: PENDING → 0x33, SNOOZED → 0x3C, CONFIRMED → 0x55. */
uint8_t ids_annunciation_status_for_pump(pump_annunciation_status s);
/* IDD Annunciation Status for the pump's newest active annunciation (NULL: none present).
 * Types are the IDS code words (pump_model.h); FakePump's own ≥ 0xF000 pass as vendor
 * codes. AuxInfo1 carries the annunciation's aux value in hundredths, when it fits. */
void ids_annunciation_from_pump(const pump_annunciation *a, ids_annunciation_status *out);
/* Bolus Type code word for a pump bolus type (NORMAL → Fast). */
uint8_t ids_bolus_type_for_pump(pump_bolus_type t);
/*
 * A decoded Set Bolus as a pump request: Fast → NORMAL (immediate = fast), Extended →
 * EXTENDED (extended over duration), Multiwave → MULTIWAVE. False when the type is not one
 * of the three (the decoder never lets that through).
 */
bool ids_bolus_to_pump(const ids_set_bolus *b, pump_bolus_request *out);
/* TBR Type: Absolute → PUMP_TBR_ABSOLUTE (U/h), Relative → PUMP_TBR_RELATIVE (%). */
bool ids_tbr_type_to_pump(uint8_t ids_type, pump_temp_basal_type *out);
uint8_t ids_tbr_type_for_pump(pump_temp_basal_type t);

#endif
