/* Process and socket helpers for the servers suites
 * (test_servers_util.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "framing/codec.h"
#include "framing/io.h"
#include "run_util.h"
#include "test_servers_util.h"

static void exec_child(const char *const argv[], long nofile)
{
	const char *path = run_tool_path(argv[0]);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (nofile > 0) {
		struct rlimit rl = {.rlim_cur = (rlim_t)nofile,
				    .rlim_max = (rlim_t)nofile};
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	execv(path, (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

int ts_start(struct ts_proc *p, const char *const argv[], long nofile)
{
	int out[2];
	char line[128];

	char errpath[] = "/tmp/ts-err-XXXXXX";

	memset(p, 0, sizeof(*p));
	int efd = mkstemp(errpath);
	if (efd < 0 || pipe(out) != 0)
		return -1;
	unlink(errpath);
	p->errfd = dup(efd);
	p->pid = fork();
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(efd, 2);
		close(out[0]);
		close(out[1]);
		close(efd);
		exec_child(argv, nofile);
	}
	close(out[1]);
	close(efd);
	int rc =
	    p->pid > 0 ? read_line(out[0], line, sizeof(line), TS_WAIT_MS) : -1;
	close(out[0]);
	const char *sp = strrchr(line, ':');
	if (rc != 0 || strncmp(line, "listening on ", 13) != 0 || !sp) {
		if (p->pid > 0)
			ts_stop(p);
		return -1;
	}
	snprintf(p->addr, sizeof(p->addr), "%s", line + 13);
	p->port = atoi(sp + 1);
	return 0;
}

static int wait_exit(pid_t pid, int timeout_ms, int *status)
{
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		poll(NULL, 0, 5);
	}
	return -1;
}

int ts_stop(struct ts_proc *p)
{
	int st = 0;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	if (wait_exit(p->pid, TS_WAIT_MS, &st) != 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &st, 0);
		p->pid = 0;
		return -1;
	}
	p->pid = 0;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

const char *ts_stderr(const struct ts_proc *p)
{
	static char buf[16384];
	ssize_t n = pread(p->errfd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int ts_run(const char *const argv[], const char *in, char *out, size_t outcap,
	   char *err, size_t errcap)
{
	struct run_result r;
	size_t n = 0;

	while (argv[n])
		n++;
	char **args = calloc(n + 1, sizeof(*args));
	if (args == NULL)
		return -1;
	memcpy(args, argv, n * sizeof(*args));
	args[0] = (char *)run_tool_path(argv[0]);
	int rc = run_prog(args, in, in ? strlen(in) : 0, &r);
	free(args);
	if (rc != 0)
		return -1;
	snprintf(out, outcap, "%s", r.out);
	snprintf(err, errcap, "%s", r.err);
	rc = r.status < 128 ? r.status : -1;
	run_free(&r);
	return rc;
}

unsigned ts_loopback(struct sockaddr_storage *ss, int port, bool v6)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

int ts_connect(int port, bool v6)
{
	struct sockaddr_storage ss;
	socklen_t len = ts_loopback(&ss, port, v6);
	struct timeval tv = {.tv_sec = TS_WAIT_MS / 1000};
	int one = 1;

	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ts_children(pid_t pid, int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	*zombies = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t r = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[r] = '\0';
		/* pid (comm) state ppid ...: comm may hold spaces */
		char *rp = strrchr(buf, ')');
		char state;
		int ppid;
		if (rp == NULL || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid != pid)
			continue;
		n++;
		if (state == 'Z')
			(*zombies)++;
	}
	closedir(d);
	return n;
}

static int send_framed(int fd, const struct fr_spec *sp,
		       const char *const *msgs, const size_t *lens, size_t n,
		       bool bytewise)
{
	size_t total = 0, used = 0;

	for (size_t i = 0; i < n; i++)
		total += fr_encode_bound(sp, lens[i]);
	uint8_t *wire = malloc(total ? total : 1);
	if (wire == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t w = 0;
		if (fr_encode(sp, msgs[i], lens[i], wire + used, total - used,
			      &w) != FR_OK) {
			free(wire);
			return -2;
		}
		used += w;
	}
	int rc = 0;
	if (!bytewise)
		rc = fr_send_all(fd, wire, used, TS_WAIT_MS, NULL);
	for (size_t i = 0; bytewise && i < used && rc == 0; i++)
		rc = fr_send_all(fd, wire + i, 1, TS_WAIT_MS, NULL);
	free(wire);
	return rc == 0 ? 0 : -1;
}

const char *ts_echo_check(int fd, const char *spec, const char *const *msgs,
			  const size_t *lens, size_t n, bool bytewise)
{
	static __thread char why[160];
	struct fr_spec sp;
	struct fr_decoder dec;
	struct fr_frame f;
	size_t rcap = 65536;
	uint8_t *rbuf = malloc(rcap);

	if (rbuf == NULL || fr_spec_parse(&sp, spec, NULL, 0) != FR_OK ||
	    fr_decoder_init(&dec, &sp, NULL, 0) != FR_OK) {
		free(rbuf);
		return "setup failed";
	}
	int rc = send_framed(fd, &sp, msgs, lens, n, bytewise);
	snprintf(why, sizeof(why), "send failed (%d)", rc);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = fr_recv_frame(fd, &dec, rbuf, rcap, &f, TS_WAIT_MS);
		if (rc != FR_FRAME) {
			snprintf(why, sizeof(why), "frame %zu of %zu: %s", i, n,
				 fr_errname(rc));
			break;
		}
		rc = 0;
		if (f.len != lens[i] || memcmp(f.data, msgs[i], f.len) != 0) {
			snprintf(why, sizeof(why),
				 "frame %zu differs (%zu bytes, sent %zu)", i,
				 f.len, lens[i]);
			rc = -1;
		}
	}
	fr_decoder_free(&dec);
	free(rbuf);
	return rc == 0 ? NULL : why;
}

void ts_random_msg(char *buf, size_t len, const char *spec, unsigned *seed)
{
	bool line = strncmp(spec, "line", 4) == 0;

	for (size_t i = 0; i < len; i++) {
		char c = (char)(rand_r(seed) & 0xff);
		buf[i] = line && c == '\n' ? 'n' : c;
	}
}

/* Criterion 2.4 leaks the parameter arrays of ParameterizedTest in its
 * runner; that is not ours, so LeakSanitizer is told to skip it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcriterion.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

double ts_cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	/* fields after comm: state(3) ... utime(14) stime(15) */
	if (p == NULL || sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %lu %lu",
				&ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int ts_fd_count(pid_t pid)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

long ts_mem_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':')
			v = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return v;
}
