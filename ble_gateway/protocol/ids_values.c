/*
 * ids_values.c — IDS characteristic values: IDD Status Changed, IDD Status, IDD Annunciation
 * Status, IDD Features, IDD History Data (IDS 1.0.1), and the server profile that decides
 * what FakePump advertises.
 *
 * Payload only: the E2E tail of these values (counter + CRC, when Features b0 = 1) is added
 * by ids_e2e_seal and checked by ids_e2e_check; IDD Features is the exception and carries
 * its own leading CRC. Never reads past len, never allocates.
 *
 * Decisions where the sources are thin (ble_gateway/README.md "Sources", "Decisions"):
 * - Annunciation Status is uint8 (ST-IDS, Renesas, BLEIDSSim, CCIDS, ABP's history parser;
 *   ABP IddAnnunciationParser reads 16 bits — a bug). AuxInfo flags without the Annunciation
 *   Present flag are refused as inconsistent.
 * - IDD Features indicate: ST-IDS registers it; FakePump exposes read only (gatt_model.c).
 * - IDD Features extension octets: each extension octet's b7 announces another (the 780G
 *   value `... 80 1f` has exactly one, 0x1F, b7 clear). Our reading of "Feature Extension";
 *   the SIG text was not available.
 * - History Data: Event Type uint16, Sequence Number uint32, Relative Offset uint16 s, event
 *   data (ABP readEventInfo, BLEIDSSim history.py). Its E2E protection is the CRC alone, no
 *   counter, as ST-IDS declares it (e2e.h ids_e2e_channel_counted: the largest record then
 *   fits one notification at the default ATT_MTU); the UHN family appends a counter.
 */
#include "codec.h"
#include "e2e.h"
#include "ids_codes.h"
#include "ids_values.h"

void ids_server_profile_defaults(ids_server_profile *p)
{
	*p = (ids_server_profile){0};
	p->features = IDS_FEAT_E2E | IDS_FEAT_BASAL_RATE | IDS_FEAT_TBR_ABSOLUTE |
	              IDS_FEAT_TBR_RELATIVE | IDS_FEAT_FAST_BOLUS | IDS_FEAT_EXTENDED_BOLUS |
	              IDS_FEAT_MULTIWAVE_BOLUS | IDS_FEAT_INSULIN_ON_BOARD;
	p->insulin_concentration_iu_per_ml = 100.0;
	p->templates[IDS_TK_BASAL] = (ids_template_range){1, 1};
	p->max_time_blocks = 24;
	p->max_bolus_duration_min = 8 * 60;
	p->max_bolus_delay_min = 0;
	p->max_tbr_duration_min = 24 * 60;
	p->max_tbr_relative_pct = 250;
	p->max_time_block_duration_min = 24 * 60;
}

bool ids_profile_e2e(const ids_server_profile *p)
{
	return (p->features & IDS_FEAT_E2E) != 0;
}

ble_result ids_status_changed_encode(uint16_t flags, uint8_t *buf, size_t cap, size_t *len)
{
	if (flags & ~IDS_SC_DEFINED_MASK)
		return BLE_ERR_ARGUMENT; /* servers set no RFU bit */
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, flags);
	return codec_finish(&w, len);
}

ble_result ids_status_changed_decode(const uint8_t *buf, size_t len, uint16_t *flags)
{
	wire_reader r = wire_reader_init(buf, len);
	uint16_t f = wire_u16(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	/* Clients ignore RFU bits (ABP, CCIDS): keep only the defined ones. */
	*flags = f & IDS_SC_DEFINED_MASK;
	return BLE_OK;
}

enum { IDS_STATUS_RESERVOIR_ATTACHED = 1u << 0 };

ble_result ids_status_encode(const ids_status *s, uint8_t *buf, size_t cap, size_t *len)
{
	if (!ids_code_valid(&ids_tcs_table, s->therapy_control_state) ||
	    !ids_code_valid(&ids_opstate_table, s->operational_state))
		return BLE_ERR_INVALID_CODE;
	if (!(s->reservoir_u >= 0.0))
		return BLE_ERR_RANGE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, s->therapy_control_state);
	wire_put_u8(&w, s->operational_state);
	ble_result r = codec_put_sfloat(&w, s->reservoir_u, -2, SFLOAT_ROUND_DOWN);
	if (r != BLE_OK)
		return r;
	wire_put_u8(&w, s->reservoir_attached ? IDS_STATUS_RESERVOIR_ATTACHED : 0);
	return codec_finish(&w, len);
}

