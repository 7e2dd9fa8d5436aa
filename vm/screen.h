/* screen.h: long values told apart from a set of keyword pieces by a few
   short factors, 32 bytes at a time (vm/ only; rawscan.c). */
#ifndef SIGVM_SCREEN_H
#define SIGVM_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sv_screen sv_screen;

/* Texts shorter than this are not screened: a search that slides windows
   along them costs a few steps. */
#define SV_SCREEN_MIN 64

/* A screen for n pieces (piece[k], len[k] bytes: printable ASCII without
   upper-case letters), pair_counts from sv_raw_pair_counts. NULL when the
   machine cannot run it (no AVX2) or when no few factors cover the pieces:
   then every text may hold one. */
sv_screen *sv_screen_new(const char *const *piece, const uint32_t *len, uint32_t n,
                         const uint32_t *pair_counts);
void sv_screen_free(sv_screen *s);

/* Whether text t (n bytes) may hold one of the pieces, ASCII case aside:
   false only if it holds none; true for any text shorter than
   SV_SCREEN_MIN, which is not screened. */
bool sv_screen_may_hold(const sv_screen *s, const char *t, size_t n);

#endif
