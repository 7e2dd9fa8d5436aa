/* explain.h: explain traces for `sigvm test` (tools/ only). */
#ifndef SIGVM_EXPLAIN_H
#define SIGVM_EXPLAIN_H

#include <stdio.h>

#include "sigma/sigma.h"

/* Writes to out, one indented line per named part of r's expression, whether
   it held for the JSON document doc. */
void cli_explain(FILE *out, const sg_rule *r, const char *doc, size_t len);

#endif