ble_result ids_status_decode(const uint8_t *buf, size_t len, ids_status *out)
{
	wire_reader r = wire_reader_init(buf, len);
	uint8_t tcs = wire_u8(&r);
	uint8_t ops = wire_u8(&r);
	uint16_t reservoir = wire_u16(&r);
	uint8_t flags = wire_u8(&r);
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (!ids_code_valid(&ids_tcs_table, tcs) || !ids_code_valid(&ids_opstate_table, ops))
		return BLE_ERR_INVALID_CODE;
	if (flags & ~IDS_STATUS_RESERVOIR_ATTACHED)
		return BLE_ERR_RESERVED;
	ids_status s = {tcs, ops, 0.0, (flags & IDS_STATUS_RESERVOIR_ATTACHED) != 0};
	ble_result res = codec_sfloat_value(reservoir, &s.reservoir_u);
	if (res != BLE_OK)
		return res;
	*out = s;
	return BLE_OK;
}

enum {
	IDS_ANN_FLAG_PRESENT = 1u << 0,
	IDS_ANN_FLAG_AUX_SHIFT = 1,
	IDS_ANN_AUX_MASK = 0x1Fu, /* after the shift */
	IDS_ANN_FLAG_DEFINED = 0x3Fu,
};

/* FakePump's own annunciation types (pump_model.h) live at 0xF000 and above. */
static bool annunciation_type_ok(uint16_t type)
{
	return ids_code_valid(&ids_annunciation_type_table, type) || type >= 0xF000;
}

ble_result ids_annunciation_status_encode(const ids_annunciation_status *a, uint8_t *buf,
                                          size_t cap, size_t *len)
{
	if (a->aux_present & ~IDS_ANN_AUX_MASK)
		return BLE_ERR_ARGUMENT;
	if (!a->present && a->aux_present)
		return BLE_ERR_ARGUMENT;
	wire_writer w = wire_writer_init(buf, cap);
	if (!a->present) {
		wire_put_u8(&w, 0);
		return codec_finish(&w, len);
	}
	if (!annunciation_type_ok(a->type) ||
	    !ids_code_valid(&ids_annunciation_status_table, a->status))
		return BLE_ERR_INVALID_CODE;
	wire_put_u8(&w,
	            (uint8_t)(IDS_ANN_FLAG_PRESENT | (a->aux_present << IDS_ANN_FLAG_AUX_SHIFT)));
	wire_put_u16(&w, a->instance_id);
	wire_put_u16(&w, a->type);
	wire_put_u8(&w, a->status);
	for (int i = 0; i < IDS_ANN_AUX_MAX; i++)
		if (a->aux_present & (1u << i))
			wire_put_u16(&w, a->aux[i]);
	return codec_finish(&w, len);
}

