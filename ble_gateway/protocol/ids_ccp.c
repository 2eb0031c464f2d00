/*
 * ids_ccp.c — IDD Command Control Point (0x2B25) requests (IDS 1.0.1), both directions:
 * decoded on the pump's side, encoded on the collector's. The responses and IDD Command
 * Data notifications are in ids_ccp_response.c.
 *
 * A request is decoded into an ids_command or refused with the procedure's Response Code;
 * nothing is guessed: no default type, no clamping, no rounding of an amount. The pump's own
 * limits (max bolus, basal, daily, IOB, state) are checked by the binding against
 * pump_model, which maps its refusals to 0x73/0x74/0x75/0x76.
 *
 * Layouts: ABP SetBolus.kt / SetTbrAdjustmentOperandComposer.kt / WriteBasalRateProfile-
 * Template.kt / ResponseParsers.kt / commanddata/ parsers, ST-IDS, Renesas; conditional fields are
 * read sequentially in flag order, never at fixed offsets (BLEIDSSim's defect).
 *
 * Response code selection (the order of the checks is the order below):
 *   0x70  unknown opcode or a response opcode written as a request;
 *   0x71  wrong length, RFU flag bits, a value not in its code table or Undetermined, an
 *         SFLOAT special (NaN, NRes, ±INF, reserved), fields that do not fit the bolus type
 *         (spec: "Fast Amount ≠ 0 with Extended; Extended Amount or Duration ≠ 0 with
 *         Fast"; an Extended/Multiwave bolus without duration);
 *   0x74  a feature the profile does not support (bolus type, delay, template,
 *         activation type; likewise TBR type and template kinds);
 *   0x73  a number out of range: negative or zero amounts, finer than 0.01 U (decision: a
 *         command is refused rather than rounded, docs/ble-threats.md I9), durations,
 *         template numbers, time blocks. Amount > Max Bolus → 0x73 is the binding's (no SIG
 *         text at hand; "Parameter out of range" is the code defined for a numeric value
 *         outside the server's range: ble_gateway/README.md "Decisions");
 *   0x75  a target glucose range whose lower bound is above its upper bound.
 */
#include "codec.h"
#include "ids_ccp.h"

/* ---------------------------------------------------------------------------------- */
/* Operand value helpers                                                               */
/* ---------------------------------------------------------------------------------- */

static bool is_special(uint16_t raw)
{
	int32_t m = 0;
	int e = 0;
	return sfloat_unpack(raw, &m, &e) != IEEE11073_NUMBER;
}

/* Value of a non-special SFLOAT in hundredths (truncated) and whether that is exact. */
static int64_t hundredths(uint16_t raw, bool *exact)
{
	int64_t v = 0;
	sfloat_to_scaled(raw, -2, &v, exact);
	return v;
}

static bool sfloat_is_zero(uint16_t raw)
{
	bool exact = false;
	return hundredths(raw, &exact) == 0 && exact;
}

/* A number the collector sent, at 0.01 resolution: negative, finer or (unless allowed) zero
 * → 0x73. Specials must have been refused (0x71) before. */
static ids_rc hundredths_value(uint16_t raw, bool allow_zero, double *out)
{
	bool exact = false;
	int64_t v = hundredths(raw, &exact);
	if (!exact || v < 0 || (v == 0 && !allow_zero))
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	*out = (double)v / 100.0;
	return IDS_RC_SUCCESS;
}

/* A whole-percent value 0 … max_pct. */
static ids_rc percent_value(uint16_t raw, uint16_t max_pct, double *out)
{
	int64_t v = 0;
	bool exact = false;
	sfloat_to_scaled(raw, 0, &v, &exact);
	if (!exact || v < 0 || v > max_pct)
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	*out = (double)v;
	return IDS_RC_SUCCESS;
}

/* A code word that must be in its table and must not be Undetermined (0x0F in every IDS
 * table that has it: a request may not ask for an undetermined thing). */
static bool determined_code(const ids_code_table *t, uint16_t v)
{
	return ids_code_valid(t, v) && v != 0x0F;
}

