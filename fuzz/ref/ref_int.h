/* Internal to fuzz/ref: the result builders every reference codec uses and
 * the per-codec entry points (ref.c dispatches on the spec's kind). */
#ifndef FRAGLAB_FUZZ_REF_INT_H
#define FRAGLAB_FUZZ_REF_INT_H

#include "ref.h"

int ref_frame(struct ref_result *r, uint64_t off, const uint8_t *p, size_t n);
/* A frame built piece by piece: ref_frame_begin, then ref_frame_byte. */
int ref_frame_begin(struct ref_result *r, uint64_t off);
int ref_frame_byte(struct ref_result *r, uint8_t c);
void ref_frame_drop(struct ref_result *r);
int ref_error(struct ref_result *r, int code, uint64_t off, bool fatal);
/* A fatal error: the error, then finish returning the same code. */
int ref_fatal(struct ref_result *r, int code, uint64_t off);
int ref_finish(struct ref_result *r, int code, uint64_t off);

int ref_fixed(const struct fr_spec *s, const uint8_t *p, size_t n,
	      struct ref_result *r);
int ref_raw(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r);
int ref_delimited(const struct fr_spec *s, const uint8_t *p, size_t n,
		  struct ref_result *r);
int ref_len(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r);
int ref_tlv(const struct fr_spec *s, const uint8_t *p, size_t n,
	    struct ref_result *r);
int ref_netstring(const struct fr_spec *s, const uint8_t *p, size_t n,
		  struct ref_result *r);
int ref_cobs(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r);
int ref_slip(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r);
int ref_resp(const struct fr_spec *s, const uint8_t *p, size_t n,
	     struct ref_result *r);
int ref_http1(const struct fr_spec *s, const uint8_t *p, size_t n,
	      struct ref_result *r);
int ref_ws(const struct fr_spec *s, const uint8_t *p, size_t n,
	   struct ref_result *r);

#endif
