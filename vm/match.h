/* match.h: value-matcher helpers shared within vm/, beyond those in vm.h. */
#ifndef SIGVM_MATCH_H
#define SIGVM_MATCH_H

#include "vm.h"

/* Length of the UTF-8 character at s (n > 0 bytes available): the whole
   sequence when it is valid, else 1, so that a stray byte counts as one
   character and is never skipped over silently. */
size_t sv_utf8_char_len(const char *s, size_t n);

/* Lower-cases the ASCII bytes at the start of s (n bytes) into out, eight
   at a time; returns how many there were. */
size_t sv_lower_ascii(const char *s, size_t n, char *out);

/* Case-folds s (n bytes) into out, which has room for cap: the length
   written, or SIZE_MAX when that would not fit (folding may lengthen
   text: "İ" is "i" and a combining dot). Never fails otherwise: a byte
   that starts no valid UTF-8 character is copied as it is. */
size_t sv_casefold_into(const char *s, size_t n, char *out, size_t cap);

/* Whether case-folding s (n bytes) yields ASCII bytes only where s holds
   them: no character of s outside ASCII folds to text that has any ("K",
   the Kelvin sign, folds to "k"; "İ" to "i" and a combining dot). */
bool sv_fold_keeps_ascii_apart(const char *s, size_t n);

/* Whether ip lies in net/prefix; both are 16-byte (IPv4-mapped) addresses
   as filled by sv_parse_ip / sv_parse_cidr, prefix 0..128. */
bool sv_ip_in_net(const uint8_t ip[16], const uint8_t net[16], unsigned prefix);

/* The value as a number (exec.c), parsed once per event however many
   tests ask for it; false when it is not one. */
bool sv_value_number(sv_event *ev, sv_value *v, double *d);

/* Whether s is an IP address of class cls (SV_IP_*). */
bool sv_ip_class(const char *s, size_t n, unsigned cls);

#endif
