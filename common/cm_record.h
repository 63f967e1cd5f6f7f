/* Reader of fragproxy record files (--record FILE; format in
 * docs/fragproxy.md): a "# fragproxy record v1 seed=S" header, then one
 * line per chunk sent, "CONN DIR OFFSET SIZE TIME_US" with DIR up or down;
 * blank lines and lines starting with '#' are skipped. Used by fragproxy's
 * replay, fragtest's HTML report and the suites. */
#ifndef FRAGLAB_COMMON_RECORD_H
#define FRAGLAB_COMMON_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct cm_record_row {
	uint64_t conn;	 /* connection id, from 0 in accept order */
	int dir;	 /* 0 up (client to server), 1 down */
	uint64_t offset; /* stream offset of the chunk in that direction */
	uint64_t size;	 /* chunk size, >= 1 */
	int64_t time_us; /* since the proxy started */
};

/* Parse one line. Returns 1 with *row filled, 0 for a line to skip, or
 * -EINVAL for a malformed one. */
int cm_record_parse(const char *line, struct cm_record_row *row);

/* Call fn for every row of the file at path, in order; fn returns 0 to go
 * on or non-zero to stop (that value is returned). Returns 0, -errno when
 * the file cannot be read, or -EINVAL for a malformed line; err then holds
 * "PATH: REASON" (with the line number). */
int cm_record_each(const char *path,
		   int (*fn)(void *arg, const struct cm_record_row *row),
		   void *arg, char *err, size_t errlen);

#endif