static const uint32_t template_feature[IDS_TK_COUNT] = {
    [IDS_TK_BASAL] = IDS_FEAT_BASAL_RATE,
    [IDS_TK_TBR] = IDS_FEAT_TBR_TEMPLATE,
    [IDS_TK_BOLUS] = IDS_FEAT_BOLUS_TEMPLATE,
    [IDS_TK_ISF] = IDS_FEAT_ISF_TEMPLATE,
    [IDS_TK_I2CHO] = IDS_FEAT_I2CHO_TEMPLATE,
    [IDS_TK_TARGET_GLUCOSE] = IDS_FEAT_TARGET_GLUCOSE_TEMPLATE,
};

static bool template_kind_supported(const ids_server_profile *p, ids_template_kind k)
{
	return (p->features & template_feature[k]) && p->templates[k].count > 0;
}

static bool template_in_range(const ids_server_profile *p, ids_template_kind k, uint8_t n)
{
	const ids_template_range *r = &p->templates[k];
	return r->count > 0 && n >= r->first && (unsigned)n < (unsigned)r->first + r->count;
}

static bool template_known(const ids_server_profile *p, uint8_t n)
{
	for (int k = 0; k < IDS_TK_COUNT; k++)
		if (template_kind_supported(p, (ids_template_kind)k) &&
		    template_in_range(p, (ids_template_kind)k, n))
			return true;
	return false;
}

static bool any_template_supported(const ids_server_profile *p)
{
	for (int k = 0; k < IDS_TK_COUNT; k++)
		if (template_kind_supported(p, (ids_template_kind)k))
			return true;
	return false;
}

static ids_rc template_number_rc(const ids_server_profile *p, ids_template_kind k, uint8_t n)
{
	if (!template_kind_supported(p, k))
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	if (!template_in_range(p, k, n))
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return IDS_RC_SUCCESS;
}

static uint32_t bolus_type_feature(uint8_t type)
{
	switch (type) {
	case IDS_BOLUS_FAST:
		return IDS_FEAT_FAST_BOLUS;
	case IDS_BOLUS_EXTENDED:
		return IDS_FEAT_EXTENDED_BOLUS;
	case IDS_BOLUS_MULTIWAVE:
		return IDS_FEAT_MULTIWAVE_BOLUS;
	default:
		return 0;
	}
}

/* The bolus body shared by Set Bolus and Set Bolus Template: type, fast, extended,
 * duration. Returns 0x71 (code, special, fit), 0x74 (type), 0x73 (amounts, duration);
 * `checks` runs the checks of one stage only so that callers keep the global order. */
typedef enum bolus_stage { STAGE_OPERAND, STAGE_FEATURE, STAGE_RANGE } bolus_stage;

static ids_rc bolus_body_check(const ids_server_profile *p, bolus_stage stage, uint8_t type,
                               uint16_t fast_raw, uint16_t ext_raw, uint16_t duration_min,
                               double *fast_u, double *ext_u)
{
	ids_rc rc = IDS_RC_SUCCESS;
	switch (stage) {
	case STAGE_OPERAND:
		if (!determined_code(&ids_bolus_type_table, type))
			return IDS_RC_INVALID_OPERAND;
		if (is_special(fast_raw) || is_special(ext_raw))
			return IDS_RC_INVALID_OPERAND;
		if (type == IDS_BOLUS_FAST && (!sfloat_is_zero(ext_raw) || duration_min != 0))
			return IDS_RC_INVALID_OPERAND;
		if (type == IDS_BOLUS_EXTENDED && (!sfloat_is_zero(fast_raw) || duration_min == 0))
			return IDS_RC_INVALID_OPERAND;
		if (type == IDS_BOLUS_MULTIWAVE && duration_min == 0)
			return IDS_RC_INVALID_OPERAND;
		return IDS_RC_SUCCESS;
	case STAGE_FEATURE:
		return (p->features & bolus_type_feature(type)) ? IDS_RC_SUCCESS
		                                                : IDS_RC_PROCEDURE_NOT_APPLICABLE;
	case STAGE_RANGE:
		*fast_u = 0.0;
		*ext_u = 0.0;
		if (type != IDS_BOLUS_EXTENDED)
			rc = hundredths_value(fast_raw, false, fast_u);
		if (rc == IDS_RC_SUCCESS && type != IDS_BOLUS_FAST)
			rc = hundredths_value(ext_raw, false, ext_u);
		if (rc == IDS_RC_SUCCESS && duration_min > p->max_bolus_duration_min)
			rc = IDS_RC_PARAMETER_OUT_OF_RANGE;
		return rc;
	}
	return IDS_RC_INVALID_OPERAND;
}