ble_result ids_annunciation_status_decode(const uint8_t *buf, size_t len,
                                          ids_annunciation_status *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_annunciation_status a = {0};
	uint8_t flags = wire_u8(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	if (flags & ~IDS_ANN_FLAG_DEFINED)
		return BLE_ERR_RESERVED;
	a.present = (flags & IDS_ANN_FLAG_PRESENT) != 0;
	a.aux_present = (uint8_t)((flags >> IDS_ANN_FLAG_AUX_SHIFT) & IDS_ANN_AUX_MASK);
	if (!a.present && a.aux_present)
		return BLE_ERR_RESERVED;
	if (a.present) {
		a.instance_id = wire_u16(&r);
		a.type = wire_u16(&r);
		a.status = wire_u8(&r);
		for (int i = 0; i < IDS_ANN_AUX_MAX; i++)
			if (a.aux_present & (1u << i))
				a.aux[i] = wire_u16(&r);
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (a.present && (!annunciation_type_ok(a.type) ||
	                  !ids_code_valid(&ids_annunciation_status_table, a.status)))
		return BLE_ERR_INVALID_CODE;
	*out = a;
	return BLE_OK;
}

enum { EXT_MORE = 0x80u };

ble_result ids_features_encode(const ids_features *f, uint8_t *buf, size_t cap, size_t *len)
{
	if (f->flags & ~(uint32_t)IDS_FEAT_DEFINED_MASK)
		return BLE_ERR_ARGUMENT;
	bool e2e = (f->flags & IDS_FEAT_E2E) != 0;
	if (!e2e && f->e2e_counter != 0)
		return BLE_ERR_ARGUMENT; /* 0 = E2E unused */
	bool ext = (f->flags & IDS_FEAT_EXTENSION) != 0;
	if (ext != (f->ext_len > 0) || f->ext_len > IDS_FEATURE_EXT_MAX)
		return BLE_ERR_ARGUMENT;
	for (size_t i = 0; i < f->ext_len; i++)
		if (((f->ext[i] & EXT_MORE) != 0) != (i + 1 < f->ext_len))
			return BLE_ERR_ARGUMENT;
	if (!(f->insulin_concentration_iu_per_ml > 0.0))
		return BLE_ERR_RANGE;

	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, 0xFFFF); /* patched below */
	wire_put_u8(&w, f->e2e_counter);
	ble_result r =
	    codec_put_sfloat(&w, f->insulin_concentration_iu_per_ml, -1, SFLOAT_EXACT_ONLY);
	if (r != BLE_OK)
		return r;
	wire_put_u24(&w, f->flags);
	wire_put_bytes(&w, f->ext, f->ext_len);
	r = codec_finish(&w, len);
	if (r != BLE_OK)
		return r;
	if (e2e) {
		uint16_t crc = crc16_mcrf4xx(buf + 2, *len - 2);
		buf[0] = (uint8_t)(crc & 0xFF);
		buf[1] = (uint8_t)(crc >> 8);
	}
	return BLE_OK;
}

ble_result ids_features_decode(const uint8_t *buf, size_t len, ids_features *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_features f = {0};
	f.e2e_crc = wire_u16(&r);
	f.e2e_counter = wire_u8(&r);
	uint16_t conc = wire_u16(&r);
	f.flags = wire_u24(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	if (f.flags & IDS_FEAT_EXTENSION) {
		uint8_t octet = 0;
		do {
			octet = wire_u8(&r);
			if (r.bad)
				return BLE_ERR_LENGTH;
			if (f.ext_len == IDS_FEATURE_EXT_MAX)
				return BLE_ERR_LENGTH;
			f.ext[f.ext_len++] = octet;
		} while (octet & EXT_MORE);
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (f.flags & ~(uint32_t)IDS_FEAT_DEFINED_MASK)
		return BLE_ERR_RESERVED;
	if (f.flags & IDS_FEAT_E2E) {
		if (f.e2e_counter == 0)
			return BLE_ERR_RANGE;
		if (crc16_mcrf4xx(buf + 2, len - 2) != f.e2e_crc)
			return BLE_ERR_CRC;
	} else if (f.e2e_crc != 0xFFFF || f.e2e_counter != 0) {
		return BLE_ERR_RESERVED;
	}
	ble_result res = codec_sfloat_value(conc, &f.insulin_concentration_iu_per_ml);
	if (res != BLE_OK)
		return res;
	*out = f;
	return BLE_OK;
}

void ids_features_from_profile(const ids_server_profile *p, ids_features *out)
{
	*out = (ids_features){0};
	out->flags = p->features & ~(uint32_t)IDS_FEAT_EXTENSION;
	out->e2e_counter = ids_profile_e2e(p) ? 1 : 0;
	out->e2e_crc = 0xFFFF;
	out->insulin_concentration_iu_per_ml = p->insulin_concentration_iu_per_ml;
}

ble_result ids_history_encode(const ids_history_event *e, uint8_t *buf, size_t cap, size_t *len)
{
	if (!ids_code_valid(&ids_history_event_table, e->event_type))
		return BLE_ERR_INVALID_CODE;
	if (e->data_len > IDS_HISTORY_DATA_MAX)
		return BLE_ERR_ARGUMENT;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, e->event_type);
	wire_put_u32(&w, e->sequence_number);
	wire_put_u16(&w, e->relative_offset_s);
	wire_put_bytes(&w, e->data, e->data_len);
	return codec_finish(&w, len);
}

ble_result ids_history_decode(const uint8_t *buf, size_t len, ids_history_event *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_history_event e = {0};
	e.event_type = wire_u16(&r);
	e.sequence_number = wire_u32(&r);
	e.relative_offset_s = wire_u16(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	size_t left = wire_left(&r);
	if (left > IDS_HISTORY_DATA_MAX)
		return BLE_ERR_LENGTH;
	for (size_t i = 0; i < left; i++)
		e.data[i] = wire_u8(&r);
	e.data_len = left;
	if (!ids_code_valid(&ids_history_event_table, e.event_type))
		return BLE_ERR_INVALID_CODE;
	*out = e;
	return BLE_OK;
}
