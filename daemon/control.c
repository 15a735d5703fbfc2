/* SPDX-License-Identifier: MIT */
/* The control socket: listener, per-client framing and limits, peer
 * credentials, and the event stream (daemon/CONTROL-API.md).
 * libevent writes with writev(): the process ignores SIGPIPE (manager_run()). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <systemd/sd-daemon.h>

#include "control.h"
#include "log.h"
#include "manager.h"
#include "rpc.h"
#include "rpc_methods.h"

#define CONTROL_CLIENTS_MAX 64
#define CONTROL_IDLE_TIMEOUT_S 60          /* no byte in or out for this long: closed */
#define CONTROL_OUTPUT_MAX (1u << 20)      /* unsent bytes a client may hold back */
#define CONTROL_OUTPUT_PAUSE (256u << 10)  /* above this, stop reading its requests */
#define CONTROL_LINES_PER_PASS 16          /* requests of one client per loop pass */
#define CONTROL_GROUPS_MAX 4096            /* supplementary groups looked at */
#define CONTROL_BACKLOG 64

struct client {
	struct control *c;
	struct client *prev, *next;
	struct bufferevent *bev;
	struct event *more;      /* runs client_more(): further lines, a deferred close */
	unsigned long serial;    /* for the log */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;           /* supplementary groups of the peer process */
	size_t n_groups;
	bool subscribed;
	unsigned int events;     /* bit (1u << enum port_event_kind) */
	char device[16];         /* only this port's events; "" = all */
	bool eof;                /* the peer sent everything it will send */
	bool paused;             /* not reading: too much unsent output */
	bool closing;            /* answered for the last time: free once the output drained */
	bool dead;               /* free on the next pass, output or not */
};

struct control {
	struct manager *m;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *accept_retry;
	struct rpc_dispatch dispatch;
	char path[PARAM_PATH_MAX];   /* the socket we created; "" when systemd passed it */
	dev_t dev;
	ino_t ino;
	bool have_control_gid, have_admin_gid;
	gid_t control_gid, admin_gid;
	struct client *clients;
	unsigned int n_clients;
	unsigned long serial;
	struct log_ratelimit rl;
};

static void client_more(evutil_socket_t fd, short what, void *arg);

/* ---- groups and credentials ---- */

static int group_lookup(const char *name, gid_t *ret)
{
	struct group gr, *res = NULL;
	size_t len = 4096;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nbuf = realloc(buf, len);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		r = getgrnam_r(name, &gr, buf, len, &res);
		if (r != ERANGE || len >= (1u << 20))
			break;
		len *= 2;
	}
	if (r == 0 && res)
		*ret = gr.gr_gid;
	free(buf);
	if (r)
		return -r;
	return res ? 0 : -ENOENT;
}

static void control_set_groups(struct control *c, const struct enad_global_config *g)
{
	int r;

	r = group_lookup(g->control_group, &c->control_gid);
	c->have_control_gid = r == 0;
	if (r == -ENOENT)
		log_warn("control socket: no group %s; the socket keeps enad's group", g->control_group);
	else if (r < 0)
		log_warn_errno(r, "control socket: group %s: %m; the socket keeps enad's group",
			       g->control_group);
	r = group_lookup(g->admin_group, &c->admin_gid);
	c->have_admin_gid = r == 0;
	if (r == -ENOENT)
		log_warn("control socket: no admin group %s; only root may change settings",
			 g->admin_group);
	else if (r < 0)
		log_warn_errno(r, "control socket: admin group %s: %m; only root may change settings",
			       g->admin_group);
}

/* The peer's supplementary groups: the ones its process has (SO_PEERGROUPS,
 * what the kernel checked to let it connect), or where the kernel cannot
 * tell, the user's groups in the group database. */
