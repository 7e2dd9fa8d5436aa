/* output.h: the CSV and table writers' share of output.c (inside runtime/
   only). A row is one text per field, already resolved from the match. */
#ifndef SIGVM_RUNTIME_OUTPUT_H
#define SIGVM_RUNTIME_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct rt_cell {
    const char *s;
    size_t n;
} rt_cell;

/* output_csv.c: one RFC 4180 record. */
void rt_csv_row(FILE *out, const rt_cell *cells, size_t n);

/* output_table.c: columns of a fixed width each (no width can be known
   before the last match), cut with an ellipsis; a column of paths keeps
   the end of its values, where the file name is. */
typedef struct rt_column {
    int width;
    bool keep_end;
    bool right; /* numbers */
} rt_column;
rt_column rt_table_column(const char *field);
void rt_table_row(FILE *out, const rt_cell *cells, const rt_column *cols, size_t n);

#endif
