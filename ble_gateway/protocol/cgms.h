/*
 * ble_gateway/protocol/cgms.h — the Continuous Glucose Monitoring Service (0x181F): CGM
 * Feature, Measurement, Status, Session Start and Run Time, the CGM Specific Ops Control
 * Point and the Record Access Control Point as CGMS uses it. `crc` appends or expects the
 * E2E-CRC (CGM Feature b12).
 *
 * Must never: read past `len`, write past `cap`, accept a reserved bit, a nibble code not
 * defined or a wrong CRC, send a special value where a number is required.
 *
 * Follows CGMS 1.0.1 and the generic Record Access Control Point of the GATT Specification
 * Supplement.
 */
#ifndef FAKEPUMP_BLE_CGMS_H
#define FAKEPUMP_BLE_CGMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"
#include "gatt_values.h"

/* CGM Feature bits (24 bit). */
enum {
	CGMS_FEAT_CALIBRATION = 1u << 0,
	CGMS_FEAT_PATIENT_HIGH_LOW_ALERTS = 1u << 1,
	CGMS_FEAT_HYPO_ALERTS = 1u << 2,
	CGMS_FEAT_HYPER_ALERTS = 1u << 3,
	CGMS_FEAT_RATE_ALERTS = 1u << 4,
	CGMS_FEAT_DEVICE_SPECIFIC_ALERT = 1u << 5,
	CGMS_FEAT_SENSOR_MALFUNCTION = 1u << 6,
	CGMS_FEAT_TEMPERATURE_HIGH_LOW = 1u << 7,
	CGMS_FEAT_RESULT_HIGH_LOW = 1u << 8,
	CGMS_FEAT_LOW_BATTERY = 1u << 9,
	CGMS_FEAT_SENSOR_TYPE_ERROR = 1u << 10,
	CGMS_FEAT_GENERAL_DEVICE_FAULT = 1u << 11,
	CGMS_FEAT_E2E_CRC = 1u << 12,
	CGMS_FEAT_MULTIPLE_BOND = 1u << 13,
	CGMS_FEAT_MULTIPLE_SESSIONS = 1u << 14,
	CGMS_FEAT_TREND = 1u << 15,
	CGMS_FEAT_QUALITY = 1u << 16,
	CGMS_FEAT_DEFINED_MASK = 0x01FFFFu,
};

enum {
	CGMS_TYPE_CAPILLARY_WHOLE_BLOOD = 1,
	CGMS_TYPE_INTERSTITIAL_FLUID = 9,
	CGMS_TYPE_CONTROL_SOLUTION = 10,
	CGMS_LOCATION_FINGER = 1,
	CGMS_LOCATION_SUBCUTANEOUS = 5,
	CGMS_LOCATION_NOT_AVAILABLE = 15,
};

typedef struct cgms_feature {
	uint32_t features;       /* CGMS_FEAT_* */
	uint8_t type;            /* low nibble: 1 … 10 */
	uint8_t sample_location; /* high nibble: 1 … 5, or 15 not available */
} cgms_feature;

/* Always 6 octets: the CRC field is mandatory, 0xFFFF when b12 = 0. */
ble_result cgms_feature_encode(const cgms_feature *f, uint8_t *buf, size_t cap, size_t *len);
ble_result cgms_feature_decode(const uint8_t *buf, size_t len, cgms_feature *out);

/* Sensor Status Annunciation: 24-bit view, Status = bits 0–7, Cal/Temp = 8–15,
 * Warning = 16–23 (as in CGM Status, least significant octet first). */
