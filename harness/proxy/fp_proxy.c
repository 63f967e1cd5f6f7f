/* fragproxy lifecycle: copy the config, bind the listener, resolve the
 * upstream, open record/pcap/control, and the threaded embedded form. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fp_internal.h"

static int copy_config(struct fp_config *dst, const struct fp_config *src)
{
	*dst = *src;
	dst->record = dst->pcap = dst->control = dst->policy_dir = NULL;
	dst->capture = NULL;
	for (int d = 0; d < 2; d++) {
		dst->dir[d].replay = NULL;
		dst->dir[d].sched.list = NULL;
	}
	for (int d = 0; d < 2; d++) {
		if (fr_sched_copy(&dst->dir[d].sched, &src->dir[d].sched))
			return -ENOMEM;
		if (src->dir[d].replay &&
		    !(dst->dir[d].replay = strdup(src->dir[d].replay)))
			return -ENOMEM;
	}
	if ((src->record && !(dst->record = strdup(src->record))) ||
	    (src->pcap && !(dst->pcap = strdup(src->pcap))) ||
	    (src->capture && !(dst->capture = strdup(src->capture))) ||
	    (src->control && !(dst->control = strdup(src->control))) ||
	    (src->policy_dir && !(dst->policy_dir = strdup(src->policy_dir))))
		return -ENOMEM;
	return 0;
}

static int resolve_upstream(struct fp_proxy *p, char *msg, size_t len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int r = getaddrinfo(p->cfg.up_host, p->cfg.up_port, &hints, &ai);

	if (r) {
		snprintf(msg, len, "upstream %s:%s: %s", p->cfg.up_host,
			 p->cfg.up_port, gai_strerror(r));
		return -EINVAL;
	}
	memcpy(&p->up_addr, ai->ai_addr, ai->ai_addrlen);
	p->up_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int bind_listener(struct fp_proxy *p, char *msg, size_t len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE},
			*ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1, r;

	r = getaddrinfo(p->cfg.listen_host, p->cfg.listen_port, &hints, &ai);
	if (r) {
		snprintf(msg, len, "listen %s:%s: %s", p->cfg.listen_host,
			 p->cfg.listen_port, gai_strerror(r));
		return -EINVAL;
	}
	p->lfd = socket(ai->ai_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->lfd < 0)
		goto fail;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(p->lfd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(p->lfd, 4096) < 0 ||
	    getsockname(p->lfd, (struct sockaddr *)&ss, &sl) < 0)
		goto fail;
	freeaddrinfo(ai);
	p->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
fail:
	r = -errno;
	snprintf(msg, len, "listen %s:%s: %s", p->cfg.listen_host,
		 p->cfg.listen_port, strerror(errno));
	freeaddrinfo(ai);
	return r;
}

static int add_ep(struct fp_proxy *p, int fd, struct fp_ep *ep,
		  enum fp_ep_kind kind)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ep};

	ep->kind = kind;
	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int open_fds(struct fp_proxy *p, char *msg, size_t len)
{
	int r;

	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	p->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->epfd < 0 || p->evfd < 0 || p->tfd < 0) {
		snprintf(msg, len, "event fds: %s", strerror(errno));
		return -errno;
	}
	r = bind_listener(p, msg, len);
	if (r)
		return r;
	if ((r = add_ep(p, p->lfd, &p->ep_l, EP_LISTEN)) ||
	    (r = add_ep(p, p->evfd, &p->ep_ev, EP_EVENT)) ||
	    (r = add_ep(p, p->tfd, &p->ep_t, EP_TIMER))) {
		snprintf(msg, len, "epoll: %s", strerror(-r));
		return r;
	}
	return 0;
}

static void pick_seed(struct fp_proxy *p)
{
	uint64_t s;

	if (p->cfg.seed_set) {
		p->seed = p->cfg.seed;
	} else {
		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
			s = (uint64_t)cm_now_ns() ^ (uint64_t)getpid();
		p->seed = s % 1000000000000ULL; /* short enough to retype */
	}
	for (int d = 0; d < 2; d++)
		if (!p->cfg.dir[d].sched.seed_set)
			p->cfg.dir[d].sched.seed = p->seed;
}

/* The starting policies, and --policy-dir for the control API's file:. */
static int open_policies(struct fp_proxy *p, char *msg, size_t len)
{
	for (int d = 0; d < 2; d++) {
		p->pol[d] = fp_policy_new(p, &p->cfg.dir[d].sched);
		if (!p->pol[d]) {
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
	}
	if (!p->cfg.policy_dir)
		return 0;
	p->policy_dirfd =
	    open(p->cfg.policy_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->policy_dirfd < 0) {
		int e = errno;
		snprintf(msg, len, "--policy-dir %s: %s", p->cfg.policy_dir,
			 strerror(e));
		return -e;
	}
	return 0;
}

int fp_open(const struct fp_config *c, struct fp_proxy **out, char *msg,
	    size_t len)
{
	char dummy[8];
	struct fp_proxy *p = calloc(1, sizeof(*p));
	int r;

	if (!msg) {
		msg = dummy;
		len = sizeof(dummy);
	}
	msg[0] = '\0';
	*out = NULL;
	if (!p) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	p->epfd = p->lfd = p->evfd = p->tfd = p->policy_dirfd = -1;
	p->cap_index = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->t0 = cm_now_ns();
	r = copy_config(&p->cfg, c);
	if (r) {
		snprintf(msg, len, "out of memory");
		goto fail;
	}
	pick_seed(p);
	if ((r = open_policies(p, msg, len)) ||
	    (r = resolve_upstream(p, msg, len)) ||
	    (r = open_fds(p, msg, len)) || (r = fp_replay_load(p, msg, len)) ||
	    (r = fp_record_open(p, msg, len)) ||
	    (r = fp_pcap_open(p, msg, len)) ||
	    (r = fp_capture_open(p, msg, len)) ||
	    (r = fp_control_start(p, msg, len)))
		goto fail;
	*out = p;
	return 0;
fail:
	fp_close(p);
	return r;
}

void fp_close(struct fp_proxy *p)
{
	if (!p)
		return;
	fp_control_stop(p);
	while (p->conns)
		fp_conn_free(p->conns);
	fp_reap(p);
	free(p->heap);
	fp_record_close(p);
	fp_pcap_close(p);
	fp_capture_close(p);
	for (int d = 0; d < 2; d++)
		fp_policy_put(p, p->pol[d]);
	int fds[] = {p->lfd, p->evfd, p->tfd, p->epfd, p->policy_dirfd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	pthread_mutex_destroy(&p->lock);
	fp_config_free(&p->cfg);
	free(p);
}

static void *thread_main(void *arg)
{
	fp_run(arg);
	return NULL;
}

int fp_start(const struct fp_config *c, struct fp_proxy **out)
{
	struct fp_proxy *p;
	char msg[256];
	int r = fp_open(c, &p, msg, sizeof(msg));

	if (r) {
		if (c->log)
			fprintf(c->log, "fragproxy: %s\n", msg);
		return r;
	}
	r = pthread_create(&p->thread, NULL, thread_main, p);
	if (r) {
		fp_close(p);
		return -r;
	}
	p->threaded = true;
	*out = p;
	return 0;
}

void fp_stop(struct fp_proxy *p)
{
	if (!p)
		return;
	if (p->threaded) {
		fp_shutdown(p);
		pthread_join(p->thread, NULL);
	}
	fp_close(p);
}

int fp_port(const struct fp_proxy *p)
{
	return p->port;
}

uint64_t fp_seed(const struct fp_proxy *p)
{
	return p->seed;
}
