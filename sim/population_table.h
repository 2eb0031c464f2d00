/*
 * population_table — a drawn population (patient_model/population.h) as results: the table
 * population_patients of a shard database (one row a patient: its name, cohort, index,
 * base, parameter stream, rejected draws and every parameter of population_param_name), and
 * the same as CSV or JSON, read back from the database in item order so that one run and
 * the merge of its shards write the same bytes. `fakepump population` writes it;
 * `fakepump merge` reads it.
 */
#ifndef FAKEPUMP_POPULATION_TABLE_H
#define FAKEPUMP_POPULATION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "population.h"

/* Creates population_patients and registers it with the shard (a 'rows' table). */
bool population_table_create(sqlite3 *db, char *err, size_t errlen);
/* Patient p of `cohort` as item `item`. */
bool population_table_add(sqlite3 *db, uint64_t item, const char *cohort,
                          const population_patient *p, char *err, size_t errlen);
/* Every row in item order: CSV with a header line, or a JSON array of objects. Numbers
 * with the fewest of 15–17 significant digits that read back to the same double. */
bool population_table_write_csv(sqlite3 *db, FILE *out, char *err, size_t errlen);
bool population_table_write_json(sqlite3 *db, FILE *out, char *err, size_t errlen);

#endif