/* ---------------------------------------------------------------------------------- */
/* Request decoders                                                                    */
/* ---------------------------------------------------------------------------------- */

static ids_rc decode_set_bolus(const ids_server_profile *p, wire_reader *r, ids_set_bolus *b)
{
	*b = (ids_set_bolus){0};
	b->flags = wire_u8(r);
	b->type = wire_u8(r);
	uint16_t fast = wire_u16(r);
	uint16_t ext = wire_u16(r);
	b->duration_min = wire_u16(r);
	if (b->flags & IDS_BOLUS_FLAG_DELAY)
		b->delay_min = wire_u16(r);
	if (b->flags & IDS_BOLUS_FLAG_TEMPLATE)
		b->template_number = wire_u8(r);
	if (b->flags & IDS_BOLUS_FLAG_ACTIVATION)
		b->activation_type = wire_u8(r);
	if (!wire_done(r) || (b->flags & ~IDS_BOLUS_FLAG_DEFINED))
		return IDS_RC_INVALID_OPERAND;
	if ((b->flags & IDS_BOLUS_FLAG_ACTIVATION) &&
	    !determined_code(&ids_activation_type_table, b->activation_type))
		return IDS_RC_INVALID_OPERAND;
	ids_rc rc =
	    bolus_body_check(p, STAGE_OPERAND, b->type, fast, ext, b->duration_min, NULL, NULL);
	if (rc != IDS_RC_SUCCESS)
		return rc;

	rc = bolus_body_check(p, STAGE_FEATURE, b->type, fast, ext, b->duration_min, NULL, NULL);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if (((b->flags & IDS_BOLUS_FLAG_DELAY) && !(p->features & IDS_FEAT_BOLUS_DELAY)) ||
	    ((b->flags & IDS_BOLUS_FLAG_TEMPLATE) && !template_kind_supported(p, IDS_TK_BOLUS)) ||
	    ((b->flags & IDS_BOLUS_FLAG_ACTIVATION) &&
	     !(p->features & IDS_FEAT_BOLUS_ACTIVATION_TYPE)))
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;

	rc = bolus_body_check(p, STAGE_RANGE, b->type, fast, ext, b->duration_min, &b->fast_u,
	                      &b->extended_u);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if ((b->flags & IDS_BOLUS_FLAG_DELAY) && b->delay_min > p->max_bolus_delay_min)
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	if ((b->flags & IDS_BOLUS_FLAG_TEMPLATE) &&
	    !template_in_range(p, IDS_TK_BOLUS, b->template_number))
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return IDS_RC_SUCCESS;
}

static ids_rc decode_bolus_template(const ids_server_profile *p, wire_reader *r,
                                    ids_bolus_template *t)
{
	*t = (ids_bolus_template){0};
	t->template_number = wire_u8(r);
	t->flags = wire_u8(r);
	t->type = wire_u8(r);
	uint16_t fast = wire_u16(r);
	uint16_t ext = wire_u16(r);
	t->duration_min = wire_u16(r);
	if (t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY)
		t->delay_min = wire_u16(r);
	if (!wire_done(r) || (t->flags & ~IDS_BOLUS_TEMPLATE_FLAG_DEFINED))
		return IDS_RC_INVALID_OPERAND;
	ids_rc rc =
	    bolus_body_check(p, STAGE_OPERAND, t->type, fast, ext, t->duration_min, NULL, NULL);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	rc = bolus_body_check(p, STAGE_FEATURE, t->type, fast, ext, t->duration_min, NULL, NULL);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if (!template_kind_supported(p, IDS_TK_BOLUS) ||
	    ((t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY) && !(p->features & IDS_FEAT_BOLUS_DELAY)))
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	rc = bolus_body_check(p, STAGE_RANGE, t->type, fast, ext, t->duration_min, &t->fast_u,
	                      &t->extended_u);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if ((t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY) && t->delay_min > p->max_bolus_delay_min)
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return template_number_rc(p, IDS_TK_BOLUS, t->template_number);
}

