/*
 * ids_ccp_response.c — IDD Command Control Point (0x2B25) indications and IDD Command Data
 * (0x2B26) notifications (IDS 1.0.1), both directions: encoded on the pump's side, decoded
 * on the collector's (ids_ccp.h).
 *
 * Must never read past len or write past cap, or decode a Response Code whose code is not
 * in its table (a request op code that is not in the table decodes: vendors use their own,
 * as the MiniMed 780G's 0x148E shows).
 */
#include "codec.h"
#include "ids_ccp.h"

void ids_ccp_response_code(uint16_t request_opcode, ids_rc code, ids_ccp_response *out)
{
	*out = (ids_ccp_response){0};
	out->opcode = IDS_CCP_RESPONSE_CODE;
	out->u.response_code.request_opcode = request_opcode;
	out->u.response_code.code = (uint8_t)code;
}

bool ids_ccp_opcode_is_command_data(uint16_t opcode)
{
	switch (opcode) {
	case IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_ISF_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_I2CHO_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE:
	case IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE:
		return true;
	default:
		return false;
	}
}

enum { WRITE_TEMPLATE_RESPONSE_COMPLETED = 0x01, AVAILABLE_DEFINED = 0x07 };

static size_t bitpair_bytes(uint8_t count)
{
	return (size_t)(count + 3) / 4;
}

ble_result ids_ccp_response_encode(const ids_ccp_response *resp, uint8_t *buf, size_t cap,
                                   size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = BLE_OK;
	wire_put_u16(&w, resp->opcode);
	switch (resp->opcode) {
	case IDS_CCP_RESPONSE_CODE:
		if (!ids_code_valid(&ids_rc_table, resp->u.response_code.code))
			return BLE_ERR_INVALID_CODE;
		wire_put_u16(&w, resp->u.response_code.request_opcode);
		wire_put_u8(&w, resp->u.response_code.code);
		break;
	case IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE:
	case IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE:
		wire_put_u16(&w, resp->u.annunciation_id);
		break;
	case IDS_CCP_SET_BOLUS_RESPONSE:
	case IDS_CCP_CANCEL_BOLUS_RESPONSE:
		wire_put_u16(&w, resp->u.bolus_id);
		break;
	case IDS_CCP_WRITE_BASAL_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_ISF_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_I2CHO_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE_RESPONSE:
		wire_put_u8(&w, resp->u.write_template.transaction_completed
		                    ? WRITE_TEMPLATE_RESPONSE_COMPLETED
		                    : 0);
		wire_put_u8(&w, resp->u.write_template.template_number);
		wire_put_u8(&w, resp->u.write_template.first_block_index);
		break;
	case IDS_CCP_GET_TBR_TEMPLATE_RESPONSE: {
		const ids_tbr_template *t = &resp->u.tbr_template;
		if (!ids_code_valid(&ids_tbr_type_table, t->type))
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, t->template_number);
		wire_put_u8(&w, t->type);
		r = codec_put_sfloat(&w, t->value, t->type == IDS_TBR_RELATIVE ? 0 : -2,
		                     SFLOAT_ROUND_DOWN);
		wire_put_u16(&w, t->duration_min);
		break;
	}
	case IDS_CCP_SET_TBR_TEMPLATE_RESPONSE:
	case IDS_CCP_SET_BOLUS_TEMPLATE_RESPONSE:
		wire_put_u8(&w, resp->u.template_number);
		break;
	case IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE:
		if (resp->u.available_boluses & ~AVAILABLE_DEFINED)
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, resp->u.available_boluses);
		break;
	case IDS_CCP_GET_BOLUS_TEMPLATE_RESPONSE: {
		const ids_bolus_template *t = &resp->u.bolus_template;
		if (!ids_code_valid(&ids_bolus_type_table, t->type) ||
		    (t->flags & ~IDS_BOLUS_TEMPLATE_FLAG_DEFINED))
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, t->template_number);
		wire_put_u8(&w, t->flags);
		r = codec_put_bolus_body(&w, t->type, t->fast_u, t->extended_u, t->duration_min,
		                         SFLOAT_ROUND_DOWN);
		if (t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY)
			wire_put_u16(&w, t->delay_min);
		break;
	}
	case IDS_CCP_RESET_TEMPLATE_STATUS_RESPONSE:
	case IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE:
	case IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE:
		if (resp->u.templates.count > IDS_TEMPLATE_LIST_MAX)
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, resp->u.templates.count);
		wire_put_bytes(&w, resp->u.templates.numbers, resp->u.templates.count);
		break;
	case IDS_CCP_GET_MAX_BOLUS_RESPONSE:
		r = codec_put_sfloat(&w, resp->u.max_bolus_u, -2, SFLOAT_ROUND_DOWN);
		break;
	case IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_ISF_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_I2CHO_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE: {
		/* Read responses: flags b0 second block, b1 third block present. */
		const ids_write_template *t = &resp->u.read_template;
		bool ranged = resp->opcode == IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE;
		if (t->block_count < 1 || t->block_count > (ranged ? 2 : 3))
			return BLE_ERR_ARGUMENT;
		uint8_t flags =
		    (uint8_t)((t->block_count >= 2 ? 0x01 : 0) | (t->block_count >= 3 ? 0x02 : 0));
		wire_put_u8(&w, flags);
		wire_put_u8(&w, t->template_number);
		wire_put_u8(&w, t->first_block_index);
		for (int i = 0; i < t->block_count && r == BLE_OK; i++) {
			wire_put_u16(&w, t->blocks[i].duration_min);
			r = codec_put_sfloat(&w, t->blocks[i].value, -2, SFLOAT_ROUND_DOWN);
			if (r == BLE_OK && ranged)
				r = codec_put_sfloat(&w, t->blocks[i].value2, -2,
				                     SFLOAT_ROUND_DOWN);
		}
		break;
	}
	case IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE: {
		const ids_template_status *s = &resp->u.template_status;
		if (!ids_code_valid(&ids_template_type_table, s->template_type) ||
		    s->count > IDS_TEMPLATE_LIST_MAX)
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, s->template_type);
		wire_put_u8(&w, s->first_number);
		wire_put_u8(&w, s->count);
		wire_put_u8(&w, s->max_time_blocks);
		for (size_t byte = 0; byte < bitpair_bytes(s->count); byte++) {
			uint8_t v = 0;
			for (unsigned k = 0; k < 4; k++) {
				unsigned i = (unsigned)byte * 4 + k;
				if (i >= s->count)
					break;
				if (s->configurable & (1u << i))
					v |= (uint8_t)(1u << (2 * k));
				if (s->configured & (1u << i))
					v |= (uint8_t)(1u << (2 * k + 1));
			}
			wire_put_u8(&w, v);
		}
		break;
	}
	default:
		return BLE_ERR_INVALID_CODE;
	}
	if (r != BLE_OK)
		return r;
	return codec_finish(&w, len);
}

