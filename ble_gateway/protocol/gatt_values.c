/*
 * gatt_values.c — value codecs of the supporting services: Date Time (shared with CGMS
 * Session Start Time), Current Time (CTS 0x2A2B), Device Information strings, PnP ID and
 * System ID (DIS), Battery Level (BAS).
 *
 * Must never read past len or write past cap; ranges as the GATT Specification Supplement
 * states them (also BLEIDSSim app.py and NordicAndroid DateTimeDataCallback: year 1582 …
 * 9999 or 0, month/day 0 = unknown).
 */
#include <math.h>

#include "codec.h"
#include "gatt_values.h"

ble_result ble_date_time_check(const ble_date_time *dt)
{
	if (dt->year != 0 && (dt->year < 1582 || dt->year > 9999))
		return BLE_ERR_RANGE;
	if (dt->month > 12 || dt->day > 31 || dt->hours > 23 || dt->minutes > 59 ||
	    dt->seconds > 59)
		return BLE_ERR_RANGE;
	return BLE_OK;
}

ble_result codec_put_date_time(wire_writer *w, const ble_date_time *dt)
{
	ble_result r = ble_date_time_check(dt);
	if (r != BLE_OK)
		return r;
	wire_put_u16(w, dt->year);
	wire_put_u8(w, dt->month);
	wire_put_u8(w, dt->day);
	wire_put_u8(w, dt->hours);
	wire_put_u8(w, dt->minutes);
	wire_put_u8(w, dt->seconds);
	return BLE_OK;
}

ble_result codec_get_date_time(wire_reader *r, ble_date_time *out)
{
	ble_date_time dt;
	dt.year = wire_u16(r);
	dt.month = wire_u8(r);
	dt.day = wire_u8(r);
	dt.hours = wire_u8(r);
	dt.minutes = wire_u8(r);
	dt.seconds = wire_u8(r);
	if (r->bad)
		return BLE_ERR_LENGTH;
	ble_result res = ble_date_time_check(&dt);
	if (res == BLE_OK)
		*out = dt;
	return res;
}

ble_result cts_current_time_encode(const cts_current_time *t, uint8_t *buf, size_t cap, size_t *len)
{
	if (t->day_of_week > 7 || (t->adjust_reason & ~CTS_ADJUST_DEFINED))
		return BLE_ERR_RANGE;
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = codec_put_date_time(&w, &t->date_time);
	if (r != BLE_OK)
		return r;
	wire_put_u8(&w, t->day_of_week);
	wire_put_u8(&w, t->fractions256);
	wire_put_u8(&w, t->adjust_reason);
	return codec_finish(&w, len);
}

ble_result cts_current_time_decode(const uint8_t *buf, size_t len, cts_current_time *out)
{
	wire_reader r = wire_reader_init(buf, len);
	cts_current_time t = {0};
	ble_result res = codec_get_date_time(&r, &t.date_time);
	t.day_of_week = wire_u8(&r);
	t.fractions256 = wire_u8(&r);
	t.adjust_reason = wire_u8(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (res != BLE_OK)
		return res;
	if (t.day_of_week > 7)
		return BLE_ERR_RANGE;
	if (t.adjust_reason & ~CTS_ADJUST_DEFINED)
		return BLE_ERR_RESERVED;
	*out = t;
	return BLE_OK;
}

/* Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without NUL. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t extra;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			extra = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			extra = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i - 1 < extra)
			return false;
		for (size_t k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
		if (cp < min_cp[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += extra + 1;
	}
	return true;
}

ble_result dis_string_encode(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	if (!utf8_ok((const uint8_t *)s, n))
		return BLE_ERR_ARGUMENT;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_bytes(&w, (const uint8_t *)s, n);
	return codec_finish(&w, len);
}

ble_result dis_string_decode(const uint8_t *buf, size_t len, char *out, size_t cap)
{
	if (len > 0 && buf == NULL)
		return BLE_ERR_ARGUMENT;
	if (!utf8_ok(buf, len))
		return BLE_ERR_INVALID_CODE;
	if (cap == 0 || len > cap - 1)
		return BLE_ERR_NO_SPACE;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)buf[i];
	out[len] = '\0';
	return BLE_OK;
}

ble_result dis_pnp_id_encode(const dis_pnp_id *p, uint8_t *buf, size_t cap, size_t *len)
{
	if (p->vendor_id_source != 1 && p->vendor_id_source != 2)
		return BLE_ERR_INVALID_CODE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, p->vendor_id_source);
	wire_put_u16(&w, p->vendor_id);
	wire_put_u16(&w, p->product_id);
	wire_put_u16(&w, p->product_version);
	return codec_finish(&w, len);
}

ble_result dis_pnp_id_decode(const uint8_t *buf, size_t len, dis_pnp_id *out)
{
	wire_reader r = wire_reader_init(buf, len);
	dis_pnp_id p;
	p.vendor_id_source = wire_u8(&r);
	p.vendor_id = wire_u16(&r);
	p.product_id = wire_u16(&r);
	p.product_version = wire_u16(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (p.vendor_id_source != 1 && p.vendor_id_source != 2)
		return BLE_ERR_INVALID_CODE;
	*out = p;
	return BLE_OK;
}

ble_result dis_system_id_encode(uint64_t manufacturer_id, uint32_t oui, uint8_t *buf, size_t cap,
                                size_t *len)
{
	if (manufacturer_id >> 40 || oui >> 24)
		return BLE_ERR_RANGE;
	wire_writer w = wire_writer_init(buf, cap);
	for (int i = 0; i < 5; i++)
		wire_put_u8(&w, (uint8_t)((manufacturer_id >> (8 * i)) & 0xFF));
	wire_put_u24(&w, oui);
	return codec_finish(&w, len);
}

ble_result dis_system_id_decode(const uint8_t *buf, size_t len, uint64_t *manufacturer_id,
                                uint32_t *oui)
{
	wire_reader r = wire_reader_init(buf, len);
	uint64_t m = 0;
	for (int i = 0; i < 5; i++)
		m |= (uint64_t)wire_u8(&r) << (8 * i);
	uint32_t o = wire_u24(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	*manufacturer_id = m;
	*oui = o;
	return BLE_OK;
}

ble_result bas_level_encode(double pct, uint8_t *buf, size_t cap, size_t *len)
{
	if (!(pct >= 0.0 && pct <= 100.0))
		return BLE_ERR_RANGE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, (uint8_t)floor(pct));
	return codec_finish(&w, len);
}

ble_result bas_level_decode(const uint8_t *buf, size_t len, uint8_t *pct)
{
	wire_reader r = wire_reader_init(buf, len);
	uint8_t v = wire_u8(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (v > 100)
		return BLE_ERR_RANGE;
	*pct = v;
	return BLE_OK;
}