/* TBR type, value and duration (Set TBR Adjustment and Set TBR Template). */
static ids_rc tbr_operand_rc(uint8_t type, uint16_t value_raw)
{
	if (!determined_code(&ids_tbr_type_table, type) || is_special(value_raw))
		return IDS_RC_INVALID_OPERAND;
	return IDS_RC_SUCCESS;
}

static ids_rc tbr_feature_rc(const ids_server_profile *p, uint8_t type)
{
	uint32_t need = type == IDS_TBR_ABSOLUTE ? IDS_FEAT_TBR_ABSOLUTE : IDS_FEAT_TBR_RELATIVE;
	return (p->features & need) ? IDS_RC_SUCCESS : IDS_RC_PROCEDURE_NOT_APPLICABLE;
}

static ids_rc tbr_range_rc(const ids_server_profile *p, uint8_t type, uint16_t value_raw,
                           uint16_t duration_min, double *value)
{
	ids_rc rc = type == IDS_TBR_ABSOLUTE
	                ? hundredths_value(value_raw, true, value)
	                : percent_value(value_raw, p->max_tbr_relative_pct, value);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if (duration_min == 0 || duration_min > p->max_tbr_duration_min)
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return IDS_RC_SUCCESS;
}

static ids_rc decode_set_tbr(const ids_server_profile *p, wire_reader *r, ids_set_tbr *t)
{
	*t = (ids_set_tbr){0};
	t->flags = wire_u8(r);
	t->type = wire_u8(r);
	uint16_t value = wire_u16(r);
	t->duration_min = wire_u16(r);
	if (t->flags & IDS_TBR_FLAG_TEMPLATE)
		t->template_number = wire_u8(r);
	if (t->flags & IDS_TBR_FLAG_CONTEXT)
		t->delivery_context = wire_u8(r);
	if (!wire_done(r) || (t->flags & ~IDS_TBR_FLAG_DEFINED))
		return IDS_RC_INVALID_OPERAND;
	ids_rc rc = tbr_operand_rc(t->type, value);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if ((t->flags & IDS_TBR_FLAG_CONTEXT) &&
	    !determined_code(&ids_delivery_context_table, t->delivery_context))
		return IDS_RC_INVALID_OPERAND;
	rc = tbr_feature_rc(p, t->type);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if ((t->flags & IDS_TBR_FLAG_TEMPLATE) && !template_kind_supported(p, IDS_TK_TBR))
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	rc = tbr_range_rc(p, t->type, value, t->duration_min, &t->value);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	if ((t->flags & IDS_TBR_FLAG_TEMPLATE) &&
	    !template_in_range(p, IDS_TK_TBR, t->template_number))
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return IDS_RC_SUCCESS;
}

static ids_rc decode_tbr_template(const ids_server_profile *p, wire_reader *r, ids_tbr_template *t)
{
	*t = (ids_tbr_template){0};
	t->template_number = wire_u8(r);
	t->type = wire_u8(r);
	uint16_t value = wire_u16(r);
	t->duration_min = wire_u16(r);
	if (!wire_done(r))
		return IDS_RC_INVALID_OPERAND;
	ids_rc rc = tbr_operand_rc(t->type, value);
	if (rc == IDS_RC_SUCCESS)
		rc = tbr_feature_rc(p, t->type);
	if (rc == IDS_RC_SUCCESS && !template_kind_supported(p, IDS_TK_TBR))
		rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
	if (rc == IDS_RC_SUCCESS)
		rc = tbr_range_rc(p, t->type, value, t->duration_min, &t->value);
	if (rc == IDS_RC_SUCCESS)
		rc = template_number_rc(p, IDS_TK_TBR, t->template_number);
	return rc;
}

