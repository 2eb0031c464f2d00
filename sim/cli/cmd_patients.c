/*
 * cmd_patients — `fakepump patients`: the 30 virtual patients of the UVA/Padova model
 * (patient_model/) with the figures a scenario author picks one by: body weight, basal
 * rate, carb ratio, correction factor and fasting glucose.
 */
#include "cli.h"
#include "patient_model.h"

static void print_patients(void)
{
	printf("%-15s %8s %10s %8s %8s %7s\n", "patient", "BW kg", "basal U/h", "CR g/U",
	       "CF mg/dL", "Gb");
	for (size_t i = 0; i < patient_params_count(); i++) {
		const patient_params *p = patient_params_at(i);
		printf("%-15s %8.2f %10.4f %8.0f %8.1f %7.1f\n", p->name, p->BW,
		       patient_basal_u_per_min(p) * 60.0, p->carb_ratio_g_per_u,
		       p->correction_factor_mgdl_per_u, p->x0[PATIENT_GP_MG_PER_KG] / p->Vg);
	}
}

int cmd_patients(int argc, char **argv)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *value;
	cli_args a;
	cli_begin(&a, "patients", argc, argv, "h", options);
	int c;
	while ((c = cli_next(&a, &value)) != CLI_END) {
		if (c == 'h') {
			cli_print_usage(stdout);
			return CLI_EXIT_OK;
		}
		cli_note_unexpected(&a, c, value);
	}
	if (cli_unexpected(&a)) {
		fprintf(stderr, "fakepump patients: takes no arguments (got '%s')\n",
		        cli_unexpected(&a));
		return CLI_EXIT_BAD_INPUT;
	}
	print_patients();
	return CLI_EXIT_OK;
}
