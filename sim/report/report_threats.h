/*
 * report_threats — which hostile-phone case a run exercises, and what it tells a
 * regulator: the catalogue rows (docs/threats.md, after the security cases the project
 * builds against), the STRIDE category (Shostack, "Threat Modeling: Designing for
 * Security", 2014) and the control the pump demonstrates; then, for a run on the
 * legacy-vulnerable profile next to its hardened twin, the harm in clinical terms or the
 * limit that contained it.
 *
 * Pure: reads report_run values only (the evidence is the run's audit: the attacks it
 * played, the links' security, what was refused and why), so a user's own scenario is
 * classified as the library's are.
 */
#ifndef FAKEPUMP_REPORT_THREATS_H
#define FAKEPUMP_REPORT_THREATS_H

#include <stdbool.h>
#include <stddef.h>

#include "report_model.h"

typedef struct report_threat {
	const char *key;     /* "replay", "tamper", … */
	const char *rows;    /* catalogue rows: "R1, R2, R5" */
	const char *title;   /* what the phone does */
	const char *stride;  /* "Spoofing", "Tampering", "Repudiation", "Information
	                        disclosure", "Denial of service", "Elevation of privilege" */
	const char *control; /* the control and the requirement it meets */
} report_threat;

/* The case a run exercises; NULL when it has no attack, no refusal and no phone on a
 * weaker link (an ordinary run). */
const report_threat *report_threat_of(const report_run *r);

/* The name without its profile suffix ("replay" for "replay-legacy-vulnerable"), in buf. */
const char *report_threat_stem(const char *name, char *buf, size_t cap);

/* True when the run ran on the legacy-vulnerable profile (settings, else its name). */
bool report_is_legacy(const report_run *r);

typedef enum report_outcome {
	REPORT_REFUSED = 0, /* everything hostile refused; therapy as without the attack */
	REPORT_CONTAINED,   /* got through the link, but the pump's own limits held */
	REPORT_HARM,        /* insulin the patient did not ask for, or glucose lower */
	REPORT_EXPOSED,     /* no therapy effect, but something was read or spent */
} report_outcome;

/* "refused", "contained", "harm", "exposed". */
const char *report_outcome_name(report_outcome o);

/*
 * The outcome of a run against `twin` (its other profile, NULL if none) and a sentence
 * in clinical terms into buf: insulin beyond the twin's, the lowest true glucose and
 * when, minutes below 70 and 54 mg/dL (level 1 and 2 hypoglycaemia), and what refused or
 * contained it.
 */
report_outcome report_outcome_of(const report_run *r, const report_run *twin, char *buf,
                                 size_t cap);

#endif
