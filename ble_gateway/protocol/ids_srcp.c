/*
 * ids_srcp.c — IDD Status Reader Control Point (0x2B24): requests and responses, both
 * directions (ids_srcp.h).
 *
 * Must never answer a Status Reader request with 0x75/0x76 (Command CP codes only), never
 * accept an RFU bit in Reset Status (an operand >= 0x100 → Invalid Operand), and never read
 * an operand at a fixed offset past what the op code defines.
 *
 * Layouts as IDS 1.0.1 defines them and open collectors (UHN's AndroidBLEParser) and servers
 * (STMicroelectronics' IDS example) read them: Get Delivered Insulin as two 32-bit FLOATs;
 * Get Insulin On Board as flags + SFLOAT [+ uint16 remaining duration].
 */
#include "codec.h"
#include "ids_srcp.h"

/* ---------------------------------------------------------------------------------- */
/* Status Reader CP                                                                    */
/* ---------------------------------------------------------------------------------- */

ids_rc ids_status_request_decode(const ids_server_profile *p, const uint8_t *buf, size_t len,
                                 ids_status_request *out)
{
	*out = (ids_status_request){0};
	wire_reader r = wire_reader_init(buf, len);
	uint16_t opcode = wire_u16(&r);
	if (r.bad)
		return IDS_RC_OPCODE_NOT_SUPPORTED;
	out->opcode = opcode;
	switch (opcode) {
	case IDS_SRCP_RESET_STATUS:
		out->u.reset_flags = wire_u16(&r);
		if (!wire_done(&r) || (out->u.reset_flags & ~IDS_SC_DEFINED_MASK))
			return IDS_RC_INVALID_OPERAND;
		return IDS_RC_SUCCESS;
	case IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY:
		out->u.bolus_delivery.bolus_id = wire_u16(&r);
		out->u.bolus_delivery.value_selection = wire_u8(&r);
		if (!wire_done(&r) || !ids_code_valid(&ids_bolus_value_selection_table,
		                                      out->u.bolus_delivery.value_selection))
			return IDS_RC_INVALID_OPERAND;
		return IDS_RC_SUCCESS;
	case IDS_SRCP_GET_COUNTER:
		out->u.counter.type = wire_u8(&r);
		out->u.counter.value_selection = wire_u8(&r);
		if (!wire_done(&r) ||
		    !ids_code_valid(&ids_counter_type_table, out->u.counter.type) ||
		    !ids_code_valid(&ids_counter_selection_table, out->u.counter.value_selection))
			return IDS_RC_INVALID_OPERAND;
		return IDS_RC_SUCCESS;
	case IDS_SRCP_GET_INSULIN_ON_BOARD:
		if (!wire_done(&r))
			return IDS_RC_INVALID_OPERAND;
		return (p->features & IDS_FEAT_INSULIN_ON_BOARD) ? IDS_RC_SUCCESS
		                                                 : IDS_RC_PROCEDURE_NOT_APPLICABLE;
	case IDS_SRCP_GET_ACTIVE_BOLUS_IDS:
	case IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY:
	case IDS_SRCP_GET_TOTAL_DAILY_INSULIN:
	case IDS_SRCP_GET_DELIVERED_INSULIN:
		return wire_done(&r) ? IDS_RC_SUCCESS : IDS_RC_INVALID_OPERAND;
	default:
		return IDS_RC_OPCODE_NOT_SUPPORTED;
	}
}

ble_result ids_status_request_encode(const ids_status_request *q, uint8_t *buf, size_t cap,
                                     size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u16(&w, q->opcode);
	switch (q->opcode) {
	case IDS_SRCP_RESET_STATUS:
		wire_put_u16(&w, q->u.reset_flags);
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY:
		wire_put_u16(&w, q->u.bolus_delivery.bolus_id);
		wire_put_u8(&w, q->u.bolus_delivery.value_selection);
		break;
	case IDS_SRCP_GET_COUNTER:
		wire_put_u8(&w, q->u.counter.type);
		wire_put_u8(&w, q->u.counter.value_selection);
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_IDS:
	case IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY:
	case IDS_SRCP_GET_TOTAL_DAILY_INSULIN:
	case IDS_SRCP_GET_DELIVERED_INSULIN:
	case IDS_SRCP_GET_INSULIN_ON_BOARD:
		break;
	default:
		return BLE_ERR_INVALID_CODE;
	}
	return codec_finish(&w, len);
}

