/* fraglab Criterion helper: an embedded fragproxy (fragproxy.h) in front
 * of an address or of a serve function run on an in-process listener, and
 * a registry so that fcr_teardown() stops whatever a test left running. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcr_say.h"
#include "fraglab/criterion.h"

struct fcr_conn {
	int fd;
	pthread_t thr;
	fcr_serve_fn serve;
	void *arg;
};

struct fcr_proxy {
	struct fp_proxy *fp;
	struct fcr_proxy *next; /* in the registry */
	/* the in-process server of fcr_proxy_start_fn, lfd -1 if none */
	fcr_serve_fn serve;
	void *arg;
	int lfd, sport;
	pthread_t acc;
	pthread_mutex_t mu;
	bool stopping;
	struct fcr_conn **conns;
	size_t nconn, cap;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fcr_proxy *reg;

static void *conn_main(void *v)
{
	struct fcr_conn *c = v;

	c->serve(c->fd, c->arg);
	return NULL;
}

/* Accept until fcr_proxy_stop shuts the listener down; one thread per
 * connection, joined at stop. */
static void *accept_main(void *v)
{
	struct fcr_proxy *p = v;

	for (;;) {
		int fd = accept(p->lfd, NULL, NULL);
		struct fcr_conn *c;
		bool stop;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		pthread_mutex_lock(&p->mu);
		c = calloc(1, sizeof(*c));
		stop = p->stopping;
		if (stop || !c || p->nconn == SIZE_MAX / 2)
			goto drop;
		if (p->nconn == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 8;
			struct fcr_conn **n =
			    realloc(p->conns, cap * sizeof(*n));

			if (!n)
				goto drop;
			p->conns = n;
			p->cap = cap;
		}
		c->fd = fd;
		c->serve = p->serve;
		c->arg = p->arg;
		if (pthread_create(&c->thr, NULL, conn_main, c))
			goto drop;
		p->conns[p->nconn++] = c;
		pthread_mutex_unlock(&p->mu);
		continue;
	drop:
		pthread_mutex_unlock(&p->mu);
		free(c);
		close(fd);
		if (stop)
			break;
	}
	return NULL;
}

static int listen_local(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static struct fcr_proxy *proxy_new(void)
{
	struct fcr_proxy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->lfd = -1;
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

/* Stop the in-process server: wake accept, then every serve call. */
static void server_stop(struct fcr_proxy *p)
{
	if (p->lfd < 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_mutex_unlock(&p->mu);
	shutdown(p->lfd, SHUT_RDWR);
	pthread_join(p->acc, NULL);
	close(p->lfd);
	p->lfd = -1;
	for (size_t i = 0; i < p->nconn; i++) {
		shutdown(p->conns[i]->fd, SHUT_RDWR);
		pthread_join(p->conns[i]->thr, NULL);
		close(p->conns[i]->fd);
		free(p->conns[i]);
	}
	free(p->conns);
	p->conns = NULL;
	p->nconn = 0;
}

static void proxy_free(struct fcr_proxy *p)
{
	if (p->fp)
		fp_stop(p->fp);
	server_stop(p);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static int start_fp(struct fcr_proxy *p, const char *upstream,
		    const char *policy, char *msg, size_t msglen)
{
	struct fp_config c;
	char err[256], seed[24];
	int rc;

	fp_config_init(&c);
	snprintf(seed, sizeof(seed), "%" PRIu64, fcr_seed());
	rc = fp_config_set(&c, "--upstream", upstream, err, sizeof(err));
	if (!rc)
		rc = fp_config_set(&c, "--split", policy, err, sizeof(err));
	if (!rc)
		rc = fp_config_set(&c, "--seed", seed, err, sizeof(err));
	if (rc) {
		fp_config_free(&c);
		return fcr_say(msg, msglen, -EINVAL, "%s", err);
	}
	rc = fp_start(&c, &p->fp);
	fp_config_free(&c);
	if (rc) {
		p->fp = NULL;
		return fcr_say(msg, msglen, rc < 0 ? rc : -EIO,
			       "cannot start fragproxy: %s",
			       strerror(rc < 0 ? -rc : EIO));
	}
	pthread_mutex_lock(&reg_mu);
	p->next = reg;
	reg = p;
	pthread_mutex_unlock(&reg_mu);
	return fcr_say(msg, msglen, 0, "fragproxy on port %d", fp_port(p->fp));
}

int fcr_proxy_start(const char *upstream, const char *policy,
		    struct fcr_proxy **out, char *msg, size_t msglen)
{
	struct fcr_proxy *p;
	int rc;

	if (!upstream || !policy || !out)
		return fcr_say(msg, msglen, -EINVAL,
			       "no upstream or no policy");
	p = proxy_new();
	if (!p)
		return fcr_say(msg, msglen, -ENOMEM, "out of memory");
	rc = start_fp(p, upstream, policy, msg, msglen);
	if (rc) {
		proxy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int fcr_proxy_start_fn(fcr_serve_fn serve, void *arg, const char *policy,
		       struct fcr_proxy **out, char *msg, size_t msglen)
{
	struct fcr_proxy *p;
	char up[32];
	int rc;

	if (!serve || !policy || !out)
		return fcr_say(msg, msglen, -EINVAL,
			       "no serve function or policy");
	p = proxy_new();
	if (!p)
		return fcr_say(msg, msglen, -ENOMEM, "out of memory");
	p->serve = serve;
	p->arg = arg;
	rc = listen_local(&p->sport);
	if (rc < 0) {
		proxy_free(p);
		return fcr_say(msg, msglen, rc, "server socket: %s",
			       strerror(-rc));
	}
	p->lfd = rc;
	rc = pthread_create(&p->acc, NULL, accept_main, p);
	if (rc) {
		close(p->lfd);
		p->lfd = -1;
		proxy_free(p);
		return fcr_say(msg, msglen, -rc, "server thread: %s",
			       strerror(rc));
	}
	snprintf(up, sizeof(up), "127.0.0.1:%d", p->sport);
	rc = start_fp(p, up, policy, msg, msglen);
	if (rc) {
		proxy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int fcr_proxy_port(const struct fcr_proxy *p)
{
	return fp_port(p->fp);
}

int fcr_proxy_server_port(const struct fcr_proxy *p)
{
	return p->lfd >= 0 ? p->sport : 0;
}

uint64_t fcr_proxy_seed(const struct fcr_proxy *p)
{
	return fp_seed(p->fp);
}

struct fp_proxy *fcr_proxy_fp(struct fcr_proxy *p)
{
	return p->fp;
}

int fcr_proxy_connect(struct fcr_proxy *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)fp_port(p->fp));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

void fcr_proxy_stop(struct fcr_proxy *p)
{
	struct fcr_proxy **pp;

	if (!p)
		return;
	pthread_mutex_lock(&reg_mu);
	for (pp = &reg; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
	proxy_free(p);
}

void fcr_teardown(void)
{
	for (;;) {
		struct fcr_proxy *p;

		pthread_mutex_lock(&reg_mu);
		p = reg;
		if (p)
			reg = p->next;
		pthread_mutex_unlock(&reg_mu);
		if (!p)
			return;
		proxy_free(p);
	}
}
