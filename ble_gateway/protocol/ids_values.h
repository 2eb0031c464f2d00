/*
 * ble_gateway/protocol/ids_values.h — the IDS characteristic values a collector reads or is
 * indicated (IDD Status Changed, IDD Status, IDD Annunciation Status, IDD Features, IDD
 * History Data), and the server profile that says what FakePump supports (it drives IDD
 * Features and what the control-point decoders accept).
 *
 * Must never: read past `len`, write past `cap`, accept a reserved bit or a code word not in
 * its table, truncate an encoding. The E2E tail is not these codecs' business (e2e.h), except
 * IDD Features, which carries its own leading CRC.
 *
 * Follows IDS 1.0.1, the characteristics of the Insulin Delivery Service.
 */
#ifndef FAKEPUMP_BLE_IDS_VALUES_H
#define FAKEPUMP_BLE_IDS_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble_result.h"

/* IDD Features flag bits (24 bit). */
enum {
	IDS_FEAT_E2E = 1u << 0,
	IDS_FEAT_BASAL_RATE = 1u << 1,
	IDS_FEAT_TBR_ABSOLUTE = 1u << 2,
	IDS_FEAT_TBR_RELATIVE = 1u << 3,
	IDS_FEAT_TBR_TEMPLATE = 1u << 4,
	IDS_FEAT_FAST_BOLUS = 1u << 5,
	IDS_FEAT_EXTENDED_BOLUS = 1u << 6,
	IDS_FEAT_MULTIWAVE_BOLUS = 1u << 7,
	IDS_FEAT_BOLUS_DELAY = 1u << 8,
	IDS_FEAT_BOLUS_TEMPLATE = 1u << 9,
	IDS_FEAT_BOLUS_ACTIVATION_TYPE = 1u << 10,
	IDS_FEAT_MULTIPLE_BOND = 1u << 11,
	IDS_FEAT_ISF_TEMPLATE = 1u << 12,
	IDS_FEAT_I2CHO_TEMPLATE = 1u << 13,
	IDS_FEAT_TARGET_GLUCOSE_TEMPLATE = 1u << 14,
	IDS_FEAT_INSULIN_ON_BOARD = 1u << 15,
	IDS_FEAT_EXTENSION = 1u << 23,
	IDS_FEAT_DEFINED_MASK = 0x80FFFFu, /* b16–b22 RFU */
};

/* Template kinds that own a number range (IDS template numbers are unique across kinds). */
typedef enum ids_template_kind {
	IDS_TK_BASAL = 0,
	IDS_TK_TBR,
	IDS_TK_BOLUS,
	IDS_TK_ISF,
	IDS_TK_I2CHO,
	IDS_TK_TARGET_GLUCOSE,
	IDS_TK_COUNT,
} ids_template_kind;

typedef struct ids_template_range {
	uint8_t first; /* 1 … 255; 0 with count 0 = none */
	uint8_t count;
} ids_template_range;

typedef struct ids_server_profile {
	uint32_t features;                      /* IDS_FEAT_* (24 bit) */
	double insulin_concentration_iu_per_ml; /* e.g. 100 */
	ids_template_range templates[IDS_TK_COUNT];
	uint8_t max_time_blocks;         /* per profile template */
	uint16_t max_bolus_duration_min; /* extended / multiwave part */
	uint16_t max_bolus_delay_min;
	uint16_t max_tbr_duration_min;
	uint16_t max_tbr_relative_pct;        /* e.g. 250 */
	uint16_t max_time_block_duration_min; /* 1440 */
} ids_server_profile;

/* FakePump's defaults: E2E on; basal; TBR absolute + relative; fast, extended, multiwave
 * bolus; IOB; one basal template (number 1, 24 time blocks); no other templates; no bolus
 * delay; extended bolus up to 8 h, TBR 1 min … 24 h and 0 … 250 %. */
void ids_server_profile_defaults(ids_server_profile *p);
bool ids_profile_e2e(const ids_server_profile *p);

/* ---------------------------------------------------------------------------------- */
/* IDS characteristic values (payload only: the E2E tail is sealed/checked separately) */
/* ---------------------------------------------------------------------------------- */