enum {
	CGMS_SSA_SESSION_STOPPED = 1u << 0,
	CGMS_SSA_DEVICE_BATTERY_LOW = 1u << 1,
	CGMS_SSA_SENSOR_TYPE_INCORRECT = 1u << 2,
	CGMS_SSA_SENSOR_MALFUNCTION = 1u << 3,
	CGMS_SSA_DEVICE_SPECIFIC_ALERT = 1u << 4,
	CGMS_SSA_GENERAL_DEVICE_FAULT = 1u << 5,
	CGMS_SSA_TIME_SYNC_REQUIRED = 1u << 8,
	CGMS_SSA_CALIBRATION_NOT_ALLOWED = 1u << 9,
	CGMS_SSA_CALIBRATION_RECOMMENDED = 1u << 10,
	CGMS_SSA_CALIBRATION_REQUIRED = 1u << 11,
	CGMS_SSA_TEMPERATURE_TOO_HIGH = 1u << 12,
	CGMS_SSA_TEMPERATURE_TOO_LOW = 1u << 13,
	CGMS_SSA_BELOW_PATIENT_LOW = 1u << 16,
	CGMS_SSA_ABOVE_PATIENT_HIGH = 1u << 17,
	CGMS_SSA_BELOW_HYPO = 1u << 18,
	CGMS_SSA_ABOVE_HYPER = 1u << 19,
	CGMS_SSA_RATE_DECREASE_EXCEEDED = 1u << 20,
	CGMS_SSA_RATE_INCREASE_EXCEEDED = 1u << 21,
	CGMS_SSA_BELOW_DEVICE_RANGE = 1u << 22,
	CGMS_SSA_ABOVE_DEVICE_RANGE = 1u << 23,
	CGMS_SSA_DEFINED_MASK = 0xFF3F3Fu,
};

/* Measurement flag bits. */
enum {
	CGMS_MEAS_TREND = 1u << 0,
	CGMS_MEAS_QUALITY = 1u << 1,
	CGMS_MEAS_WARNING_OCTET = 1u << 5,
	CGMS_MEAS_CALTEMP_OCTET = 1u << 6,
	CGMS_MEAS_STATUS_OCTET = 1u << 7,
	CGMS_MEAS_DEFINED = 0xE3u,
};

/*
 * Order of the annunciation octets inside a CGM Measurement record: reading A — Status,
 * Cal/Temp, Warning (least significant first, as in CGM Status), as Nordic's nRF Connect SDK
 * CGMS server sends them; Nordic's older nRF5 SDK and its Android parser put Warning first
 * (reading B). One constant; docs/ble.md "Wire formats" says why.
 */
typedef enum cgms_ssa_order {
	CGMS_SSA_ORDER_STATUS_FIRST = 0,  /* reading A */
	CGMS_SSA_ORDER_WARNING_FIRST = 1, /* reading B */
} cgms_ssa_order;
#define CGMS_SSA_OCTET_ORDER CGMS_SSA_ORDER_STATUS_FIRST

typedef struct cgms_measurement {
	uint8_t flags;       /* CGMS_MEAS_*: derived by the encoder from what is present */
	double glucose_mgdl; /* SFLOAT; NaN/±INF from the specials */
	uint16_t time_offset_min;
	uint32_t ssa; /* CGMS_SSA_* bits; an octet is sent iff it is non-zero */
	bool has_trend;
	double trend_mgdl_per_min;
	bool has_quality;
	double quality_pct;
} cgms_measurement;

/* One record; `crc` appends/expects the E2E-CRC (CGM Feature b12). The encoder rounds
 * glucose to whole mg/dL, trend to 0.01, quality to whole % (nearest). */
ble_result cgms_measurement_encode(const cgms_measurement *m, bool crc, uint8_t *buf, size_t cap,
                                   size_t *len);
/* Decode the record at the start of buf (several may be packed in one notification); the
 * Size field must match the flags exactly (+2 with crc) and the CRC must be right.
 * *consumed = Size. */
ble_result cgms_measurement_decode(const uint8_t *buf, size_t len, bool crc, cgms_measurement *out,
                                   size_t *consumed);

typedef struct cgms_status {
	uint16_t time_offset_min;
	uint32_t ssa; /* 3 octets: Status, Cal/Temp, Warning */
} cgms_status;

ble_result cgms_status_encode(const cgms_status *s, bool crc, uint8_t *buf, size_t cap,
                              size_t *len);
ble_result cgms_status_decode(const uint8_t *buf, size_t len, bool crc, cgms_status *out);

/* Session Start Time: Date Time, Time Zone sint8 (15 min: -48 … 56, -128 unknown), DST
 * offset (0, 2, 4, 8, 255 unknown), [E2E-CRC]. Decoding a collector's write is strict. */
typedef struct cgms_session_start_time {
	ble_date_time date_time;
	int8_t time_zone;
	uint8_t dst_offset;
} cgms_session_start_time;

