/* Protocol aliases: one table naming real protocols ("tls", "postgres",
 * "mqtt", ...) with the framing spec that reads them. fr_spec_parse accepts
 * a name wherever a spec goes; docs/protocols.md explains every row. */
#ifndef FRAMING_PROTOCOLS_H
#define FRAMING_PROTOCOLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fr_protocol {
	const char *name;  /* alias, e.g. "tls" */
	const char *spec;  /* the spec it stands for */
	const char *title; /* the protocol and direction, one line */
};

/* The row named name, or NULL. */
const struct fr_protocol *fr_protocol_lookup(const char *name);

/* Iterate: the i-th row, or NULL once i >= fr_protocol_count(). */
const struct fr_protocol *fr_protocol_at(size_t i);
size_t fr_protocol_count(void);

#ifdef __cplusplus
}
#endif
#endif