static ids_template_kind write_template_kind(uint16_t opcode)
{
	switch (opcode) {
	case IDS_CCP_WRITE_ISF_TEMPLATE:
	case IDS_CCP_READ_ISF_TEMPLATE:
		return IDS_TK_ISF;
	case IDS_CCP_WRITE_I2CHO_TEMPLATE:
	case IDS_CCP_READ_I2CHO_TEMPLATE:
		return IDS_TK_I2CHO;
	case IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE:
		return IDS_TK_TARGET_GLUCOSE;
	default:
		return IDS_TK_BASAL;
	}
}

/* Write Basal Rate / ISF / I2CHO template: flags b0 end transaction, b1 second and b2 third
 * time block present; Target Glucose Range: b0 end, b1 second; each block duration uint16 +
 * value SFLOAT (+ upper SFLOAT for target ranges). */
static ids_rc decode_write_template(const ids_server_profile *p, uint16_t opcode, wire_reader *r,
                                    ids_write_template *t)
{
	ids_template_kind kind = write_template_kind(opcode);
	bool ranged = kind == IDS_TK_TARGET_GLUCOSE;
	uint16_t raw[IDS_TIME_BLOCKS_PER_PDU][2] = {{0}};

	*t = (ids_write_template){0};
	t->flags = wire_u8(r);
	t->template_number = wire_u8(r);
	t->first_block_index = wire_u8(r);
	uint8_t defined = ranged ? 0x03 : 0x07;
	t->end_transaction = (t->flags & IDS_WRITE_TEMPLATE_END_TRANSACTION) != 0;
	bool second = (t->flags & 0x02) != 0;
	bool third = !ranged && (t->flags & 0x04) != 0;
	if (third && !second)
		return IDS_RC_INVALID_OPERAND;
	t->block_count = (uint8_t)(1 + second + third);
	for (int i = 0; i < t->block_count; i++) {
		t->blocks[i].duration_min = wire_u16(r);
		raw[i][0] = wire_u16(r);
		if (ranged)
			raw[i][1] = wire_u16(r);
	}
	if (!wire_done(r) || (t->flags & ~defined))
		return IDS_RC_INVALID_OPERAND;
	for (int i = 0; i < t->block_count; i++)
		if (is_special(raw[i][0]) || (ranged && is_special(raw[i][1])))
			return IDS_RC_INVALID_OPERAND;

	ids_rc rc = template_number_rc(p, kind, t->template_number);
	if (rc != IDS_RC_SUCCESS)
		return rc;
	unsigned last = (unsigned)t->first_block_index + t->block_count - 1;
	if (t->first_block_index == 0 || last > p->max_time_blocks)
		return IDS_RC_PARAMETER_OUT_OF_RANGE;
	for (int i = 0; i < t->block_count; i++) {
		ids_time_block *b = &t->blocks[i];
		if (b->duration_min == 0 || b->duration_min > p->max_time_block_duration_min)
			return IDS_RC_PARAMETER_OUT_OF_RANGE;
		/* A basal block may be 0 U/h; a ratio, sensitivity or target may not be 0. */
		rc = hundredths_value(raw[i][0], kind == IDS_TK_BASAL, &b->value);
		if (rc == IDS_RC_SUCCESS && ranged)
			rc = hundredths_value(raw[i][1], false, &b->value2);
		if (rc != IDS_RC_SUCCESS)
			return rc;
		if (ranged && b->value > b->value2)
			return IDS_RC_PLAUSIBILITY_CHECK_FAILED;
	}
	return IDS_RC_SUCCESS;
}

static ids_rc decode_template_list(const ids_server_profile *p, wire_reader *r,
                                   ids_template_list *l)
{
	*l = (ids_template_list){0};
	l->count = wire_u8(r);
	if (r->bad || l->count == 0 || l->count > IDS_TEMPLATE_LIST_MAX || wire_left(r) != l->count)
		return IDS_RC_INVALID_OPERAND;
	for (int i = 0; i < l->count; i++)
		l->numbers[i] = wire_u8(r);
	if (!any_template_supported(p))
		return IDS_RC_PROCEDURE_NOT_APPLICABLE;
	for (int i = 0; i < l->count; i++)
		if (!template_known(p, l->numbers[i]))
			return IDS_RC_PARAMETER_OUT_OF_RANGE;
	return IDS_RC_SUCCESS;
}

