/*
 * support — helpers for tests that drive the real `fakepump` executable: run it with
 * arguments, capture its output and exit status, read the CSV it writes.
 */
#ifndef FAKEPUMP_TEST_SUPPORT_H
#define FAKEPUMP_TEST_SUPPORT_H

#include <stddef.h>

typedef struct run_result {
	int exit_status; /* exit code, or 128 + signal */
	char *out;       /* captured stdout, NUL-terminated (owned) */
	char *err;       /* captured stderr (owned) */
} run_result;

/* Path of the fakepump binary under test (env FAKEPUMP, set by meson). */
const char *fakepump_path(void);

/* Run fakepump with a NULL-terminated argv (without argv[0]); captures everything. */
run_result run_fakepump(const char *const *args);
void run_result_free(run_result *r);

/* A fresh temporary directory (owned string); removed with its files by remove_tree. */
char *make_temp_dir(void);
void remove_tree(const char *dir);

/* Write a whole file; returns 0 on success. */
int write_file(const char *path, const char *text);
/* Read a whole file (owned, NUL-terminated) or NULL. `len` may be NULL. */
char *read_file(const char *path, size_t *len);

/*
 * A CSV with a header row. Cells are strings; csv_column finds a column by name (-1 if
 * absent); csv_number parses a cell (NaN when empty).
 */
typedef struct csv_table {
	size_t rows, cols;
	char **header;
	char ***cells; /* cells[row][col] */
	char *storage;
} csv_table;

int csv_load(const char *path, csv_table *t);
int csv_column(const csv_table *t, const char *name);
double csv_number(const csv_table *t, size_t row, int col);
void csv_free(csv_table *t);

#endif