ble_result cgms_session_start_time_encode(const cgms_session_start_time *t, bool crc, uint8_t *buf,
                                          size_t cap, size_t *len);
ble_result cgms_session_start_time_decode(const uint8_t *buf, size_t len, bool crc,
                                          cgms_session_start_time *out);

ble_result cgms_session_run_time_encode(uint16_t hours, bool crc, uint8_t *buf, size_t cap,
                                        size_t *len);
ble_result cgms_session_run_time_decode(const uint8_t *buf, size_t len, bool crc, uint16_t *hours);

/* CGM Specific Ops Control Point. */
typedef enum cgms_socp_opcode {
	CGMS_SOCP_SET_COMM_INTERVAL = 0x01,
	CGMS_SOCP_GET_COMM_INTERVAL = 0x02,
	CGMS_SOCP_COMM_INTERVAL_RESPONSE = 0x03,
	CGMS_SOCP_SET_CALIBRATION = 0x04,
	CGMS_SOCP_GET_CALIBRATION = 0x05,
	CGMS_SOCP_CALIBRATION_RESPONSE = 0x06,
	CGMS_SOCP_SET_PATIENT_HIGH = 0x07,
	CGMS_SOCP_GET_PATIENT_HIGH = 0x08,
	CGMS_SOCP_PATIENT_HIGH_RESPONSE = 0x09,
	CGMS_SOCP_SET_PATIENT_LOW = 0x0A,
	CGMS_SOCP_GET_PATIENT_LOW = 0x0B,
	CGMS_SOCP_PATIENT_LOW_RESPONSE = 0x0C,
	CGMS_SOCP_SET_HYPO = 0x0D,
	CGMS_SOCP_GET_HYPO = 0x0E,
	CGMS_SOCP_HYPO_RESPONSE = 0x0F,
	CGMS_SOCP_SET_HYPER = 0x10,
	CGMS_SOCP_GET_HYPER = 0x11,
	CGMS_SOCP_HYPER_RESPONSE = 0x12,
	CGMS_SOCP_SET_RATE_DECREASE = 0x13,
	CGMS_SOCP_GET_RATE_DECREASE = 0x14,
	CGMS_SOCP_RATE_DECREASE_RESPONSE = 0x15,
	CGMS_SOCP_SET_RATE_INCREASE = 0x16,
	CGMS_SOCP_GET_RATE_INCREASE = 0x17,
	CGMS_SOCP_RATE_INCREASE_RESPONSE = 0x18,
	CGMS_SOCP_RESET_DEVICE_SPECIFIC_ALERT = 0x19,
	CGMS_SOCP_START_SESSION = 0x1A,
	CGMS_SOCP_STOP_SESSION = 0x1B,
	CGMS_SOCP_RESPONSE_CODE = 0x1C,
} cgms_socp_opcode;

typedef enum cgms_socp_rc {
	CGMS_RC_SUCCESS = 0x01,
	CGMS_RC_OPCODE_NOT_SUPPORTED = 0x02,
	CGMS_RC_INVALID_OPERAND = 0x03,
	CGMS_RC_PROCEDURE_NOT_COMPLETED = 0x04,
	CGMS_RC_PARAMETER_OUT_OF_RANGE = 0x05,
} cgms_socp_rc;

typedef struct cgms_calibration {
	double glucose_mgdl;     /* SFLOAT */
	uint16_t time_min;       /* calibration time, minutes (time offset) */
	uint8_t type;            /* low nibble */
	uint8_t sample_location; /* high nibble */
	uint16_t next_time_min;
	uint16_t record_number;
	uint8_t status; /* b0 rejected, b1 out of range, b2 process pending; b3–7 RFU */
} cgms_calibration;

typedef struct cgms_socp_request {
	uint8_t opcode;
	union {
		uint8_t interval_min;         /* SET_COMM_INTERVAL: 0 off, 255 fastest */
		cgms_calibration calibration; /* SET_CALIBRATION */
		uint16_t record_number;       /* GET_CALIBRATION (0xFFFF = last) */
		double level;                 /* SET_* alert levels: mg/dL or mg/dL/min */
	} u;
} cgms_socp_request;

