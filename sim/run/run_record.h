/*
 * run_record — what a run puts in its database, row by row and event by event: the
 * contract docs/database.md states (which event types, which source, which of name,
 * result, value, value2 and detail each fills, NULL where a column does not apply).
 * tests/check_database_doc.py reads that page's tables and holds this file to them.
 *
 * Must never: store a number where the page says NULL, or a type or source the page does
 * not list.
 */
#ifndef FAKEPUMP_RUN_RECORD_H
#define FAKEPUMP_RUN_RECORD_H

#include "ble_server.h"
#include "engine.h"
#include "pump_model.h"
#include "recorder.h"

/* The names of the coded sample columns (therapy_state, annunciation) in the codes table. */
void run_record_codes(recorder *rec);
/* One engine row as a sample, and the meal it announces as a 'meal' event. */
void run_record_row(recorder *rec, const engine_row *row);
/* One pump event (docs/database.md, "Event types"). */
void run_record_pump_event(recorder *rec, const pump_event *ev);
/* One step of the pump's controller: a 'controller' event. */
void run_record_controller(recorder *rec, const controller_report *rep);
/* One decision of the pump's Bluetooth server: 'ble_accepted' or 'ble_refused'. */
void run_record_audit(recorder *rec, const ble_audit_event *ev);

#endif