void ids_status_response_code(uint16_t request_opcode, ids_rc code, ids_status_response *out)
{
	*out = (ids_status_response){0};
	out->opcode = IDS_SRCP_RESPONSE_CODE;
	out->u.response_code.request_opcode = request_opcode;
	out->u.response_code.code = (uint8_t)code;
}

enum { BASAL_DELIVERY_DEFINED = 0x07, IOB_REMAINING = 0x01 };

static ble_result put_amount(wire_writer *w, double v)
{
	return codec_put_sfloat(w, v, -2, SFLOAT_ROUND_DOWN);
}

static ble_result put_float_amount(wire_writer *w, double v)
{
	uint32_t raw = 0;
	ble_result r = float11073_encode(v, -2, SFLOAT_ROUND_DOWN, &raw, NULL);
	if (r == BLE_OK)
		wire_put_u32(w, raw);
	return r;
}

ble_result ids_status_response_encode(const ids_status_response *s, uint8_t *buf, size_t cap,
                                      size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = BLE_OK;
	wire_put_u16(&w, s->opcode);
	switch (s->opcode) {
	case IDS_SRCP_RESPONSE_CODE:
		if (!ids_code_valid(&ids_srcp_rc_table, s->u.response_code.code))
			return BLE_ERR_INVALID_CODE;
		wire_put_u16(&w, s->u.response_code.request_opcode);
		wire_put_u8(&w, s->u.response_code.code);
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE:
		if (s->u.bolus_ids.count > IDS_ACTIVE_BOLUS_IDS_MAX)
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, s->u.bolus_ids.count);
		for (int i = 0; i < s->u.bolus_ids.count; i++)
			wire_put_u16(&w, s->u.bolus_ids.ids[i]);
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE: {
		const ids_set_bolus *b = &s->u.bolus_delivery.bolus;
		if ((b->flags & ~IDS_BOLUS_FLAG_DEFINED) ||
		    !ids_code_valid(&ids_bolus_type_table, b->type) ||
		    ((b->flags & IDS_BOLUS_FLAG_ACTIVATION) &&
		     !ids_code_valid(&ids_activation_type_table, b->activation_type)))
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, b->flags);
		wire_put_u16(&w, s->u.bolus_delivery.bolus_id);
		wire_put_u8(&w, b->type);
		r = put_amount(&w, b->fast_u);
		if (r == BLE_OK)
			r = put_amount(&w, b->extended_u);
		wire_put_u16(&w, b->duration_min);
		if (b->flags & IDS_BOLUS_FLAG_DELAY)
			wire_put_u16(&w, b->delay_min);
		if (b->flags & IDS_BOLUS_FLAG_TEMPLATE)
			wire_put_u8(&w, b->template_number);
		if (b->flags & IDS_BOLUS_FLAG_ACTIVATION)
			wire_put_u8(&w, b->activation_type);
		break;
	}
	case IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE: {
		const uint8_t f = s->u.basal_delivery.flags;
		if (f & ~BASAL_DELIVERY_DEFINED)
			return BLE_ERR_ARGUMENT;
		if ((f & IDS_BASAL_DELIVERY_TBR) &&
		    !ids_code_valid(&ids_tbr_type_table, s->u.basal_delivery.tbr_type))
			return BLE_ERR_INVALID_CODE;
		if ((f & IDS_BASAL_DELIVERY_CONTEXT) &&
		    !ids_code_valid(&ids_delivery_context_table,
		                    s->u.basal_delivery.delivery_context))
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, f);
		wire_put_u8(&w, s->u.basal_delivery.template_number);
		r = put_amount(&w, s->u.basal_delivery.rate_u_per_h);
		if (r == BLE_OK && (f & IDS_BASAL_DELIVERY_TBR)) {
			bool rel = s->u.basal_delivery.tbr_type == IDS_TBR_RELATIVE;
			wire_put_u8(&w, s->u.basal_delivery.tbr_type);
			r = codec_put_sfloat(&w, s->u.basal_delivery.tbr_value, rel ? 0 : -2,
			                     SFLOAT_ROUND_DOWN);
			wire_put_u16(&w, s->u.basal_delivery.tbr_duration_programmed_min);
			wire_put_u16(&w, s->u.basal_delivery.tbr_duration_remaining_min);
		}
		if (f & IDS_BASAL_DELIVERY_TBR_TEMPLATE)
			wire_put_u8(&w, s->u.basal_delivery.tbr_template_number);
		if (f & IDS_BASAL_DELIVERY_CONTEXT)
			wire_put_u8(&w, s->u.basal_delivery.delivery_context);
		break;
	}
	case IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE:
		r = put_amount(&w, s->u.total_daily.bolus_u);
		if (r == BLE_OK)
			r = put_amount(&w, s->u.total_daily.basal_u);
		if (r == BLE_OK)
			r = put_amount(&w, s->u.total_daily.total_u);
		break;
	case IDS_SRCP_GET_COUNTER_RESPONSE:
		if (!ids_code_valid(&ids_counter_type_table, s->u.counter.type) ||
		    !ids_code_valid(&ids_counter_selection_table, s->u.counter.value_selection))
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, s->u.counter.type);
		wire_put_u8(&w, s->u.counter.value_selection);
		wire_put_u32(&w, (uint32_t)s->u.counter.value_min);
		break;
	case IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE:
		r = put_float_amount(&w, s->u.delivered.bolus_u);
		if (r == BLE_OK)
			r = put_float_amount(&w, s->u.delivered.basal_u);
		break;
	case IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE:
		wire_put_u8(&w, s->u.iob.has_remaining ? IOB_REMAINING : 0);
		r = put_amount(&w, s->u.iob.iob_u);
		if (s->u.iob.has_remaining)
			wire_put_u16(&w, s->u.iob.remaining_min);
		break;
	default:
		return BLE_ERR_INVALID_CODE;
	}
	if (r != BLE_OK)
		return r;
	return codec_finish(&w, len);
}