ble_result ids_ccp_response_decode(const uint8_t *buf, size_t len, ids_ccp_response *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_ccp_response resp = {0};
	ble_result res = BLE_OK;
	resp.opcode = wire_u16(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	switch (resp.opcode) {
	case IDS_CCP_RESPONSE_CODE:
		resp.u.response_code.request_opcode = wire_u16(&r);
		resp.u.response_code.code = wire_u8(&r);
		if (wire_done(&r) && !ids_code_valid(&ids_rc_table, resp.u.response_code.code))
			return BLE_ERR_INVALID_CODE;
		break;
	case IDS_CCP_SNOOZE_ANNUNCIATION_RESPONSE:
	case IDS_CCP_CONFIRM_ANNUNCIATION_RESPONSE:
		resp.u.annunciation_id = wire_u16(&r);
		break;
	case IDS_CCP_SET_BOLUS_RESPONSE:
	case IDS_CCP_CANCEL_BOLUS_RESPONSE:
		resp.u.bolus_id = wire_u16(&r);
		break;
	case IDS_CCP_WRITE_BASAL_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_ISF_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_I2CHO_TEMPLATE_RESPONSE:
	case IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE_RESPONSE: {
		uint8_t flags = wire_u8(&r);
		if (flags & ~WRITE_TEMPLATE_RESPONSE_COMPLETED)
			return BLE_ERR_RESERVED;
		resp.u.write_template.transaction_completed = flags != 0;
		resp.u.write_template.template_number = wire_u8(&r);
		resp.u.write_template.first_block_index = wire_u8(&r);
		break;
	}
	case IDS_CCP_GET_TBR_TEMPLATE_RESPONSE: {
		ids_tbr_template *t = &resp.u.tbr_template;
		t->template_number = wire_u8(&r);
		t->type = wire_u8(&r);
		res = codec_get_sfloat(&r, &t->value);
		t->duration_min = wire_u16(&r);
		if (wire_done(&r) && !ids_code_valid(&ids_tbr_type_table, t->type))
			return BLE_ERR_INVALID_CODE;
		break;
	}
	case IDS_CCP_SET_TBR_TEMPLATE_RESPONSE:
	case IDS_CCP_SET_BOLUS_TEMPLATE_RESPONSE:
		resp.u.template_number = wire_u8(&r);
		break;
	case IDS_CCP_GET_AVAILABLE_BOLUSES_RESPONSE:
		resp.u.available_boluses = wire_u8(&r);
		if (resp.u.available_boluses & ~AVAILABLE_DEFINED)
			return BLE_ERR_RESERVED;
		break;
	case IDS_CCP_GET_BOLUS_TEMPLATE_RESPONSE: {
		ids_bolus_template *t = &resp.u.bolus_template;
		t->template_number = wire_u8(&r);
		t->flags = wire_u8(&r);
		t->type = wire_u8(&r);
		res = codec_get_sfloat(&r, &t->fast_u);
		if (res == BLE_OK)
			res = codec_get_sfloat(&r, &t->extended_u);
		t->duration_min = wire_u16(&r);
		if (t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY)
			t->delay_min = wire_u16(&r);
		if (t->flags & ~IDS_BOLUS_TEMPLATE_FLAG_DEFINED)
			return BLE_ERR_RESERVED;
		if (wire_done(&r) && !ids_code_valid(&ids_bolus_type_table, t->type))
			return BLE_ERR_INVALID_CODE;
		break;
	}
	case IDS_CCP_RESET_TEMPLATE_STATUS_RESPONSE:
	case IDS_CCP_ACTIVATE_TEMPLATES_RESPONSE:
	case IDS_CCP_GET_ACTIVATED_TEMPLATES_RESPONSE:
		resp.u.templates.count = wire_u8(&r);
		if (r.bad || resp.u.templates.count > IDS_TEMPLATE_LIST_MAX ||
		    wire_left(&r) != resp.u.templates.count)
			return BLE_ERR_LENGTH;
		for (int i = 0; i < resp.u.templates.count; i++)
			resp.u.templates.numbers[i] = wire_u8(&r);
		break;
	case IDS_CCP_GET_MAX_BOLUS_RESPONSE:
		res = codec_get_sfloat(&r, &resp.u.max_bolus_u);
		break;
	case IDS_CCP_READ_BASAL_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_ISF_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_I2CHO_TEMPLATE_RESPONSE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE: {
		ids_write_template *t = &resp.u.read_template;
		bool ranged = resp.opcode == IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE_RESPONSE;
		t->flags = wire_u8(&r);
		if (t->flags & ~(ranged ? 0x01 : 0x03))
			return BLE_ERR_RESERVED;
		if ((t->flags & 0x02) && !(t->flags & 0x01))
			return BLE_ERR_RESERVED;
		t->block_count = (uint8_t)(1 + ((t->flags & 0x01) != 0) + ((t->flags & 0x02) != 0));
		t->template_number = wire_u8(&r);
		t->first_block_index = wire_u8(&r);
		for (int i = 0; i < t->block_count && res == BLE_OK; i++) {
			t->blocks[i].duration_min = wire_u16(&r);
			res = codec_get_sfloat(&r, &t->blocks[i].value);
			if (res == BLE_OK && ranged)
				res = codec_get_sfloat(&r, &t->blocks[i].value2);
		}
		break;
	}
	case IDS_CCP_GET_TEMPLATE_STATUS_RESPONSE: {
		ids_template_status *s = &resp.u.template_status;
		s->template_type = wire_u8(&r);
		s->first_number = wire_u8(&r);
		s->count = wire_u8(&r);
		s->max_time_blocks = wire_u8(&r);
		if (r.bad || s->count > IDS_TEMPLATE_LIST_MAX ||
		    wire_left(&r) != bitpair_bytes(s->count))
			return BLE_ERR_LENGTH;
		for (unsigned i = 0; i < s->count; i++) {
			uint8_t byte = r.buf[r.pos + i / 4];
			unsigned k = i % 4;
			if (byte & (1u << (2 * k)))
				s->configurable |= (uint16_t)(1u << i);
			if (byte & (1u << (2 * k + 1)))
				s->configured |= (uint16_t)(1u << i);
		}
		/* Bits of the last byte beyond `count` are padding and must be zero. */
		size_t nbytes = bitpair_bytes(s->count);
		if (s->count % 4) {
			uint8_t last = r.buf[r.pos + nbytes - 1];
			if (last >> (2 * (s->count % 4)))
				return BLE_ERR_RESERVED;
		}
		r.pos += nbytes;
		if (!ids_code_valid(&ids_template_type_table, s->template_type))
			return BLE_ERR_INVALID_CODE;
		break;
	}
	default:
		return BLE_ERR_INVALID_CODE; /* requests and unknown opcodes are no responses */
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (res != BLE_OK)
		return res;
	*out = resp;
	return BLE_OK;
}
