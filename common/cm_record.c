/* fragproxy record file reader (cm_record.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cm_record.h"

int cm_record_parse(const char *line, struct cm_record_row *row)
{
	char dir[8];
	int end = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\n' || *line == '\r' || *line == '\0')
		return 0;
	if (line[0] < '0' || line[0] > '9')
		return -EINVAL;
	if (sscanf(line,
		   "%" SCNu64 " %7s %" SCNu64 " %" SCNu64 " %" SCNd64 "%n",
		   &row->conn, dir, &row->offset, &row->size, &row->time_us,
		   &end) != 5 ||
	    row->size == 0)
		return -EINVAL;
	line += end;
	while (*line == ' ' || *line == '\t' || *line == '\r' || *line == '\n')
		line++;
	if (*line != '\0')
		return -EINVAL;
	if (strcmp(dir, "up") == 0)
		row->dir = 0;
	else if (strcmp(dir, "down") == 0)
		row->dir = 1;
	else
		return -EINVAL;
	return 1;
}

int cm_record_each(const char *path,
		   int (*fn)(void *arg, const struct cm_record_row *row),
		   void *arg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned long lineno = 0;
	int rc = 0;

	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		struct cm_record_row row;
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s: line %lu is too long", path,
				 lineno);
			rc = -EINVAL;
			break;
		}
		int r = cm_record_parse(line, &row);
		if (r < 0) {
			snprintf(err, errlen,
				 "%s: line %lu: expected 'CONN up|down OFFSET "
				 "SIZE TIME_US'",
				 path, lineno);
			rc = r;
		} else if (r == 1) {
			rc = fn(arg, &row);
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	return rc;
}
