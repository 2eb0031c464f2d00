/*
 * fault_spec — one fault injected on purpose, as words: `KIND [key=value …]`, e.g.
 * `occlusion missed=2`, `drop_notifications nth=3 for=10m`, `delay ms=800`,
 * `time_jump by=-60`. The same words in a scenario (`fault: "drop_notifications nth=3"`)
 * and on the command line (`fakepump ctl fault drop_notifications nth=3`): one parser, so
 * that both say the same thing (docs/qa-guide.md "Faults").
 *
 * A KIND is a pump fault (pump_model.h pump_fault: what the pump suffers) or a fault shown
 * to the phone (ble_fault.h: the radio and the protocol). Must never: accept a value out
 * of range or a key the kind does not take (the error names it).
 */
#ifndef FAKEPUMP_FAULT_SPEC_H
#define FAKEPUMP_FAULT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_fault.h"
#include "pump_model.h"

typedef struct fault_spec {
	bool is_ble;     /* a fault shown to the phone (ble), else the pump's */
	pump_fault pump; /* !is_ble */
	double value;    /* !is_ble: missed= (U), drain= (%/h), count= (a burst); NaN: none */
	ble_fault ble;   /* is_ble: kind, nth, delay_ms, by; until_min left 0 */
	int64_t for_min; /* is_ble: for= (simulated minutes); 0: until cleared / once */
	bool clear;      /* "clear [KIND]": end the phone faults of KIND (or all) */
	bool clear_all;  /* clear without a KIND */
} fault_spec;

/*
 * Parse words[0 … n) into *out. False with err[cap] set ("drop_notifications: nth must be
 * 2 … 1000, got 1") on a bad kind, key or value.
 */
bool fault_spec_parse(const char *const *words, size_t n, fault_spec *out, char *err, size_t cap);
/* The same from one string of words separated by spaces. */
bool fault_spec_parse_text(const char *text, fault_spec *out, char *err, size_t cap);

/* Every kind's name, pump faults first, for help texts and suggestions; NULL at the end. */
const char *fault_spec_kind_name(size_t i);

#endif