static int peer_groups(int fd, const struct ucred *cred, gid_t **ret, size_t *ret_n)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *groups = NULL;
	int n;

	for (int tries = 0; tries < 2; tries++) {
		gid_t *ng = realloc(groups, len ? len : sizeof(gid_t));

		if (!ng)
			goto nomem;
		groups = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
			*ret = groups;
			*ret_n = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE || len > CONTROL_GROUPS_MAX * sizeof(gid_t))
			break;
	}
	if (errno == ERANGE) {
		/* Too many to look at: judged by its primary group alone (denies, never grants). */
		free(groups);
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (errno != ENOPROTOOPT && errno != EOPNOTSUPP) {
		int r = -errno;

		free(groups);
		return r;
	}
	/* Older kernels: the group database. */
	{
		struct passwd pw, *res = NULL;
		char buf[4096];

		if (getpwuid_r(cred->uid, &pw, buf, sizeof(buf), &res) != 0 || !res) {
			free(groups);
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		n = CONTROL_GROUPS_MAX;
		free(groups);
		groups = malloc((size_t)n * sizeof(gid_t));
		if (!groups)
			goto nomem;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
			n = CONTROL_GROUPS_MAX;
		*ret = groups;
		*ret_n = (size_t)n;
		return 0;
	}
nomem:
	free(groups);
	return -ENOMEM;
}

static bool client_in_group(const struct client *cl, gid_t gid)
{
	if (cl->gid == gid)
		return true;
	for (size_t i = 0; i < cl->n_groups; i++)
		if (cl->groups[i] == gid)
			return true;
	return false;
}

/* Decided per request: the groups may change with a reload. */
static enum rpc_access client_access(const struct control *c, const struct client *cl)
{
	if (cl->uid == 0 || (c->have_admin_gid && client_in_group(cl, c->admin_gid)))
		return RPC_ACCESS_ADMIN;
	if (c->have_control_gid && client_in_group(cl, c->control_gid))
		return RPC_ACCESS_READ;
	return RPC_ACCESS_NONE;
}

/* ---- clients ---- */

static void client_free(struct client *cl)
{
	struct control *c = cl->c;

	log_debug("control: client %lu (pid %d) closed", cl->serial, (int)cl->pid);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	c->n_clients--;
	bufferevent_free(cl->bev);
	event_free(cl->more);
	free(cl->groups);
	free(cl);
}

/* Close @cl on the next loop pass: safe from anywhere, also while one of
 * its own requests runs (a port event can overflow its output). */
static void client_kill(struct client *cl, const char *why)
{
	if (cl->dead)
		return;
	log_ratelimit(&cl->c->rl, LOG_WARNING, NULL, NULL, "control: closing client %lu (pid %d): %s",
		      cl->serial, (int)cl->pid, why);
	cl->dead = true;
	bufferevent_disable(cl->bev, EV_READ | EV_WRITE);
	event_active(cl->more, EV_TIMEOUT, 0);
}

/* No more requests will be read: free once what is queued has been sent. */
static void client_finish(struct client *cl)
{
	cl->closing = true;
	bufferevent_disable(cl->bev, EV_READ);
	bufferevent_setwatermark(cl->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		event_active(cl->more, EV_TIMEOUT, 0);
}

/* Queue @len bytes for @cl. Return: 0, or -ENOBUFS (the client is being closed). */
static int client_send(struct client *cl, const char *text, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(cl->bev);
	size_t pending = evbuffer_get_length(out);

	if (cl->dead)
		return -ENOBUFS;
	if (pending + len > CONTROL_OUTPUT_MAX) {
		client_kill(cl, "more than 1 MiB of output unread");
		return -ENOBUFS;
	}
	if (bufferevent_write(cl->bev, text, len) < 0) {
		client_kill(cl, "out of memory");
		return -ENOBUFS;
	}
	if (!cl->paused && pending + len > CONTROL_OUTPUT_PAUSE) {
		/* Backpressure: read no more requests until it read its answers. */
		cl->paused = true;
		bufferevent_disable(cl->bev, EV_READ);
	}
	return 0;
}

static void client_too_long(struct client *cl)
{
	json_object *data = json_object_new_object();
	char *line;

	if (data)
		json_object_object_add(data, "limit", json_object_new_int(RPC_LINE_MAX));
	line = rpc_error_line(RPC_INVALID_REQUEST, data, "request line longer than 65536 bytes");
	/* The rest of the line cannot be framed: answer, then close. */
	if (line)
		client_send(cl, line, strlen(line));
	free(line);
	evbuffer_drain(bufferevent_get_input(cl->bev), evbuffer_get_length(bufferevent_get_input(cl->bev)));
	client_finish(cl);
}

static void client_handle(struct client *cl, const char *line, size_t len)
{
	struct control *c = cl->c;
	enum rpc_access access = client_access(c, cl);
	struct rpc_reply reply;
	int r;

	r = rpc_handle(&c->dispatch, line, len, access, cl, &reply);
	if (r < 0) {
		client_kill(cl, "out of memory");
		return;
	}
	if (reply.mutating && reply.code != RPC_PERMISSION_DENIED)
		log_info("control: %s by pid %d uid %u: %s", reply.method, (int)cl->pid,
			 (unsigned int)cl->uid, reply.code ? rpc_code_name(reply.code) : "ok");
	else if (reply.code == RPC_PERMISSION_DENIED)
		log_ratelimit(&c->rl, LOG_INFO, NULL, NULL, "control: %s denied to pid %d uid %u",
			      reply.method, (int)cl->pid, (unsigned int)cl->uid);
	if (reply.text)
		client_send(cl, reply.text, reply.len);
	if (reply.subscribe && !cl->dead) {
		cl->subscribed = true;
		cl->events = reply.events;
		memcpy(cl->device, reply.device, sizeof(cl->device));
		/* A subscriber may stay silent; only unread output still times out. */
		bufferevent_set_timeouts(cl->bev, NULL,
					 &(struct timeval){ .tv_sec = CONTROL_IDLE_TIMEOUT_S });
	}
	rpc_reply_free(&reply);
}

/* Run the complete lines in the input, a few per pass. */
static void client_process(struct client *cl)
{
	struct evbuffer *in = bufferevent_get_input(cl->bev);

	for (unsigned int n = 0;; n++) {
		struct evbuffer_ptr eol;
		size_t eol_len = 0;
		char *line;

		if (cl->dead || cl->closing || cl->paused)
			return;
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			/* The input high watermark stops reading at RPC_LINE_MAX + 2. */
			if (evbuffer_get_length(in) > RPC_LINE_MAX + 1)
				client_too_long(cl);
			else if (cl->eof)
				client_finish(cl); /* an unterminated last line is not a request */
			return;
		}
		if (n == CONTROL_LINES_PER_PASS) {
			/* Let the other clients and the ports have the loop. */
			event_active(cl->more, EV_TIMEOUT, 0);
			return;
		}
		line = malloc((size_t)eol.pos + 1);
		if (!line) {
			client_kill(cl, "out of memory");
			return;
		}
		evbuffer_remove(in, line, (size_t)eol.pos);
		evbuffer_drain(in, eol_len);
		line[eol.pos] = '\0';
		client_handle(cl, line, (size_t)eol.pos);
		free(line);
	}
}

static void client_more(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	if (cl->dead || (cl->closing && evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)) {
		client_free(cl);
		return;
	}
	client_process(cl);
}

static void client_read(struct bufferevent *bev, void *arg)
{
	client_process(arg);
}

static void client_write(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;

	if (cl->dead)
		return;
	if (cl->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(cl);
		return;
	}
	if (cl->paused) {
		cl->paused = false;
		if (!cl->eof)
			bufferevent_enable(bev, EV_READ);
		client_process(cl);
	}
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *cl = arg;

	if (what & BEV_EVENT_EOF) {
		/* Half-closed (printf ... | socat): answer what was sent, then close. */
		cl->eof = true;
		client_process(cl);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("control: client %lu (pid %d): idle for %d s, closed", cl->serial,
			  (int)cl->pid, CONTROL_IDLE_TIMEOUT_S);
		client_free(cl);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		client_free(cl);
		return;
	}
}

/* Best effort on a fresh socket: the message fits its send buffer. */
static void refuse(int fd)
{
	char *line = rpc_error_line(RPC_TOO_MANY_CLIENTS, NULL, "too many clients; try again later");

	if (line) {
		ssize_t n = send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);

		(void)n;
	}
	free(line);
	close(fd);
}