static ids_rc decode_amount(wire_reader *r, double *amount_u)
{
	uint16_t raw = wire_u16(r);
	if (!wire_done(r) || is_special(raw))
		return IDS_RC_INVALID_OPERAND;
	return hundredths_value(raw, false, amount_u);
}

static ids_rc no_operand(const wire_reader *r)
{
	return wire_done(r) ? IDS_RC_SUCCESS : IDS_RC_INVALID_OPERAND;
}

static ids_rc decode_template_number(const ids_server_profile *p, ids_template_kind kind,
                                     wire_reader *r, uint8_t *n)
{
	*n = wire_u8(r);
	if (!wire_done(r))
		return IDS_RC_INVALID_OPERAND;
	return template_number_rc(p, kind, *n);
}

ids_rc ids_command_decode(const ids_server_profile *p, const uint8_t *buf, size_t len,
                          ids_command *out)
{
	*out = (ids_command){0};
	wire_reader r = wire_reader_init(buf, len);
	uint16_t opcode = wire_u16(&r);
	if (r.bad)
		return IDS_RC_OPCODE_NOT_SUPPORTED; /* no opcode to name: out->opcode stays 0 */
	out->opcode = opcode;

	switch (opcode) {
	case IDS_CCP_SET_THERAPY_CONTROL_STATE: {
		uint8_t tcs = wire_u8(&r);
		if (!wire_done(&r) || !determined_code(&ids_tcs_table, tcs))
			return IDS_RC_INVALID_OPERAND;
		out->u.therapy_control_state = tcs;
		return IDS_RC_SUCCESS;
	}
	case IDS_CCP_SNOOZE_ANNUNCIATION:
	case IDS_CCP_CONFIRM_ANNUNCIATION:
		out->u.annunciation_id = wire_u16(&r);
		return no_operand(&r);
	case IDS_CCP_READ_BASAL_TEMPLATE:
	case IDS_CCP_READ_ISF_TEMPLATE:
	case IDS_CCP_READ_I2CHO_TEMPLATE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE:
		return decode_template_number(p, write_template_kind(opcode), &r,
		                              &out->u.template_number);
	case IDS_CCP_GET_TBR_TEMPLATE:
		return decode_template_number(p, IDS_TK_TBR, &r, &out->u.template_number);
	case IDS_CCP_GET_BOLUS_TEMPLATE:
		return decode_template_number(p, IDS_TK_BOLUS, &r, &out->u.template_number);
	case IDS_CCP_WRITE_BASAL_TEMPLATE:
	case IDS_CCP_WRITE_ISF_TEMPLATE:
	case IDS_CCP_WRITE_I2CHO_TEMPLATE:
	case IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE:
		return decode_write_template(p, opcode, &r, &out->u.write_template);
	case IDS_CCP_SET_TBR:
		return decode_set_tbr(p, &r, &out->u.set_tbr);
	case IDS_CCP_CANCEL_TBR: {
		ids_rc rc = no_operand(&r);
		if (rc == IDS_RC_SUCCESS &&
		    !(p->features & (IDS_FEAT_TBR_ABSOLUTE | IDS_FEAT_TBR_RELATIVE)))
			rc = IDS_RC_PROCEDURE_NOT_APPLICABLE;
		return rc;
	}
	case IDS_CCP_SET_TBR_TEMPLATE:
		return decode_tbr_template(p, &r, &out->u.tbr_template);
	case IDS_CCP_SET_BOLUS:
		return decode_set_bolus(p, &r, &out->u.set_bolus);
	case IDS_CCP_CANCEL_BOLUS:
		out->u.bolus_id = wire_u16(&r);
		return no_operand(&r);
	case IDS_CCP_SET_BOLUS_TEMPLATE:
		return decode_bolus_template(p, &r, &out->u.bolus_template);
	case IDS_CCP_RESET_TEMPLATE_STATUS:
	case IDS_CCP_ACTIVATE_TEMPLATES:
		return decode_template_list(p, &r, &out->u.templates);
	case IDS_CCP_START_PRIMING:
	case IDS_CCP_SET_RESERVOIR_FILL_LEVEL:
	case IDS_CCP_SET_MAX_BOLUS:
		return decode_amount(&r, &out->u.amount_u);
	case IDS_CCP_SET_FLIGHT_MODE:
	case IDS_CCP_GET_AVAILABLE_BOLUSES:
	case IDS_CCP_GET_TEMPLATE_STATUS:
	case IDS_CCP_GET_ACTIVATED_TEMPLATES:
	case IDS_CCP_STOP_PRIMING:
	case IDS_CCP_RESET_RESERVOIR_OPERATION_TIME:
	case IDS_CCP_GET_MAX_BOLUS:
		return no_operand(&r);
	default:
		/* Response opcodes (0x0F55, 0x1177 …) and anything not in the table. */
		return IDS_RC_OPCODE_NOT_SUPPORTED;
	}
}

