/*
 * codec.h — helpers shared by the ble_gateway codecs (private). Nothing here allocates or
 * reads past a length; see wire.h for the byte-level readers and writers.
 */
#ifndef FAKEPUMP_BLE_CODEC_H
#define FAKEPUMP_BLE_CODEC_H

#include "ble_result.h"
#include "gatt_values.h"
#include "ieee11073.h"
#include "wire.h"

/* Turn a writer's outcome into the encoder's result. */
static inline ble_result codec_finish(const wire_writer *w, size_t *len)
{
	if (w->bad)
		return BLE_ERR_NO_SPACE;
	*len = w->len;
	return BLE_OK;
}

/* 10^e as a double: exact for |e| <= 22. */
double codec_pow10(int e);

/* Decode an SFLOAT a peer sent as a reported value: NUMBER → value, NaN/NRes → NaN,
 * ±INF → ±INFINITY; the reserved value is refused (BLE_ERR_RESERVED). */
ble_result codec_sfloat_value(uint16_t raw, double *out);
ble_result codec_float_value(uint32_t raw, double *out);
/* Read the next SFLOAT and decode it as codec_sfloat_value does. */
static inline ble_result codec_get_sfloat(wire_reader *r, double *out)
{
	return codec_sfloat_value(wire_u16(r), out);
}

/* Encode a value we report (never a special unless `value` is one). */
ble_result codec_put_sfloat(wire_writer *w, double value, int min_exponent,
                            sfloat_rounding rounding);

/* Encode a Date Time (7 octets), checked. */
ble_result codec_put_date_time(wire_writer *w, const ble_date_time *dt);
/* Read a Date Time and check its ranges. */
ble_result codec_get_date_time(wire_reader *r, ble_date_time *out);

/* Bolus Type, Fast and Extended Amounts (SFLOAT, 0.01 U) and Duration: the body of Set
 * Bolus and of the bolus templates, in the Command CP's requests and responses alike. */
ble_result codec_put_bolus_body(wire_writer *w, uint8_t type, double fast_u, double ext_u,
                                uint16_t duration_min, sfloat_rounding rounding);

#endif
