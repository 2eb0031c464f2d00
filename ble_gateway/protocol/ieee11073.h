/*
 * ble_gateway/protocol/ieee11073.h — the IEEE 11073-20601 SFLOAT (16-bit) and FLOAT
 * (32-bit) numbers every IDS and CGMS amount travels in: split a raw value, convert it,
 * encode a number with the fewest decimal places.
 *
 * Must never: turn a special (NaN, NRes, ±INF, reserved) into a number, round an amount
 * up when told to round down (insulin), or send a finite value too large as INF.
 *
 * Follows IEEE 11073-20601, the SFLOAT-Type and FLOAT-Type (value = mantissa · 10^exponent;
 * the specials are exact raw values); FakePump's reading of the specials and of the
 * resolutions it encodes with: docs/ble.md "Wire formats".
 */
#ifndef FAKEPUMP_BLE_IEEE11073_H
#define FAKEPUMP_BLE_IEEE11073_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"

enum {
	SFLOAT_NAN = 0x07FF,
	SFLOAT_NRES = 0x0800,
	SFLOAT_POS_INF = 0x07FE,
	SFLOAT_NEG_INF = 0x0802,
	SFLOAT_RESERVED = 0x0801,
	SFLOAT_MANTISSA_MAX = 2045, /* largest |mantissa| at exponent 0 (2046/2047: specials) */
	SFLOAT_EXPONENT_MIN = -8,
	SFLOAT_EXPONENT_MAX = 7,
};

#define FLOAT11073_NAN 0x007FFFFFu
#define FLOAT11073_NRES 0x00800000u
#define FLOAT11073_POS_INF 0x007FFFFEu
#define FLOAT11073_NEG_INF 0x00800002u
#define FLOAT11073_RESERVED 0x00800001u

/* What a raw SFLOAT/FLOAT holds. Only NUMBER carries a value. */
typedef enum ieee11073_kind {
	IEEE11073_NUMBER = 0,
	IEEE11073_NAN,
	IEEE11073_NRES,
	IEEE11073_POS_INF,
	IEEE11073_NEG_INF,
	IEEE11073_RESERVED,
} ieee11073_kind;

const char *ieee11073_kind_name(ieee11073_kind k);

/* Split a raw SFLOAT: value = mantissa · 10^exponent when the result is NUMBER. Specials
 * are the five exact raw values above (exponent 0); with any other exponent the same
 * mantissa bits are an ordinary number, as IEEE 11073-20601 defines them, and the encoder
 * uses them (20.47 = 2047·10^-2). */
ieee11073_kind sfloat_unpack(uint16_t raw, int32_t *mantissa, int *exponent);
/* As a double: NaN for NaN/NRes/reserved, ±INFINITY for ±INF. Returns the kind. */
ieee11073_kind sfloat_to_double(uint16_t raw, double *out);
/* The value in units of 10^scale_exp, truncated toward zero; *exact says whether nothing
 * was cut. Returns the kind (NUMBER only when *out is meaningful). E.g. scale_exp -2 gives
 * hundredths: 0xD07D (125·10^-3) is 12, not exact. Never overflows for scale_exp >= -10. */
ieee11073_kind sfloat_to_scaled(uint16_t raw, int scale_exp, int64_t *out, bool *exact);

typedef enum sfloat_rounding {
	SFLOAT_EXACT_ONLY = 0, /* refuse (BLE_ERR_PRECISION) unless exact */
	SFLOAT_ROUND_DOWN,     /* toward zero: never report more insulin than there is */
	SFLOAT_ROUND_NEAREST,  /* half away from zero: measurements */
} sfloat_rounding;

/*
 * Encode `value`. Picks the exact encoding with the fewest decimal places, trying exponents
 * 0, -1, … down to `min_exponent` (the resolution, e.g. -2 for 0.01 U); a positive exponent
 * only when the mantissa would not fit (12000 → 1200·10^1). When no exact encoding exists
 * the value is rounded at the finest exponent whose mantissa fits, as `rounding` says
 * (BLE_ERR_PRECISION with SFLOAT_EXACT_ONLY). *rounded (may be NULL) tells whether it was.
 * NaN and ±INFINITY encode as the specials; a finite value too large in magnitude is
 * BLE_ERR_RANGE (it is never sent as INF).
 */
ble_result sfloat_encode(double value, int min_exponent, sfloat_rounding rounding, uint16_t *out,
                         bool *rounded);

/* FLOAT (8-bit exponent, 24-bit mantissa), same contracts. */
ieee11073_kind float11073_unpack(uint32_t raw, int32_t *mantissa, int *exponent);
ieee11073_kind float11073_to_double(uint32_t raw, double *out);
ble_result float11073_encode(double value, int min_exponent, sfloat_rounding rounding,
                             uint32_t *out, bool *rounded);

#endif