/* ---------------------------------------------------------------------------------- */
/* Request encoder (the collector's side)                                              */
/* ---------------------------------------------------------------------------------- */

static ble_result put_exact(wire_writer *w, double v, int min_exp)
{
	return codec_put_sfloat(w, v, min_exp, SFLOAT_EXACT_ONLY);
}

ble_result codec_put_bolus_body(wire_writer *w, uint8_t type, double fast_u, double ext_u,
                                uint16_t duration_min, sfloat_rounding rounding)
{
	wire_put_u8(w, type);
	ble_result r = codec_put_sfloat(w, fast_u, -2, rounding);
	if (r == BLE_OK)
		r = codec_put_sfloat(w, ext_u, -2, rounding);
	wire_put_u16(w, duration_min);
	return r;
}

static ble_result put_blocks(wire_writer *w, const ids_write_template *t, bool ranged,
                             uint8_t flags)
{
	if (t->block_count < 1 || t->block_count > (ranged ? 2 : 3))
		return BLE_ERR_ARGUMENT;
	wire_put_u8(w, flags);
	wire_put_u8(w, t->template_number);
	wire_put_u8(w, t->first_block_index);
	for (int i = 0; i < t->block_count; i++) {
		wire_put_u16(w, t->blocks[i].duration_min);
		ble_result r = put_exact(w, t->blocks[i].value, -2);
		if (r == BLE_OK && ranged)
			r = put_exact(w, t->blocks[i].value2, -2);
		if (r != BLE_OK)
			return r;
	}
	return BLE_OK;
}

