/*
 * ids_racp.c — IDD Record Access Control Point (0x2B27): requests and responses, both
 * directions (ids_racp.h).
 *
 * Must never accept an operator that does not fit the op code, a filter type not in its
 * table, or an operand of another length than the operator defines.
 *
 * Layout as the open IDS collectors read it (UHN's AndroidBLEParser and BLEIDSSim): the
 * Number of Stored Records is a uint32; the operand is the operator [+ filter type +
 * sequence number(s) uint32]. The failure codes are provisional, kept in one table
 * (ids_codes.h ids_racp_rc). E2E on IDD RACP: the uniform IDS tail (counter + CRC) when IDD
 * Features b0 = 1, as the UHN clients write it — sealed and checked outside these codecs.
 */
#include "codec.h"
#include "ids_racp.h"

ids_racp_rc ids_racp_request_decode(const uint8_t *buf, size_t len, ids_racp_request *out)
{
	*out = (ids_racp_request){0};
	wire_reader r = wire_reader_init(buf, len);
	out->opcode = wire_u8(&r);
	if (r.bad)
		return IDS_RACP_RC_OPCODE_NOT_SUPPORTED;
	switch (out->opcode) {
	case IDS_RACP_REPORT_STORED_RECORDS:
	case IDS_RACP_DELETE_STORED_RECORDS:
	case IDS_RACP_REPORT_NUMBER:
	case IDS_RACP_ABORT:
		break;
	default:
		return IDS_RACP_RC_OPCODE_NOT_SUPPORTED; /* incl. the response opcodes */
	}
	out->op = wire_u8(&r);
	if (r.bad)
		return IDS_RACP_RC_INVALID_OPERATOR;
	if (out->opcode == IDS_RACP_ABORT) {
		if (out->op != IDS_RACP_OP_NULL)
			return IDS_RACP_RC_INVALID_OPERATOR;
		return wire_done(&r) ? IDS_RACP_RC_SUCCESS : IDS_RACP_RC_INVALID_OPERAND;
	}
	if (!ids_code_valid(&ids_racp_operator_table, out->op) || out->op == IDS_RACP_OP_NULL)
		return IDS_RACP_RC_INVALID_OPERATOR;
	switch (out->op) {
	case IDS_RACP_OP_ALL:
	case IDS_RACP_OP_FIRST:
	case IDS_RACP_OP_LAST:
		return wire_done(&r) ? IDS_RACP_RC_SUCCESS : IDS_RACP_RC_INVALID_OPERAND;
	default:
		break;
	}
	out->filter = wire_u8(&r);
	if (r.bad)
		return IDS_RACP_RC_INVALID_OPERAND;
	if (!ids_code_valid(&ids_racp_filter_table, out->filter))
		return IDS_RACP_RC_OPERAND_NOT_SUPPORTED;
	if (out->op == IDS_RACP_OP_LESS_OR_EQUAL) {
		out->min_seq = 0;
		out->max_seq = wire_u32(&r);
	} else if (out->op == IDS_RACP_OP_GREATER_OR_EQUAL) {
		out->min_seq = wire_u32(&r);
		out->max_seq = UINT32_MAX;
	} else {
		out->min_seq = wire_u32(&r);
		out->max_seq = wire_u32(&r);
	}
	if (!wire_done(&r) || out->min_seq > out->max_seq)
		return IDS_RACP_RC_INVALID_OPERAND;
	return IDS_RACP_RC_SUCCESS;
}

ble_result ids_racp_request_encode(const ids_racp_request *q, uint8_t *buf, size_t cap, size_t *len)
{
	if (!ids_code_valid(&ids_racp_opcode_table, q->opcode) ||
	    !ids_code_valid(&ids_racp_operator_table, q->op))
		return BLE_ERR_INVALID_CODE;
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, q->opcode);
	wire_put_u8(&w, q->op);
	switch (q->op) {
	case IDS_RACP_OP_LESS_OR_EQUAL:
		wire_put_u8(&w, q->filter);
		wire_put_u32(&w, q->max_seq);
		break;
	case IDS_RACP_OP_GREATER_OR_EQUAL:
		wire_put_u8(&w, q->filter);
		wire_put_u32(&w, q->min_seq);
		break;
	case IDS_RACP_OP_WITHIN_RANGE:
		wire_put_u8(&w, q->filter);
		wire_put_u32(&w, q->min_seq);
		wire_put_u32(&w, q->max_seq);
		break;
	default:
		break;
	}
	return codec_finish(&w, len);
}

ble_result ids_racp_response_encode(const ids_racp_response *s, uint8_t *buf, size_t cap,
                                    size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	wire_put_u8(&w, s->opcode);
	wire_put_u8(&w, IDS_RACP_OP_NULL);
	if (s->opcode == IDS_RACP_RESPONSE_CODE) {
		if (!ids_code_valid(&ids_racp_rc_table, s->code))
			return BLE_ERR_INVALID_CODE;
		wire_put_u8(&w, s->request_opcode);
		wire_put_u8(&w, s->code);
	} else if (s->opcode == IDS_RACP_NUMBER_RESPONSE) {
		wire_put_u32(&w, s->count);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	return codec_finish(&w, len);
}

ble_result ids_racp_response_decode(const uint8_t *buf, size_t len, ids_racp_response *out)
{
	wire_reader r = wire_reader_init(buf, len);
	ids_racp_response s = {0};
	s.opcode = wire_u8(&r);
	uint8_t op = wire_u8(&r);
	if (r.bad)
		return BLE_ERR_LENGTH;
	if (op != IDS_RACP_OP_NULL)
		return BLE_ERR_INVALID_CODE;
	if (s.opcode == IDS_RACP_RESPONSE_CODE) {
		s.request_opcode = wire_u8(&r);
		s.code = wire_u8(&r);
	} else if (s.opcode == IDS_RACP_NUMBER_RESPONSE) {
		s.count = wire_u32(&r);
	} else {
		return BLE_ERR_INVALID_CODE;
	}
	if (!wire_done(&r))
		return BLE_ERR_LENGTH;
	if (s.opcode == IDS_RACP_RESPONSE_CODE && !ids_code_valid(&ids_racp_rc_table, s.code))
		return BLE_ERR_INVALID_CODE;
	*out = s;
	return BLE_OK;
}
