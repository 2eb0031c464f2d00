/*
 * report_threats — see report_threats.h. The table is the catalogue as this project plays
 * it (scenarios/attacks/); docs/threats.md explains every row and why its STRIDE category.
 */
#include "report_threats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

static const report_threat threats[] = {
    {"replay", "R1, R5", "a captured command sent again, bit for bit", "Spoofing",
     "E2E counter and the duplicate check (L2)"},
    {"tamper", "I1", "a captured command with one bit changed", "Tampering",
     "E2E CRC and counter (L3)"},
    {"raw", "I2, I3, I4, I11", "raw bytes: short, long, junk tails, read-only attributes",
     "Tampering", "strict decoding of every PDU (L3)"},
    {"stale_counter", "R2", "a valid command with an old E2E counter", "Spoofing",
     "E2E counter never moves back (L2)"},
    {"wrong_counter", "R2", "a valid command with a counter ahead", "Spoofing",
     "E2E counter checked exactly (L2)"},
    {"out_of_range", "I8, T1", "a bolus far above every limit", "Elevation of privilege",
     "the pump's own hard limits (L4)"},
    {"special_value", "I9", "a bolus of NaN, infinity or a reserved SFLOAT", "Tampering",
     "strict decoding: specials never reach the pump (L3)"},
    {"flood", "V1", "a thousand writes within a minute", "Denial of service",
     "per-link rate limit and the duplicate check (L5, L2)"},
    {"flood_unpaired", "V1, V3, V7", "an unpaired central reading at full rate",
     "Denial of service", "availability budgets of unpaired centrals (L5)"},
    {"subscription_storm", "V2", "CGM notifications toggled a thousand times", "Denial of service",
     "bounded subscription changes (L5)"},
    {"just_works", "A3", "a phone paired without the passkey (Just Works) commands", "Spoofing",
     "LE Secure Connections with MITM protection only (L1)"},
    {"unencrypted", "A1, A2, P1", "a phone on a plain link commands and reads", "Spoofing",
     "encryption and authentication on every IDS/CGMS attribute (L1, L7)"},
    {"serial", "P5", "the serial number read without pairing", "Information disclosure",
     "the serial number is readable after pairing only (L7)"},
    {"history", "L6", "the history flooded so that doses fall out of it", "Repudiation",
     "history housekeeping budget: doses stay in the record (L6)"},
    {"stale_cgm", "T8", "a closed loop doses on glucose the pump no longer sees", "Tampering",
     "AP temp basals refused on stale CGM and kept short (T8)"},
    {"authority", "T4, T6, T7", "the phone undoes what the person or the pump decided",
     "Elevation of privilege",
     "authority: the person outranks the pump, which outranks a phone (L4, L9)"},
    {"limits", "T1, T3, T5", "commands the pump's own rules refuse", "Elevation of privilege",
     "hard limits and delivery rules held on the pump (L4)"},
};

static bool has(const char *s, const char *part)
{
	return s && strstr(s, part);
}

static const report_threat *threat(const char *key)
{
	for (size_t i = 0; i < sizeof threats / sizeof threats[0]; i++)
		if (strcmp(threats[i].key, key) == 0)
			return &threats[i];
	return NULL;
}

const report_threat *report_threat_of(const report_run *r)
{
	bool history = false, serial = false, just_works = false, plain = false, stale = false,
	     authority = false, limits = false;
	const char *attack = NULL, *attack_security = NULL;
	for (size_t i = 0; i < r->audit_count; i++) {
		const report_audit *a = &r->audit[i];
		if (strcmp(a->type, "ble_attack") == 0 && !attack) {
			attack = a->result;
			attack_security = a->security;
		}
		history |= strcmp(a->type, "ble_phone") == 0 && has(a->result, "history");
		serial |= has(a->name, "Serial Number");
		just_works |= has(a->security, "Just Works");
		plain |= has(a->security, "unencrypted");
		stale |= has(a->result, "AP controller") || has(a->detail, "AP controller");
		if (strcmp(a->type, "command") == 0 && a->result) {
			authority |= strcmp(a->result, "needs_person") == 0 ||
			             strcmp(a->result, "limit_above_pump") == 0 ||
			             strcmp(a->result, "not_running") == 0 ||
			             strcmp(a->result, "occlusion") == 0;
			limits |= strcmp(a->result, "ok") != 0;
		}
	}
	if (history && attack)
		return threat("history");
	if (attack && strcmp(attack, "flood") == 0 && has(attack_security, "unencrypted"))
		return threat("flood_unpaired");
	if (attack && threat(attack))
		return threat(attack);
	if (serial)
		return threat("serial");
	if (stale)
		return threat("stale_cgm");
	if (just_works)
		return threat("just_works");
	if (plain)
		return threat("unencrypted");
	if (authority)
		return threat("authority");
	if (limits)
		return threat("limits");
	return NULL;
}

