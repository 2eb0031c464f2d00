/*
 * cgms.c — Continuous Glucose Monitoring Service (0x181F) values and control points (CGMS
 * 1.0.1): CGM Measurement, Feature, Status, Session Start/Run Time, Specific Ops CP and the
 * generic Record Access CP as CGMS uses it.
 *
 * Must never: emit an annunciation octet without its flag (NCS-CGMS's encoder does), put
 * Quality before Trend (ST-CGMS does), send the 0x03 interval response as uint16 (NCS
 * does), or accept a record whose Size does not match its flags exactly.
 *
 * Sources (ble_gateway/README.md "Sources"): GATT-XML cgm_measurement/cgm_feature (field
 * order, bit maps, type/location codes), NordicAndroid CGM callbacks (Size rule: 6 +
 * flagged fields [+ 2 CRC], one CRC per record, Feature CRC 0xFFFF when unsupported),
 * NCS-CGMS (SOCP opcodes, Session Start Time ranges), nRF5 ble_racp (RACP codes).
 * Annunciation octet order, where the sources disagree: reading A (Status, Cal/Temp,
 * Warning) behind CGMS_SSA_OCTET_ORDER (cgms.h) — NCS-CGMS and ABP; NordicAndroid and nRF5
 * use B.
 */
#include "cgms.h"
#include "codec.h"
#include "e2e.h"

/* ---------------------------------------------------------------------------------- */
/* Feature                                                                             */
/* ---------------------------------------------------------------------------------- */

static bool type_ok(uint8_t t)
{
	return t >= 1 && t <= 10;
}

static bool location_ok(uint8_t l)
{
	return (l >= 1 && l <= 5) || l == CGMS_LOCATION_NOT_AVAILABLE;
}

ble_result cgms_feature_encode(const cgms_feature *f, uint8_t *buf, size_t cap, size_t *len)
{
	if (f->features & ~(uint32_t)CGMS_FEAT_DEFINED_MASK)
		return BLE_ERR_ARGUMENT;
	if (!type_ok(f->type) || !location_ok(f->sample_location))
		return BLE_ERR_INVALID_CODE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u24(&w, f->features);
	wire_put_u8(&w, (uint8_t)(f->type | (f->sample_location << 4)));
	wire_put_u16(&w, 0xFFFF);
	ble_result r = codec_finish(&w, len);
	if (r == BLE_OK && (f->features & CGMS_FEAT_E2E_CRC)) {
		uint16_t crc = crc16_mcrf4xx(buf, 4);
		buf[4] = (uint8_t)(crc & 0xFF);
		buf[5] = (uint8_t)(crc >> 8);
	}
	return r;
}