ble_result ids_status_response_decode(const uint8_t *buf, size_t len, ids_status_response *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_status_response s = {0};
	ble_result res = BLE_OK;
	s.opcode = wire_u16(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	switch (s.opcode) {
	case IDS_SRCP_RESPONSE_CODE:
		s.u.response_code.request_opcode = wire_u16(&r);
		s.u.response_code.code = wire_u8(&r);
		if (wire_done(&r) && !ids_code_valid(&ids_srcp_rc_table, s.u.response_code.code))
			return BLE_ERR_INVALID_CODE;
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_IDS_RESPONSE:
		s.u.bolus_ids.count = wire_u8(&r);
		if (r.bad || s.u.bolus_ids.count > IDS_ACTIVE_BOLUS_IDS_MAX ||
		    wire_left(&r) != 2u * s.u.bolus_ids.count)
			return BLE_ERR_LENGTH;
		for (int i = 0; i < s.u.bolus_ids.count; i++)
			s.u.bolus_ids.ids[i] = wire_u16(&r);
		break;
	case IDS_SRCP_GET_ACTIVE_BOLUS_DELIVERY_RESPONSE: {
		ids_set_bolus *b = &s.u.bolus_delivery.bolus;
		b->flags = wire_u8(&r);
		s.u.bolus_delivery.bolus_id = wire_u16(&r);
		b->type = wire_u8(&r);
		res = codec_get_sfloat(&r, &b->fast_u);
		if (res == BLE_OK)
			res = codec_get_sfloat(&r, &b->extended_u);
		b->duration_min = wire_u16(&r);
		if (b->flags & IDS_BOLUS_FLAG_DELAY)
			b->delay_min = wire_u16(&r);
		if (b->flags & IDS_BOLUS_FLAG_TEMPLATE)
			b->template_number = wire_u8(&r);
		if (b->flags & IDS_BOLUS_FLAG_ACTIVATION)
			b->activation_type = wire_u8(&r);
		if (b->flags & ~IDS_BOLUS_FLAG_DEFINED)
			return BLE_ERR_RESERVED;
		if (wire_done(&r) &&
		    (!ids_code_valid(&ids_bolus_type_table, b->type) ||
		     ((b->flags & IDS_BOLUS_FLAG_ACTIVATION) &&
		      !ids_code_valid(&ids_activation_type_table, b->activation_type))))
			return BLE_ERR_INVALID_CODE;
		break;
	}
	case IDS_SRCP_GET_ACTIVE_BASAL_DELIVERY_RESPONSE: {
		uint8_t f = wire_u8(&r);
		if (f & ~BASAL_DELIVERY_DEFINED)
			return BLE_ERR_RESERVED;
		s.u.basal_delivery.flags = f;
		s.u.basal_delivery.template_number = wire_u8(&r);
		res = codec_get_sfloat(&r, &s.u.basal_delivery.rate_u_per_h);
		if (f & IDS_BASAL_DELIVERY_TBR) {
			s.u.basal_delivery.tbr_type = wire_u8(&r);
			if (res == BLE_OK)
				res = codec_get_sfloat(&r, &s.u.basal_delivery.tbr_value);
			s.u.basal_delivery.tbr_duration_programmed_min = wire_u16(&r);
			s.u.basal_delivery.tbr_duration_remaining_min = wire_u16(&r);
		}
		if (f & IDS_BASAL_DELIVERY_TBR_TEMPLATE)
			s.u.basal_delivery.tbr_template_number = wire_u8(&r);
		if (f & IDS_BASAL_DELIVERY_CONTEXT)
			s.u.basal_delivery.delivery_context = wire_u8(&r);
		if (wire_done(&r) &&
		    (((f & IDS_BASAL_DELIVERY_TBR) &&
		      !ids_code_valid(&ids_tbr_type_table, s.u.basal_delivery.tbr_type)) ||
		     ((f & IDS_BASAL_DELIVERY_CONTEXT) &&
		      !ids_code_valid(&ids_delivery_context_table,
		                      s.u.basal_delivery.delivery_context))))
			return BLE_ERR_INVALID_CODE;
		break;
	}
	case IDS_SRCP_GET_TOTAL_DAILY_INSULIN_RESPONSE:
		res = codec_get_sfloat(&r, &s.u.total_daily.bolus_u);
		if (res == BLE_OK)
			res = codec_get_sfloat(&r, &s.u.total_daily.basal_u);
		if (res == BLE_OK)
			res = codec_get_sfloat(&r, &s.u.total_daily.total_u);
		break;
	case IDS_SRCP_GET_COUNTER_RESPONSE:
		s.u.counter.type = wire_u8(&r);
		s.u.counter.value_selection = wire_u8(&r);
		s.u.counter.value_min = (int32_t)wire_u32(&r);
		if (wire_done(&r) &&
		    (!ids_code_valid(&ids_counter_type_table, s.u.counter.type) ||
		     !ids_code_valid(&ids_counter_selection_table, s.u.counter.value_selection)))
			return BLE_ERR_INVALID_CODE;
		break;
	case IDS_SRCP_GET_DELIVERED_INSULIN_RESPONSE:
		res = codec_float_value(wire_u32(&r), &s.u.delivered.bolus_u);
		if (res == BLE_OK)
			res = codec_float_value(wire_u32(&r), &s.u.delivered.basal_u);
		break;
	case IDS_SRCP_GET_INSULIN_ON_BOARD_RESPONSE: {
		uint8_t f = wire_u8(&r);
		if (f & ~IOB_REMAINING)
			return BLE_ERR_RESERVED;
		s.u.iob.has_remaining = f != 0;
		res = codec_get_sfloat(&r, &s.u.iob.iob_u);
		if (s.u.iob.has_remaining)
			s.u.iob.remaining_min = wire_u16(&r);
		break;
	}
	default:
		return BLE_ERR_INVALID_CODE;
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (res != BLE_OK)
		return res;
	*out = s;
	return BLE_OK;
}
