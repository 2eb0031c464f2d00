/*
 * patient_params — the 30 virtual patients of simglucose v0.2.11 (the S2008 academic
 * population), shipped inside the program as const data (no runtime file lookups).
 *
 * The table is generated from the CSVs by tools/gen_patient_params.py.
 */
#include <string.h>

#include "patient_model.h"

static const patient_params patient_table[] = {
#include "patient_params_table.inc"
};

size_t patient_params_count(void)
{
	return sizeof patient_table / sizeof patient_table[0];
}

const patient_params *patient_params_at(size_t index)
{
	return index < patient_params_count() ? &patient_table[index] : NULL;
}

const patient_params *patient_params_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < patient_params_count(); i++)
		if (strcmp(patient_table[i].name, name) == 0)
			return &patient_table[i];
	return NULL;
}

double patient_basal_u_per_min(const patient_params *params)
{
	/* Same operation order as simglucose's BBController: u2ss * BW / 6000. */
	return params->u2ss * params->BW / 6000.0;
}