/* E2E-CRC already checked and removed (cgms_e2e_check). Returns CGMS_RC_SUCCESS or the
 * code: 0x02 unknown/response opcode or empty PDU, 0x03 wrong length, special values,
 * reserved bits or nibble codes, 0x05 numbers out of range (glucose levels outside
 * 20 … 600 mg/dL, rates of change outside (0, 20] mg/dL/min). */
cgms_socp_rc cgms_socp_request_decode(const uint8_t *buf, size_t len, cgms_socp_request *out);
ble_result cgms_socp_request_encode(const cgms_socp_request *r, uint8_t *buf, size_t cap,
                                    size_t *len);

typedef struct cgms_socp_response {
	uint8_t opcode;
	union {
		struct {
			uint8_t request_opcode;
			uint8_t code; /* cgms_socp_rc */
		} response_code;
		uint8_t interval_min;
		cgms_calibration calibration;
		double level;
	} u;
} cgms_socp_response;

/* `crc`: append/expect the E2E-CRC. */
ble_result cgms_socp_response_encode(const cgms_socp_response *r, bool crc, uint8_t *buf,
                                     size_t cap, size_t *len);
ble_result cgms_socp_response_decode(const uint8_t *buf, size_t len, bool crc,
                                     cgms_socp_response *out);

/* Generic Record Access Control Point (0x2A52) as CGMS uses it. */
typedef enum racp_opcode {
	RACP_REPORT_STORED_RECORDS = 1,
	RACP_DELETE_STORED_RECORDS = 2,
	RACP_ABORT = 3,
	RACP_REPORT_NUMBER = 4,
	RACP_NUMBER_RESPONSE = 5,
	RACP_RESPONSE_CODE = 6,
} racp_opcode;

typedef enum racp_operator {
	RACP_OP_NULL = 0,
	RACP_OP_ALL = 1,
	RACP_OP_LESS_OR_EQUAL = 2,
	RACP_OP_GREATER_OR_EQUAL = 3,
	RACP_OP_WITHIN_RANGE = 4,
	RACP_OP_FIRST = 5,
	RACP_OP_LAST = 6,
} racp_operator;

typedef enum racp_rc {
	RACP_RC_SUCCESS = 1,
	RACP_RC_OPCODE_NOT_SUPPORTED = 2,
	RACP_RC_INVALID_OPERATOR = 3,
	RACP_RC_OPERATOR_NOT_SUPPORTED = 4,
	RACP_RC_INVALID_OPERAND = 5,
	RACP_RC_NO_RECORDS_FOUND = 6,
	RACP_RC_ABORT_UNSUCCESSFUL = 7,
	RACP_RC_PROCEDURE_NOT_COMPLETED = 8,
	RACP_RC_OPERAND_NOT_SUPPORTED = 9,
} racp_rc;

enum { CGMS_RACP_FILTER_TIME_OFFSET = 1, CGMS_RACP_FILTER_USER_FACING_TIME = 2 };

typedef struct cgms_racp_request {
	uint8_t opcode; /* racp_opcode */
	uint8_t op;     /* racp_operator */
	uint8_t filter; /* CGMS_RACP_FILTER_TIME_OFFSET for <=, >=, range */
	uint16_t min_offset_min;
	uint16_t max_offset_min;
} cgms_racp_request;

/* Returns RACP_RC_SUCCESS or: 2 unknown/response opcode, 3 operator not defined or not
 * allowed with the opcode, 4 valid operator this server does not support (none today),
 * 5 malformed operand (length, range min > max), 9 filter type User Facing Time. */
racp_rc cgms_racp_request_decode(const uint8_t *buf, size_t len, cgms_racp_request *out);
ble_result cgms_racp_request_encode(const cgms_racp_request *r, uint8_t *buf, size_t cap,
                                    size_t *len);

typedef struct cgms_racp_response {
	uint8_t opcode; /* RACP_RESPONSE_CODE or RACP_NUMBER_RESPONSE */
	uint8_t request_opcode;
	uint8_t code; /* racp_rc */
	uint16_t count;
} cgms_racp_response;

ble_result cgms_racp_response_encode(const cgms_racp_response *r, uint8_t *buf, size_t cap,
                                     size_t *len);
ble_result cgms_racp_response_decode(const uint8_t *buf, size_t len, cgms_racp_response *out);

#endif