/* IDD Status Changed flags (uint16, b8–b15 RFU). */
enum {
	IDS_SC_THERAPY_CONTROL_STATE = 1u << 0,
	IDS_SC_OPERATIONAL_STATE = 1u << 1,
	IDS_SC_RESERVOIR_STATUS = 1u << 2,
	IDS_SC_ANNUNCIATION_STATUS = 1u << 3,
	IDS_SC_TOTAL_DAILY_INSULIN = 1u << 4,
	IDS_SC_ACTIVE_BASAL_RATE = 1u << 5,
	IDS_SC_ACTIVE_BOLUS = 1u << 6,
	IDS_SC_HISTORY_EVENT = 1u << 7,
	IDS_SC_DEFINED_MASK = 0x00FFu,
};

ble_result ids_status_changed_encode(uint16_t flags, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_status_changed_decode(const uint8_t *buf, size_t len, uint16_t *flags);

typedef struct ids_status {
	uint8_t therapy_control_state; /* ids_therapy_control_state */
	uint8_t operational_state;     /* ids_operational_state */
	double reservoir_u;            /* encoded rounded down, 0.01 U at best */
	bool reservoir_attached;
} ids_status;

ble_result ids_status_encode(const ids_status *s, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_status_decode(const uint8_t *buf, size_t len, ids_status *out);

enum { IDS_ANN_AUX_MAX = 5 };

typedef struct ids_annunciation_status {
	bool present;
	uint16_t instance_id;
	uint16_t type;       /* ids_annunciation_type, or a vendor code the caller maps */
	uint8_t status;      /* ids_annunciation_status_value */
	uint8_t aux_present; /* bit i = AuxInfo(i+1) present */
	uint16_t aux[IDS_ANN_AUX_MAX];
} ids_annunciation_status;

/* The encoder refuses a type not in the IDS table unless it is a vendor code >= 0xF000
 * (FakePump's own, pump_model.h); the decoder likewise. */
ble_result ids_annunciation_status_encode(const ids_annunciation_status *a, uint8_t *buf,
                                          size_t cap, size_t *len);
ble_result ids_annunciation_status_decode(const uint8_t *buf, size_t len,
                                          ids_annunciation_status *out);

enum { IDS_FEATURE_EXT_MAX = 8 };

typedef struct ids_features {
	uint16_t e2e_crc;    /* decoded as read; the encoder computes it */
	uint8_t e2e_counter; /* 0 when E2E is unused */
	double insulin_concentration_iu_per_ml;
	uint32_t flags; /* 24 bit */
	size_t ext_len; /* extension octets, present iff flags b23 */
	uint8_t ext[IDS_FEATURE_EXT_MAX];
} ids_features;

/* IDD Features: E2E-CRC first (0xFFFF when flags b0 = 0, else the CRC over every byte after
 * it), E2E-Counter, concentration SFLOAT, flags uint24, then — iff b23 — extension octets,
 * each of whose b7 announces another. The decoder verifies the CRC when b0 = 1
 * (BLE_ERR_CRC) and requires 0xFFFF/0 when b0 = 0. */
ble_result ids_features_encode(const ids_features *f, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_features_decode(const uint8_t *buf, size_t len, ids_features *out);
/* The Features value a profile advertises (counter: 1 when E2E is on, else 0). */
void ids_features_from_profile(const ids_server_profile *p, ids_features *out);

enum { IDS_HISTORY_DATA_MAX = 16 };

/* One IDD History Data record; event data kept as bytes (layout per event type). */
typedef struct ids_history_event {
	uint16_t event_type; /* ids_history_event_type */
	uint32_t sequence_number;
	uint16_t relative_offset_s;
	size_t data_len;
	uint8_t data[IDS_HISTORY_DATA_MAX];
} ids_history_event;

ble_result ids_history_encode(const ids_history_event *e, uint8_t *buf, size_t cap, size_t *len);
ble_result ids_history_decode(const uint8_t *buf, size_t len, ids_history_event *out);

#endif