static void control_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			   int socklen, void *arg)
{
	static const struct timeval idle = { .tv_sec = CONTROL_IDLE_TIMEOUT_S };
	struct control *c = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *cl;
	int r;

	if (c->n_clients >= CONTROL_CLIENTS_MAX) {
		log_ratelimit(&c->rl, LOG_WARNING, NULL, NULL,
			      "control: %d clients connected; refusing another", CONTROL_CLIENTS_MAX);
		refuse(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_ratelimit(&c->rl, LOG_WARNING, NULL, NULL, "control: SO_PEERCRED: %s",
			      strerror(errno));
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		goto fail_close;
	r = peer_groups(fd, &cred, &cl->groups, &cl->n_groups);
	if (r < 0)
		goto fail_free;
	cl->c = c;
	cl->pid = cred.pid;
	cl->uid = cred.uid;
	cl->gid = cred.gid;
	cl->serial = ++c->serial;
	cl->more = event_new(c->base, -1, 0, client_more, cl);
	if (!cl->more)
		goto fail_groups;
	cl->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!cl->bev)
		goto fail_event;
	bufferevent_setcb(cl->bev, client_read, client_write, client_event, cl);
	/* Never buffer more than one longest line plus its "\r\n". */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, RPC_LINE_MAX + 2);
	bufferevent_setwatermark(cl->bev, EV_WRITE, CONTROL_OUTPUT_PAUSE / 2, 0);
	bufferevent_set_timeouts(cl->bev, &idle, &idle);
	if (bufferevent_enable(cl->bev, EV_READ | EV_WRITE) < 0) {
		bufferevent_free(cl->bev); /* closes fd */
		event_free(cl->more);
		free(cl->groups);
		free(cl);
		return;
	}
	cl->next = c->clients;
	if (c->clients)
		c->clients->prev = cl;
	c->clients = cl;
	c->n_clients++;
	log_debug("control: client %lu connected: pid %d uid %u gid %u", cl->serial, (int)cl->pid,
		  (unsigned int)cl->uid, (unsigned int)cl->gid);
	return;

fail_event:
	event_free(cl->more);
fail_groups:
	free(cl->groups);
fail_free:
	free(cl);
fail_close:
	log_ratelimit(&c->rl, LOG_WARNING, NULL, NULL, "control: cannot take a client: out of memory");
	close(fd);
}