ble_result ids_command_encode(const ids_command *c, uint8_t *buf, size_t cap, size_t *len)
{
	wire_writer w = wire_writer_init(buf, cap);
	ble_result r = BLE_OK;
	wire_put_u16(&w, c->opcode);
	switch (c->opcode) {
	case IDS_CCP_SET_THERAPY_CONTROL_STATE:
		wire_put_u8(&w, c->u.therapy_control_state);
		break;
	case IDS_CCP_SNOOZE_ANNUNCIATION:
	case IDS_CCP_CONFIRM_ANNUNCIATION:
		wire_put_u16(&w, c->u.annunciation_id);
		break;
	case IDS_CCP_READ_BASAL_TEMPLATE:
	case IDS_CCP_READ_ISF_TEMPLATE:
	case IDS_CCP_READ_I2CHO_TEMPLATE:
	case IDS_CCP_READ_TARGET_GLUCOSE_TEMPLATE:
	case IDS_CCP_GET_TBR_TEMPLATE:
	case IDS_CCP_GET_BOLUS_TEMPLATE:
		wire_put_u8(&w, c->u.template_number);
		break;
	case IDS_CCP_WRITE_BASAL_TEMPLATE:
	case IDS_CCP_WRITE_ISF_TEMPLATE:
	case IDS_CCP_WRITE_I2CHO_TEMPLATE:
	case IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE: {
		const ids_write_template *t = &c->u.write_template;
		bool ranged = c->opcode == IDS_CCP_WRITE_TARGET_GLUCOSE_TEMPLATE;
		uint8_t flags = t->end_transaction ? IDS_WRITE_TEMPLATE_END_TRANSACTION : 0;
		if (t->block_count >= 2)
			flags |= 0x02;
		if (t->block_count >= 3)
			flags |= 0x04;
		r = put_blocks(&w, t, ranged, flags);
		break;
	}
	case IDS_CCP_SET_TBR: {
		const ids_set_tbr *t = &c->u.set_tbr;
		wire_put_u8(&w, t->flags);
		wire_put_u8(&w, t->type);
		r = put_exact(&w, t->value, t->type == IDS_TBR_RELATIVE ? 0 : -2);
		wire_put_u16(&w, t->duration_min);
		if (t->flags & IDS_TBR_FLAG_TEMPLATE)
			wire_put_u8(&w, t->template_number);
		if (t->flags & IDS_TBR_FLAG_CONTEXT)
			wire_put_u8(&w, t->delivery_context);
		break;
	}
	case IDS_CCP_SET_TBR_TEMPLATE: {
		const ids_tbr_template *t = &c->u.tbr_template;
		wire_put_u8(&w, t->template_number);
		wire_put_u8(&w, t->type);
		r = put_exact(&w, t->value, t->type == IDS_TBR_RELATIVE ? 0 : -2);
		wire_put_u16(&w, t->duration_min);
		break;
	}
	case IDS_CCP_SET_BOLUS: {
		const ids_set_bolus *b = &c->u.set_bolus;
		wire_put_u8(&w, b->flags);
		r = codec_put_bolus_body(&w, b->type, b->fast_u, b->extended_u, b->duration_min,
		                         SFLOAT_EXACT_ONLY);
		if (b->flags & IDS_BOLUS_FLAG_DELAY)
			wire_put_u16(&w, b->delay_min);
		if (b->flags & IDS_BOLUS_FLAG_TEMPLATE)
			wire_put_u8(&w, b->template_number);
		if (b->flags & IDS_BOLUS_FLAG_ACTIVATION)
			wire_put_u8(&w, b->activation_type);
		break;
	}
	case IDS_CCP_CANCEL_BOLUS:
		wire_put_u16(&w, c->u.bolus_id);
		break;
	case IDS_CCP_SET_BOLUS_TEMPLATE: {
		const ids_bolus_template *t = &c->u.bolus_template;
		wire_put_u8(&w, t->template_number);
		wire_put_u8(&w, t->flags);
		r = codec_put_bolus_body(&w, t->type, t->fast_u, t->extended_u, t->duration_min,
		                         SFLOAT_EXACT_ONLY);
		if (t->flags & IDS_BOLUS_TEMPLATE_FLAG_DELAY)
			wire_put_u16(&w, t->delay_min);
		break;
	}
	case IDS_CCP_RESET_TEMPLATE_STATUS:
	case IDS_CCP_ACTIVATE_TEMPLATES:
		if (c->u.templates.count > IDS_TEMPLATE_LIST_MAX)
			return BLE_ERR_ARGUMENT;
		wire_put_u8(&w, c->u.templates.count);
		wire_put_bytes(&w, c->u.templates.numbers, c->u.templates.count);
		break;
	case IDS_CCP_START_PRIMING:
	case IDS_CCP_SET_RESERVOIR_FILL_LEVEL:
	case IDS_CCP_SET_MAX_BOLUS:
		r = put_exact(&w, c->u.amount_u, -2);
		break;
	case IDS_CCP_CANCEL_TBR:
	case IDS_CCP_SET_FLIGHT_MODE:
	case IDS_CCP_GET_AVAILABLE_BOLUSES:
	case IDS_CCP_GET_TEMPLATE_STATUS:
	case IDS_CCP_GET_ACTIVATED_TEMPLATES:
	case IDS_CCP_STOP_PRIMING:
	case IDS_CCP_RESET_RESERVOIR_OPERATION_TIME:
	case IDS_CCP_GET_MAX_BOLUS:
		break;
	default:
		return BLE_ERR_INVALID_CODE;
	}
	if (r != BLE_OK)
		return r;
	return codec_finish(&w, len);
}