const char *report_threat_stem(const char *name, char *buf, size_t cap)
{
	static const char *const suffixes[] = {"-legacy-vulnerable", "-hardened"};
	snprintf(buf, cap, "%s", name ? name : "");
	const size_t n = strlen(buf);
	for (size_t i = 0; i < 2; i++) {
		const size_t s = strlen(suffixes[i]);
		if (n > s && strcmp(buf + n - s, suffixes[i]) == 0) {
			buf[n - s] = '\0';
			break;
		}
	}
	return buf;
}

bool report_is_legacy(const report_run *r)
{
	if (r->security_profile)
		return strcmp(r->security_profile, "legacy-vulnerable") == 0;
	return has(r->name, "legacy-vulnerable");
}

const char *report_outcome_name(report_outcome o)
{
	static const char *const names[] = {"refused", "contained", "harm", "exposed"};
	return (unsigned)o < 4 ? names[o] : "?";
}

/* The refusals of a run in words, each reason once with every request it stands for:
 * "e2e: invalid counter ×4, the pump: bolus_active ×2997". */
static void refusals(const report_run *r, char *buf, size_t cap)
{
	enum { REASONS = 12 };
	const char *reason[REASONS];
	bool pump[REASONS];
	unsigned long count[REASONS];
	size_t n = 0;
	for (size_t i = 0; i < r->audit_count; i++) {
		const report_audit *a = &r->audit[i];
		const bool command = strcmp(a->type, "command") == 0;
		const bool refused = strcmp(a->type, "ble_refused") == 0 ||
		                     (command && a->result && strcmp(a->result, "ok") != 0);
		if (!refused || !a->result)
			continue;
		size_t k = 0;
		while (k < n && !(pump[k] == command && strcmp(reason[k], a->result) == 0))
			k++;
		if (k == n) {
			if (n == REASONS)
				continue;
			reason[n] = a->result;
			pump[n] = command;
			count[n++] = 0;
		}
		count[k] += a->count;
	}
	size_t used = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < n && used < cap; k++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s%s ×%lu", used ? ", " : "",
		                         pump[k] ? "the pump: " : "", reason[k], count[k]);
}

static double insulin_of(const report_run *r)
{
	return r->summary.present ? r->summary.insulin_u : NAN;
}

report_outcome report_outcome_of(const report_run *r, const report_run *twin, char *buf, size_t cap)
{
	char refused[600], at[CLOCK_TEXT_MAX] = "?";
	refusals(r, refused, sizeof refused);
	if (!isnan(r->lowest_bg_mgdl))
		clock_format(r->lowest_bg_min + r->start_min_of_day, at, sizeof at);
	const double extra = twin ? insulin_of(r) - insulin_of(twin) : NAN;
	const double lower = twin ? twin->lowest_bg_mgdl - r->lowest_bg_mgdl : NAN;
	char clinical[400];
	snprintf(clinical, sizeof clinical,
	         "lowest true glucose %.0f mg/dL at %s; %lld min below 70 mg/dL (level 1 "
	         "hypoglycaemia or worse), %lld min below 54 mg/dL (level 2)",
	         r->lowest_bg_mgdl + 0.0 /* never "-0" */, at, (long long)r->minutes_below_70,
	         (long long)r->minutes_below_54);
	const bool legacy = report_is_legacy(r);
	if ((isfinite(extra) && extra > 0.05) || (isfinite(lower) && lower > 5.0) ||
	    (!twin && legacy && r->minutes_below_54 > 0)) {
		snprintf(buf, cap, "%s%.2f U of insulin the patient did not ask for%s; %s.%s%s",
		         isfinite(extra) ? "+" : "", isfinite(extra) ? extra : insulin_of(r),
		         twin ? " (more than the hardened twin delivered)" : " delivered in all",
		         clinical, refused[0] ? " Refused on the way: " : "", refused);
		return REPORT_HARM;
	}
	if (!legacy) {
		snprintf(buf, cap, "Refused on the way: %s. Therapy as without the attack: %s.",
		         refused[0] ? refused : "nothing hostile reached the pump", clinical);
		return REPORT_REFUSED;
	}
	if (refused[0]) {
		snprintf(buf, cap,
		         "The weak link let it through, but the pump's own limits and "
		         "rules held (%s); no insulin beyond the hardened twin's; %s.",
		         refused, clinical);
		return REPORT_CONTAINED;
	}
	snprintf(buf, cap,
	         "Accepted without a refusal, with no effect on therapy (no insulin "
	         "beyond the hardened twin's; %s) — the cost is in privacy, the battery or the "
	         "record, not in glucose.",
	         clinical);
	return REPORT_EXPOSED;
}