static void control_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	evconnlistener_enable(c->listener);
}

static void control_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *c = arg;
	int err = EVUTIL_SOCKET_ERROR();

	/* Out of fds or memory: the listener stays readable, so pause it for a
	 * second instead of spinning. */
	log_ratelimit(&c->rl, LOG_WARNING, NULL, NULL, "control: accept: %s; pausing 1 s",
		      strerror(err));
	evconnlistener_disable(l);
	evtimer_add(c->accept_retry, &(struct timeval){ .tv_sec = 1 });
}

/* ---- the listening socket ---- */

/* The socket systemd passed (ListenStream=), or -ENOENT. */
static int listen_fd_from_systemd(void)
{
	int n = sd_listen_fds(1);

	if (n < 0)
		return log_errno(n, "sd_listen_fds: %m");
	for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			continue;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			return log_errno(errno, "control socket from systemd: %m");
		log_info("control: listening on the socket systemd passed (fd %d)", fd);
		return fd;
	}
	if (n > 0)
		log_warn("systemd passed %d socket(s), none a listening unix stream socket; "
			 "binding the configured path", n);
	return -ENOENT;
}

/* A socket file at @path: remove it if nobody listens there any more. */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : log_errno(errno, "control socket %s: %m", path);
	if (!S_ISSOCK(st.st_mode))
		return log_errno(EEXIST, "control socket %s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_errno(errno, "socket: %m");
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	r = r < 0 ? errno : 0;
	close(fd);
	if (r != ECONNREFUSED)
		return log_errno(EADDRINUSE, "control socket %s: another process listens there", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return log_errno(errno, "control socket %s: remove stale socket: %m", path);
	return 0;
}

static int listen_path(struct control *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PARAM_PATH_MAX];
	struct stat st;
	char *slash;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_errno(ENAMETOOLONG, "control socket %s: path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* /run/enad may not exist without systemd's RuntimeDirectory=. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return log_errno(errno, "control socket directory %s: %m", dir);
	}
	r = remove_stale(path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_errno(errno, "socket: %m");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = log_errno(errno, "control socket %s: bind: %m", path);
		goto fail_close;
	}
	/* Mode and group before listen(): nobody can connect in between. */
	if (chmod(path, 0660) < 0) {
		r = log_errno(errno, "control socket %s: chmod: %m", path);
		goto fail_unlink;
	}
	if (c->have_control_gid && chown(path, (uid_t)-1, c->control_gid) < 0) {
		r = log_errno(errno, "control socket %s: chgrp: %m", path);
		goto fail_unlink;
	}
	if (stat(path, &st) < 0) {
		r = log_errno(errno, "control socket %s: %m", path);
		goto fail_unlink;
	}
	if (listen(fd, CONTROL_BACKLOG) < 0) {
		r = log_errno(errno, "control socket %s: listen: %m", path);
		goto fail_unlink;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	log_info("control: listening on %s", path);
	return fd;

fail_unlink:
	unlink(path);
fail_close:
	close(fd);
	return r;
}

/* Is the file at c->path still the socket we created? */
static bool path_is_ours(const struct control *c)
{
	struct stat st;

	return c->path[0] && lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;
}

int control_open(struct manager *m, const struct enad_global_config *g, struct control **ret)
{
	struct control *c;
	int fd, r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return log_errno(ENOMEM, "control: %m");
	c->m = m;
	c->base = manager_event_base(m);
	c->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * 1000000ull, 5);
	rpc_methods_dispatch(m, &c->dispatch);
	control_set_groups(c, g);
	c->accept_retry = evtimer_new(c->base, control_accept_retry, c);
	if (!c->accept_retry) {
		r = log_errno(ENOMEM, "control: %m");
		goto fail_free;
	}
	fd = listen_fd_from_systemd();
	if (fd == -ENOENT)
		fd = listen_path(c, g->control_socket);
	if (fd < 0) {
		r = fd;
		goto fail_timer;
	}
	c->listener = evconnlistener_new(c->base, control_accept, c,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (!c->listener) {
		close(fd);
		r = log_errno(ENOMEM, "control: listener: %m");
		goto fail_unlink;
	}
	evconnlistener_set_error_cb(c->listener, control_accept_error);
	*ret = c;
	return 0;

fail_unlink:
	if (path_is_ours(c))
		unlink(c->path);
fail_timer:
	event_free(c->accept_retry);
fail_free:
	free(c);
	return r;
}

void control_reconfigure(struct control *c, const struct enad_global_config *g)
{
	if (!c)
		return;
	control_set_groups(c, g);
	log_info("control: read access for root, %s and %s; changes for root and %s",
		 g->control_group, g->admin_group, g->admin_group);
	/* A socket systemd made keeps systemd's SocketGroup=. */
	if (c->have_control_gid && path_is_ours(c) && chown(c->path, (uid_t)-1, c->control_gid) < 0)
		log_warn_errno(errno, "control socket %s: chgrp %s: %m", c->path, g->control_group);
}

void control_port_event(struct control *c, struct port *p, const struct port_event *ev)
{
	struct client *cl, *next;
	json_object *params;
	char *line;
	size_t len;

	if (!c || !c->clients)
		return;
	params = rpc_event_json(p, ev);
	if (!params)
		return;
	line = rpc_notification_line("event", params);
	if (!line)
		return;
	len = strlen(line);
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (!cl->subscribed || cl->dead || !(cl->events & (1u << ev->kind)) ||
		    (cl->device[0] && strcmp(cl->device, port_name(p)) != 0))
			continue;
		client_send(cl, line, len); /* a client that does not read is closed */
	}
	free(line);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	evconnlistener_free(c->listener);
	event_free(c->accept_retry);
	if (path_is_ours(c))
		unlink(c->path);
	free(c);
}
