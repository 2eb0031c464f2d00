/*
 * ieee11073.c — IEEE 11073-20601 SFLOAT (16 bit: 4-bit exponent, 12-bit mantissa) and FLOAT
 * (32 bit: 8-bit exponent, 24-bit mantissa), both two's complement, value = m · 10^e.
 *
 * Must never turn a special (NaN, NRes, ±INF, reserved) into a number, nor silently round
 * an amount up. Specials are the exact raw values with exponent 0 (IEEE 11073-20601 §F.8;
 * the same five values in BLEIDSSim `shortfloat.py`, RW-CGMP and NordicAndroid `Data.java`).
 * The encoder never writes a number onto a special's bits: at exponent 0 it keeps the
 * mantissa within ±2045 (resp. ±(2^23 - 3)), as BLEIDSSim caps at 0x07FD; at any other
 * exponent the full two's complement range is a number.
 */
#include <math.h>

#include "codec.h"
#include "ieee11073.h"

static const double pow10_table[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

double codec_pow10(int e)
{
	if (e >= 0 && e <= 22)
		return pow10_table[e];
	if (e < 0 && e >= -22)
		return 1.0 / pow10_table[-e];
	return pow(10.0, e);
}

/* m · 10^e computed so that decimal values come out as the nearest double (0.01, not
 * 0.010000000000000002): divide by an exact power of ten rather than multiply by 10^-k. */
static double scale_value(double m, int e)
{
	if (e >= 0)
		return m * codec_pow10(e);
	if (e >= -22)
		return m / pow10_table[-e];
	return m * pow(10.0, e);
}

const char *ieee11073_kind_name(ieee11073_kind k)
{
	switch (k) {
	case IEEE11073_NUMBER:
		return "number";
	case IEEE11073_NAN:
		return "NaN";
	case IEEE11073_NRES:
		return "NRes";
	case IEEE11073_POS_INF:
		return "+INF";
	case IEEE11073_NEG_INF:
		return "-INF";
	case IEEE11073_RESERVED:
		return "reserved";
	}
	return "?";
}

ieee11073_kind sfloat_unpack(uint16_t raw, int32_t *mantissa, int *exponent)
{
	switch (raw) {
	case SFLOAT_NAN:
		return IEEE11073_NAN;
	case SFLOAT_NRES:
		return IEEE11073_NRES;
	case SFLOAT_POS_INF:
		return IEEE11073_POS_INF;
	case SFLOAT_NEG_INF:
		return IEEE11073_NEG_INF;
	case SFLOAT_RESERVED:
		return IEEE11073_RESERVED;
	default:
		break;
	}
	int e = (raw >> 12) & 0x0F;
	int32_t m = raw & 0x0FFF;
	if (e >= 8)
		e -= 16;
	if (m >= 0x0800)
		m -= 0x1000;
	*mantissa = m;
	*exponent = e;
	return IEEE11073_NUMBER;
}

static ieee11073_kind special_to_double(ieee11073_kind k, double *out)
{
	switch (k) {
	case IEEE11073_POS_INF:
		*out = INFINITY;
		break;
	case IEEE11073_NEG_INF:
		*out = -INFINITY;
		break;
	default:
		*out = NAN;
		break;
	}
	return k;
}

ieee11073_kind sfloat_to_double(uint16_t raw, double *out)
{
	int32_t m = 0;
	int e = 0;
	ieee11073_kind k = sfloat_unpack(raw, &m, &e);
	if (k != IEEE11073_NUMBER)
		return special_to_double(k, out);
	*out = scale_value((double)m, e);
	return k;
}

ieee11073_kind sfloat_to_scaled(uint16_t raw, int scale_exp, int64_t *out, bool *exact)
{
	int32_t m = 0;
	int e = 0;
	ieee11073_kind k = sfloat_unpack(raw, &m, &e);
	if (k != IEEE11073_NUMBER)
		return k;
	if (scale_exp < -10)
		scale_exp = -10; /* documented bound: keeps every product inside int64 */
	int shift = e - scale_exp;
	int64_t v = m;
	bool ok = true;
	if (shift >= 0) {
		for (int i = 0; i < shift; i++)
			v *= 10;
	} else {
		int64_t div = 1;
		for (int i = 0; i < -shift && div <= INT64_MAX / 10; i++)
			div *= 10;
		ok = (v % div) == 0;
		v /= div; /* C division truncates toward zero */
	}
	*out = v;
	*exact = ok;
	return k;
}

/* s equals the integer r up to binary floating-point noise (1.15 · 100 = 114.99999999999999):
 * a relative 1e-12, far above double rounding (2e-16) and far below any decimal step. */
static bool near_integer(double s, double r)
{
	double scale = fabs(s) > 1.0 ? fabs(s) : 1.0;
	return fabs(s - r) <= 1e-12 * scale;
}

/* Whether mantissa r (an integer-valued double) can be sent with exponent e: within the
 * two's complement range, and not one of the five specials, which exist at exponent 0 only
 * (m_max is 2047 for SFLOAT, 2^23 - 1 for FLOAT; the specials are m_max, m_max - 1 and
 * -(m_max + 1) … -(m_max - 1)). */
static bool mantissa_fits(double r, int e, int64_t m_max)
{
	if (r > (double)m_max || r < -(double)m_max - 1.0)
		return false;
	if (e == 0 && (r >= (double)(m_max - 1) || r <= -(double)(m_max - 1)))
		return false;
	return true;
}

/*
 * The shared encoder. Finds the finest exponent (>= min_exp) whose rounded mantissa fits,
 * then the exact encoding with the fewest decimal places (exponent 0 first, then -1 …,
 * positive exponents only if nothing finer fits); else rounds at the finest fitting
 * exponent.
 */
static ble_result encode_generic(double value, int min_exp, sfloat_rounding rounding, int64_t m_max,
                                 int e_lo, int e_hi, int64_t *m_out, int *e_out, bool *rounded)
{
	if (rounded)
		*rounded = false;
	if (min_exp < e_lo)
		min_exp = e_lo;
	if (min_exp > e_hi)
		return BLE_ERR_ARGUMENT;
	if (value == 0.0) {
		*m_out = 0;
		*e_out = 0;
		return BLE_OK;
	}

	/* The finest exponent at which the mantissa (rounded as asked) fits. */
	int e_fit = min_exp;
	for (;; e_fit++) {
		if (e_fit > e_hi)
			return BLE_ERR_RANGE;
		double s = scale_value(value, -e_fit);
		double r = rounding == SFLOAT_ROUND_DOWN ? trunc(s) : round(s);
		if (rounding == SFLOAT_ROUND_DOWN && near_integer(s, round(s)))
			r = round(s);
		if (mantissa_fits(r, e_fit, m_max))
			break;
	}

	/* Exact candidates, fewest decimal places first. */
	int start = e_fit <= 0 ? 0 : e_fit;
	for (int e = start; e >= e_fit; e--) {
		double s = scale_value(value, -e);
		double r = round(s);
		if (mantissa_fits(r, e, m_max) && near_integer(s, r)) {
			*m_out = (int64_t)r;
			*e_out = e;
			return BLE_OK;
		}
	}
	if (e_fit > 0) {
		for (int e = e_fit + 1; e <= e_hi; e++) {
			double s = scale_value(value, -e);
			double r = round(s);
			if (mantissa_fits(r, e, m_max) && near_integer(s, r)) {
				*m_out = (int64_t)r;
				*e_out = e;
				return BLE_OK;
			}
		}
	}

	if (rounding == SFLOAT_EXACT_ONLY)
		return BLE_ERR_PRECISION;
	double s = scale_value(value, -e_fit);
	double r = rounding == SFLOAT_ROUND_DOWN ? trunc(s) : round(s);
	*m_out = (int64_t)r;
	*e_out = e_fit;
	if (rounded)
		*rounded = true;
	return BLE_OK;
}

ble_result sfloat_encode(double value, int min_exponent, sfloat_rounding rounding, uint16_t *out,
                         bool *rounded)
{
	if (rounded)
		*rounded = false;
	if (isnan(value)) {
		*out = SFLOAT_NAN;
		return BLE_OK;
	}
	if (isinf(value)) {
		*out = value > 0 ? SFLOAT_POS_INF : SFLOAT_NEG_INF;
		return BLE_OK;
	}
	int64_t m = 0;
	int e = 0;
	ble_result r = encode_generic(value, min_exponent, rounding, 2047, SFLOAT_EXPONENT_MIN,
	                              SFLOAT_EXPONENT_MAX, &m, &e, rounded);
	if (r != BLE_OK)
		return r;
	*out = (uint16_t)((((unsigned)e & 0x0F) << 12) | ((uint32_t)m & 0x0FFF));
	return BLE_OK;
}

ieee11073_kind float11073_unpack(uint32_t raw, int32_t *mantissa, int *exponent)
{
	switch (raw) {
	case FLOAT11073_NAN:
		return IEEE11073_NAN;
	case FLOAT11073_NRES:
		return IEEE11073_NRES;
	case FLOAT11073_POS_INF:
		return IEEE11073_POS_INF;
	case FLOAT11073_NEG_INF:
		return IEEE11073_NEG_INF;
	case FLOAT11073_RESERVED:
		return IEEE11073_RESERVED;
	default:
		break;
	}
	int e = (int)((raw >> 24) & 0xFF);
	int32_t m = (int32_t)(raw & 0x00FFFFFF);
	if (e >= 128)
		e -= 256;
	if (m >= 0x00800000)
		m -= 0x01000000;
	*mantissa = m;
	*exponent = e;
	return IEEE11073_NUMBER;
}

ieee11073_kind float11073_to_double(uint32_t raw, double *out)
{
	int32_t m = 0;
	int e = 0;
	ieee11073_kind k = float11073_unpack(raw, &m, &e);
	if (k != IEEE11073_NUMBER)
		return special_to_double(k, out);
	*out = scale_value((double)m, e);
	return k;
}

ble_result float11073_encode(double value, int min_exponent, sfloat_rounding rounding,
                             uint32_t *out, bool *rounded)
{
	if (rounded)
		*rounded = false;
	if (isnan(value)) {
		*out = FLOAT11073_NAN;
		return BLE_OK;
	}
	if (isinf(value)) {
		*out = value > 0 ? FLOAT11073_POS_INF : FLOAT11073_NEG_INF;
		return BLE_OK;
	}
	int64_t m = 0;
	int e = 0;
	ble_result r =
	    encode_generic(value, min_exponent, rounding, 0x007FFFFF, -128, 127, &m, &e, rounded);
	if (r != BLE_OK)
		return r;
	*out = (((uint32_t)e & 0xFF) << 24) | ((uint32_t)m & 0x00FFFFFF);
	return BLE_OK;
}

ble_result codec_sfloat_value(uint16_t raw, double *out)
{
	if (sfloat_to_double(raw, out) == IEEE11073_RESERVED)
		return BLE_ERR_RESERVED;
	return BLE_OK;
}

ble_result codec_float_value(uint32_t raw, double *out)
{
	if (float11073_to_double(raw, out) == IEEE11073_RESERVED)
		return BLE_ERR_RESERVED;
	return BLE_OK;
}

ble_result codec_put_sfloat(wire_writer *w, double value, int min_exponent,
                            sfloat_rounding rounding)
{
	uint16_t raw = 0;
	ble_result r = sfloat_encode(value, min_exponent, rounding, &raw, NULL);
	if (r != BLE_OK)
		return r;
	wire_put_u16(w, raw);
	return BLE_OK;
}