ble_result cgms_feature_decode(const uint8_t *buf, size_t len, cgms_feature *out)
{
	wire_reader r = wire_reader_init(buf, len);
	cgms_feature f = {0};
	f.features = wire_u24(&r);
	uint8_t tl = wire_u8(&r);
	uint16_t crc = wire_u16(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (f.features & ~(uint32_t)CGMS_FEAT_DEFINED_MASK)
		return BLE_ERR_RESERVED;
	if (f.features & CGMS_FEAT_E2E_CRC) {
		if (crc16_mcrf4xx(buf, 4) != crc)
			return BLE_ERR_CRC;
	} else if (crc != 0xFFFF) {
		return BLE_ERR_RESERVED;
	}
	f.type = tl & 0x0F;
	f.sample_location = tl >> 4;
	if (!type_ok(f.type) || !location_ok(f.sample_location))
		return BLE_ERR_INVALID_CODE;
	*out = f;
	return BLE_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Sensor Status Annunciation octets                                                   */
/* ---------------------------------------------------------------------------------- */

enum { SSA_STATUS = 0, SSA_CALTEMP = 1, SSA_WARNING = 2 };

static const uint8_t ssa_octet_mask[3] = {0x3F, 0x3F, 0xFF};
static const uint8_t ssa_flag[3] = {CGMS_MEAS_STATUS_OCTET, CGMS_MEAS_CALTEMP_OCTET,
                                    CGMS_MEAS_WARNING_OCTET};

/* The octets in wire order inside a measurement record. */
static void ssa_wire_order(int order[3])
{
	if (CGMS_SSA_OCTET_ORDER == CGMS_SSA_ORDER_STATUS_FIRST) {
		order[0] = SSA_STATUS;
		order[1] = SSA_CALTEMP;
		order[2] = SSA_WARNING;
	} else {
		order[0] = SSA_WARNING;
		order[1] = SSA_CALTEMP;
		order[2] = SSA_STATUS;
	}
}

static uint8_t ssa_octet(uint32_t ssa, int which)
{
	return (uint8_t)((ssa >> (8 * which)) & 0xFF);
}

/* ---------------------------------------------------------------------------------- */
/* Measurement                                                                         */
/* ---------------------------------------------------------------------------------- */

ble_result cgms_measurement_encode(const cgms_measurement *m, bool crc, uint8_t *buf, size_t cap,
                                   size_t *len)
{
	if (m->ssa & ~(uint32_t)CGMS_SSA_DEFINED_MASK)
		return BLE_ERR_ARGUMENT;
	if (m->has_quality && !(m->quality_pct >= 0.0 && m->quality_pct <= 100.0))
		return BLE_ERR_RANGE;
	uint8_t flags = 0;
	size_t size = 6;
	if (m->has_trend) {
		flags |= CGMS_MEAS_TREND;
		size += 2;
	}
	if (m->has_quality) {
		flags |= CGMS_MEAS_QUALITY;
		size += 2;
	}
	for (int i = 0; i < 3; i++)
		if (ssa_octet(m->ssa, i)) {
			flags |= ssa_flag[i];
			size += 1;
		}
	if (crc)
		size += 2;

	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, (uint8_t)size);
	wire_put_u8(&w, flags);
	ble_result r = codec_put_sfloat(&w, m->glucose_mgdl, 0, SFLOAT_ROUND_NEAREST);
	wire_put_u16(&w, m->time_offset_min);
	int order[3];
	ssa_wire_order(order);
	for (int i = 0; i < 3; i++)
		if (flags & ssa_flag[order[i]])
			wire_put_u8(&w, ssa_octet(m->ssa, order[i]));
	if (r == BLE_OK && m->has_trend)
		r = codec_put_sfloat(&w, m->trend_mgdl_per_min, -2, SFLOAT_ROUND_NEAREST);
	if (r == BLE_OK && m->has_quality)
		r = codec_put_sfloat(&w, m->quality_pct, 0, SFLOAT_ROUND_NEAREST);
	if (r != BLE_OK)
		return r;
	r = codec_finish(&w, len);
	if (r == BLE_OK && crc)
		r = cgms_e2e_seal(buf, *len, cap, len);
	return r;
}

ble_result cgms_measurement_decode(const uint8_t *buf, size_t len, bool crc, cgms_measurement *out,
                                   size_t *consumed)
{
	if (len < 1)
		return BLE_ERR_LENGTH;
	size_t size = buf[0];
	if (size < 6 || size > len)
		return BLE_ERR_LENGTH;
	wire_reader r = wire_reader_init(buf, size);
	cgms_measurement m = {0};
	(void)wire_u8(&r);
	m.flags = wire_u8(&r);
	if (m.flags & ~CGMS_MEAS_DEFINED)
		return BLE_ERR_RESERVED;
	size_t expected = 6 + ((m.flags & CGMS_MEAS_TREND) ? 2 : 0) +
	                  ((m.flags & CGMS_MEAS_QUALITY) ? 2 : 0) +
	                  ((m.flags & CGMS_MEAS_WARNING_OCTET) ? 1 : 0) +
	                  ((m.flags & CGMS_MEAS_CALTEMP_OCTET) ? 1 : 0) +
	                  ((m.flags & CGMS_MEAS_STATUS_OCTET) ? 1 : 0) + (crc ? 2 : 0);
	if (size != expected)
		return BLE_ERR_LENGTH;
	if (crc && crc16_mcrf4xx(buf, size - 2) != (uint16_t)(buf[size - 2] | (buf[size - 1] << 8)))
		return BLE_ERR_CRC;
	ble_result res = codec_get_sfloat(&r, &m.glucose_mgdl);
	m.time_offset_min = wire_u16(&r);
	int order[3];
	ssa_wire_order(order);
	for (int i = 0; i < 3; i++) {
		int which = order[i];
		if (!(m.flags & ssa_flag[which]))
			continue;
		uint8_t octet = wire_u8(&r);
		if (octet & ~ssa_octet_mask[which])
			return BLE_ERR_RESERVED;
		m.ssa |= (uint32_t)octet << (8 * which);
	}
	if (res == BLE_OK && (m.flags & CGMS_MEAS_TREND)) {
		m.has_trend = true;
		res = codec_get_sfloat(&r, &m.trend_mgdl_per_min);
	}
	if (res == BLE_OK && (m.flags & CGMS_MEAS_QUALITY)) {
		m.has_quality = true;
		res = codec_get_sfloat(&r, &m.quality_pct);
	}
	if (res != BLE_OK)
		return res;
	*out = m;
	*consumed = size;
	return BLE_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Status, Session Start Time, Session Run Time                                        */
/* ---------------------------------------------------------------------------------- */

/* Strip and check an optional CRC tail on a value the peer sent; a PDU too short to hold
 * `min_payload` and the CRC is a length error, not a CRC error. */
static ble_result crc_payload(const uint8_t *buf, size_t len, bool crc, size_t min_payload,
                              size_t *payload)
{
	if (!crc) {
		*payload = len;
		return BLE_OK;
	}
	switch (cgms_e2e_check(buf, len, min_payload, payload)) {
	case E2E_OK:
		return BLE_OK;
	case E2E_MISSING_CRC:
		return BLE_ERR_LENGTH;
	default:
		return BLE_ERR_CRC;
	}
}

static ble_result seal(ble_result r, bool crc, uint8_t *buf, size_t cap, size_t *len)
{
	if (r == BLE_OK && crc)
		r = cgms_e2e_seal(buf, *len, cap, len);
	return r;
}

ble_result cgms_status_encode(const cgms_status *s, bool crc, uint8_t *buf, size_t cap, size_t *len)
{
	if (s->ssa & ~(uint32_t)CGMS_SSA_DEFINED_MASK)
		return BLE_ERR_ARGUMENT;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, s->time_offset_min);
	wire_put_u24(&w, s->ssa);
	return seal(codec_finish(&w, len), crc, buf, cap, len);
}

ble_result cgms_status_decode(const uint8_t *buf, size_t len, bool crc, cgms_status *out)
{
	size_t n = 0;
	ble_result res = crc_payload(buf, len, crc, 5, &n);
	if (res != BLE_OK)
		return res;
	wire_reader r = wire_reader_init(buf, n);
	cgms_status s;
	s.time_offset_min = wire_u16(&r);
	s.ssa = wire_u24(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (s.ssa & ~(uint32_t)CGMS_SSA_DEFINED_MASK)
		return BLE_ERR_RESERVED;
	*out = s;
	return BLE_OK;
}

static bool time_zone_ok(int8_t tz)
{
	return (tz >= -48 && tz <= 56) || tz == -128;
}

static bool dst_ok(uint8_t dst)
{
	return dst == 0 || dst == 2 || dst == 4 || dst == 8 || dst == 255;
}

ble_result cgms_session_start_time_encode(const cgms_session_start_time *t, bool crc, uint8_t *buf,
                                          size_t cap, size_t *len)
{
	if (!time_zone_ok(t->time_zone) || !dst_ok(t->dst_offset))
		return BLE_ERR_RANGE;
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = codec_put_date_time(&w, &t->date_time);
	if (r != BLE_OK)
		return r;
	wire_put_u8(&w, (uint8_t)t->time_zone);
	wire_put_u8(&w, t->dst_offset);
	return seal(codec_finish(&w, len), crc, buf, cap, len);
}

ble_result cgms_session_start_time_decode(const uint8_t *buf, size_t len, bool crc,
                                          cgms_session_start_time *out)
{
	size_t n = 0;
	ble_result res = crc_payload(buf, len, crc, 9, &n);
	if (res != BLE_OK)
		return res;
	wire_reader r = wire_reader_init(buf, n);
	cgms_session_start_time t = {0};
	res = codec_get_date_time(&r, &t.date_time);
	t.time_zone = (int8_t)wire_u8(&r);
	t.dst_offset = wire_u8(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (res != BLE_OK)
		return res;
	if (!time_zone_ok(t.time_zone) || !dst_ok(t.dst_offset))
		return BLE_ERR_RANGE;
	*out = t;
	return BLE_OK;
}

ble_result cgms_session_run_time_encode(uint16_t hours, bool crc, uint8_t *buf, size_t cap,
                                        size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, hours);
	return seal(codec_finish(&w, len), crc, buf, cap, len);
}

ble_result cgms_session_run_time_decode(const uint8_t *buf, size_t len, bool crc, uint16_t *hours)
{
	size_t n = 0;
	ble_result res = crc_payload(buf, len, crc, 2, &n);
	if (res != BLE_OK)
		return res;
	wire_reader r = wire_reader_init(buf, n);
	uint16_t h = wire_u16(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	*hours = h;
	return BLE_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Specific Ops Control Point                                                          */
/* ---------------------------------------------------------------------------------- */

enum { CAL_STATUS_DEFINED = 0x07 };

static bool is_alert_set(uint8_t op)
{
	return op == CGMS_SOCP_SET_PATIENT_HIGH || op == CGMS_SOCP_SET_PATIENT_LOW ||
	       op == CGMS_SOCP_SET_HYPO || op == CGMS_SOCP_SET_HYPER ||
	       op == CGMS_SOCP_SET_RATE_DECREASE || op == CGMS_SOCP_SET_RATE_INCREASE;
}

static bool is_alert_get(uint8_t op)
{
	return op == CGMS_SOCP_GET_PATIENT_HIGH || op == CGMS_SOCP_GET_PATIENT_LOW ||
	       op == CGMS_SOCP_GET_HYPO || op == CGMS_SOCP_GET_HYPER ||
	       op == CGMS_SOCP_GET_RATE_DECREASE || op == CGMS_SOCP_GET_RATE_INCREASE;
}

static bool is_alert_response(uint8_t op)
{
	return op == CGMS_SOCP_PATIENT_HIGH_RESPONSE || op == CGMS_SOCP_PATIENT_LOW_RESPONSE ||
	       op == CGMS_SOCP_HYPO_RESPONSE || op == CGMS_SOCP_HYPER_RESPONSE ||
	       op == CGMS_SOCP_RATE_DECREASE_RESPONSE || op == CGMS_SOCP_RATE_INCREASE_RESPONSE;
}

static bool is_rate(uint8_t op)
{
	return op == CGMS_SOCP_SET_RATE_DECREASE || op == CGMS_SOCP_SET_RATE_INCREASE;
}

/* Sensor glucose the CGM can measure, and plausible rates of change (mg/dL, mg/dL/min). */
enum { CGMS_GLUCOSE_MIN_MGDL = 20, CGMS_GLUCOSE_MAX_MGDL = 600, CGMS_RATE_MAX = 20 };

static cgms_socp_rc calibration_decode(wire_reader *r, cgms_calibration *c)
{
	uint16_t conc = wire_u16(r);
	c->time_min = wire_u16(r);
	uint8_t tl = wire_u8(r);
	c->next_time_min = wire_u16(r);
	c->record_number = wire_u16(r);
	c->status = wire_u8(r);
	if (!wire_done(r))
		return CGMS_RC_INVALID_OPERAND;
	c->type = tl & 0x0F;
	c->sample_location = tl >> 4;
	if (!type_ok(c->type) || !location_ok(c->sample_location) ||
	    (c->status & ~CAL_STATUS_DEFINED))
		return CGMS_RC_INVALID_OPERAND;
	if (sfloat_to_double(conc, &c->glucose_mgdl) != IEEE11073_NUMBER)
		return CGMS_RC_INVALID_OPERAND;
	if (c->glucose_mgdl < CGMS_GLUCOSE_MIN_MGDL || c->glucose_mgdl > CGMS_GLUCOSE_MAX_MGDL)
		return CGMS_RC_PARAMETER_OUT_OF_RANGE;
	return CGMS_RC_SUCCESS;
}

cgms_socp_rc cgms_socp_request_decode(const uint8_t *buf, size_t len, cgms_socp_request *out)
{
	*out = (cgms_socp_request){0};
	wire_reader r = wire_reader_init(buf, len);
	out->opcode = wire_u8(&r);
	if (r.bad)
		return CGMS_RC_OPCODE_NOT_SUPPORTED;
	uint8_t op = out->opcode;
	if (op == CGMS_SOCP_SET_COMM_INTERVAL) {
		out->u.interval_min = wire_u8(&r);
		return wire_done(&r) ? CGMS_RC_SUCCESS : CGMS_RC_INVALID_OPERAND;
	}
	if (op == CGMS_SOCP_SET_CALIBRATION)
		return calibration_decode(&r, &out->u.calibration);
	if (op == CGMS_SOCP_GET_CALIBRATION) {
		out->u.record_number = wire_u16(&r);
		return wire_done(&r) ? CGMS_RC_SUCCESS : CGMS_RC_INVALID_OPERAND;
	}
	if (is_alert_set(op)) {
		uint16_t raw = wire_u16(&r);
		if (!wire_done(&r))
			return CGMS_RC_INVALID_OPERAND;
		if (sfloat_to_double(raw, &out->u.level) != IEEE11073_NUMBER)
			return CGMS_RC_INVALID_OPERAND;
		double v = out->u.level;
		bool ok = is_rate(op) ? (v > 0.0 && v <= CGMS_RATE_MAX)
		                      : (v >= CGMS_GLUCOSE_MIN_MGDL && v <= CGMS_GLUCOSE_MAX_MGDL);
		return ok ? CGMS_RC_SUCCESS : CGMS_RC_PARAMETER_OUT_OF_RANGE;
	}
	if (op == CGMS_SOCP_GET_COMM_INTERVAL || is_alert_get(op) ||
	    op == CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT || op == CGMS_SOCP_START_SESSION ||
	    op == CGMS_SOCP_STOP_SESSION)
		return wire_done(&r) ? CGMS_RC_SUCCESS : CGMS_RC_INVALID_OPERAND;
	return CGMS_RC_OPCODE_NOT_SUPPORTED; /* responses and unknown opcodes */
}

static ble_result calibration_encode(wire_writer *w, const cgms_calibration *c)
{
	if (!type_ok(c->type) || !location_ok(c->sample_location) ||
	    (c->status & ~CAL_STATUS_DEFINED))
		return BLE_ERR_ARGUMENT;
	ble_result r = codec_put_sfloat(w, c->glucose_mgdl, 0, SFLOAT_ROUND_NEAREST);
	wire_put_u16(w, c->time_min);
	wire_put_u8(w, (uint8_t)(c->type | (c->sample_location << 4)));
	wire_put_u16(w, c->next_time_min);
	wire_put_u16(w, c->record_number);
	wire_put_u8(w, c->status);
	return r;
}

ble_result cgms_socp_request_encode(const cgms_socp_request *q, uint8_t *buf, size_t cap,
                                    size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = BLE_OK;
	uint8_t op = q->opcode;
	wire_put_u8(&w, op);
	if (op == CGMS_SOCP_SET_COMM_INTERVAL)
		wire_put_u8(&w, q->u.interval_min);
	else if (op == CGMS_SOCP_SET_CALIBRATION)
		r = calibration_encode(&w, &q->u.calibration);
	else if (op == CGMS_SOCP_GET_CALIBRATION)
		wire_put_u16(&w, q->u.record_number);
	else if (is_alert_set(op))
		r = codec_put_sfloat(&w, q->u.level, is_rate(op) ? -2 : 0, SFLOAT_EXACT_ONLY);
	else if (!(op == CGMS_SOCP_GET_COMM_INTERVAL || is_alert_get(op) ||
	           op == CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT || op == CGMS_SOCP_START_SESSION ||
	           op == CGMS_SOCP_STOP_SESSION))
		return BLE_ERR_INVALID_CODE;
	if (r != BLE_OK)
		return r;
	return codec_finish(&w, len);
}

ble_result cgms_socp_response_encode(const cgms_socp_response *s, bool crc, uint8_t *buf,
                                     size_t cap, size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = BLE_OK;
	wire_put_u8(&w, s->opcode);
	if (s->opcode == CGMS_SOCP_RESPONSE_CODE) {
		if (s->u.response_code.code < CGMS_RC_SUCCESS ||
		    s->u.response_code.code > CGMS_RC_PARAMETER_OUT_OF_RANGE)
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, s->u.response_code.request_opcode);
		wire_put_u8(&w, s->u.response_code.code);
	} else if (s->opcode == CGMS_SOCP_COMM_INTERVAL_RESPONSE) {
		wire_put_u8(&w, s->u.interval_min);
	} else if (s->opcode == CGMS_SOCP_CALIBRATION_RESPONSE) {
		r = calibration_encode(&w, &s->u.calibration);
	} else if (is_alert_response(s->opcode)) {
		bool rate = s->opcode == CGMS_SOCP_RATE_DECREASE_RESPONSE ||
		            s->opcode == CGMS_SOCP_RATE_INCREASE_RESPONSE;
		r = codec_put_sfloat(&w, s->u.level, rate ? -2 : 0, SFLOAT_ROUND_NEAREST);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	if (r != BLE_OK)
		return r;
	return seal(codec_finish(&w, len), crc, buf, cap, len);
}

ble_result cgms_socp_response_decode(const uint8_t *buf, size_t len, bool crc,
                                     cgms_socp_response *out)
{
	size_t n = 0;
	ble_result res = crc_payload(buf, len, crc, 2, &n);
	if (res != BLE_OK)
		return res;
	wire_reader r = wire_reader_init(buf, n);
	cgms_socp_response s = {0};
	s.opcode = wire_u8(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	if (s.opcode == CGMS_SOCP_RESPONSE_CODE) {
		s.u.response_code.request_opcode = wire_u8(&r);
		s.u.response_code.code = wire_u8(&r);
		if (wire_done(&r) && (s.u.response_code.code < CGMS_RC_SUCCESS ||
		                      s.u.response_code.code > CGMS_RC_PARAMETER_OUT_OF_RANGE))
			return BLE_ERR_INVALID_CODE;
	} else if (s.opcode == CGMS_SOCP_COMM_INTERVAL_RESPONSE) {
		s.u.interval_min = wire_u8(&r);
	} else if (s.opcode == CGMS_SOCP_CALIBRATION_RESPONSE) {
		cgms_calibration *c = &s.u.calibration;
		res = codec_get_sfloat(&r, &c->glucose_mgdl);
		c->time_min = wire_u16(&r);
		uint8_t tl = wire_u8(&r);
		c->type = tl & 0x0F;
		c->sample_location = tl >> 4;
		c->next_time_min = wire_u16(&r);
		c->record_number = wire_u16(&r);
		c->status = wire_u8(&r);
		if (wire_done(&r) && (!type_ok(c->type) || !location_ok(c->sample_location)))
			return BLE_ERR_INVALID_CODE;
		if (c->status & ~CAL_STATUS_DEFINED)
			return BLE_ERR_RESERVED;
	} else if (is_alert_response(s.opcode)) {
		res = codec_get_sfloat(&r, &s.u.level);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (res != BLE_OK)
		return res;
	*out = s;
	return BLE_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Record Access Control Point (generic values)                                        */
/* ---------------------------------------------------------------------------------- */

racp_rc cgms_racp_request_decode(const uint8_t *buf, size_t len, cgms_racp_request *out)
{
	*out = (cgms_racp_request){0};
	wire_reader r = wire_reader_init(buf, len);
	out->opcode = wire_u8(&r);
	if (r.bad)
		return RACP_RC_OPCODE_NOT_SUPPORTED;
	switch (out->opcode) {
	case RACP_REPORT_STORED_RECORDS:
	case RACP_DELETE_STORED_RECORDS:
	case RACP_REPORT_NUMBER:
	case RACP_ABORT:
		break;
	default:
		return RACP_RC_OPCODE_NOT_SUPPORTED;
	}
	out->op = wire_u8(&r);
	if (r.bad)
		return RACP_RC_INVALID_OPERATOR;
	if (out->opcode == RACP_ABORT) {
		if (out->op != RACP_OP_NULL)
			return RACP_RC_INVALID_OPERATOR;
		return wire_done(&r) ? RACP_RC_SUCCESS : RACP_RC_INVALID_OPERAND;
	}
	if (out->op == RACP_OP_NULL || out->op > RACP_OP_LAST)
		return RACP_RC_INVALID_OPERATOR;
	if (out->op == RACP_OP_ALL || out->op == RACP_OP_FIRST || out->op == RACP_OP_LAST)
		return wire_done(&r) ? RACP_RC_SUCCESS : RACP_RC_INVALID_OPERAND;
	out->filter = wire_u8(&r);
	if (r.bad)
		return RACP_RC_INVALID_OPERAND;
	if (out->filter == CGMS_RACP_FILTER_USER_FACING_TIME)
		return RACP_RC_OPERAND_NOT_SUPPORTED;
	if (out->filter != CGMS_RACP_FILTER_TIME_OFFSET)
		return RACP_RC_INVALID_OPERAND;
	if (out->op == RACP_OP_LESS_OR_EQUAL) {
		out->max_offset_min = wire_u16(&r);
	} else if (out->op == RACP_OP_GREATER_OR_EQUAL) {
		out->min_offset_min = wire_u16(&r);
		out->max_offset_min = UINT16_MAX;
	} else {
		out->min_offset_min = wire_u16(&r);
		out->max_offset_min = wire_u16(&r);
	}
	if (!wire_done(&r) || out->min_offset_min > out->max_offset_min)
		return RACP_RC_INVALID_OPERAND;
	return RACP_RC_SUCCESS;
}

ble_result cgms_racp_request_encode(const cgms_racp_request *q, uint8_t *buf, size_t cap,
                                    size_t *len)
{
	if (q->opcode < RACP_REPORT_STORED_RECORDS || q->opcode > RACP_REPORT_NUMBER ||
	    q->op > RACP_OP_LAST)
		return BLE_ERR_INVALID_CODE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, q->opcode);
	wire_put_u8(&w, q->op);
	switch (q->op) {
	case RACP_OP_LESS_OR_EQUAL:
		wire_put_u8(&w, q->filter);
		wire_put_u16(&w, q->max_offset_min);
		break;
	case RACP_OP_GREATER_OR_EQUAL:
		wire_put_u8(&w, q->filter);
		wire_put_u16(&w, q->min_offset_min);
		break;
	case RACP_OP_WITHIN_RANGE:
		wire_put_u8(&w, q->filter);
		wire_put_u16(&w, q->min_offset_min);
		wire_put_u16(&w, q->max_offset_min);
		break;
	default:
		break;
	}
	return codec_finish(&w, len);
}

ble_result cgms_racp_response_encode(const cgms_racp_response *s, uint8_t *buf, size_t cap,
                                     size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, s->opcode);
	wire_put_u8(&w, RACP_OP_NULL);
	if (s->opcode == RACP_RESPONSE_CODE) {
		if (s->code < RACP_RC_SUCCESS || s->code > RACP_RC_OPERAND_NOT_SUPPORTED)
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, s->request_opcode);
		wire_put_u8(&w, s->code);
	} else if (s->opcode == RACP_NUMBER_RESPONSE) {
		wire_put_u16(&w, s->count);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	return codec_finish(&w, len);
}

ble_result cgms_racp_response_decode(const uint8_t *buf, size_t len, cgms_racp_response *out)
{
	wire_reader r = wire_reader_init(buf, len);
	cgms_racp_response s = {0};
	s.opcode = wire_u8(&r);
	uint8_t op = wire_u8(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	if (op != RACP_OP_NULL)
		return BLE_ERR_INVALID_CODE;
	if (s.opcode == RACP_RESPONSE_CODE) {
		s.request_opcode = wire_u8(&r);
		s.code = wire_u8(&r);
	} else if (s.opcode == RACP_NUMBER_RESPONSE) {
		s.count = wire_u16(&r);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (s.opcode == RACP_RESPONSE_CODE &&
	    (s.code < RACP_RC_SUCCESS || s.code > RACP_RC_OPERAND_NOT_SUPPORTED))
		return BLE_ERR_INVALID_CODE;
	*out = s;
	return BLE_OK;
}
