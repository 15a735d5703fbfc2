/* SPDX-License-Identifier: MIT */
/* Test harness: run a real enasim process on a temporary socket, drive its
 * control socket, and read back what the device saw. */
#ifndef TEST_SIM_HARNESS_H
#define TEST_SIM_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

struct sim {
	pid_t pid;
	char dir[64];
	char sock[128];
	char ctl[128];
	char devstr[160];
};

/* Start build/enasim (or $ENASIM) with extra arguments (NULL-terminated);
 * returns 0 once its socket accepts. */
int sim_start(struct sim *s, const char *const *extra_args);
/* SIGTERM, wait, remove the directory. Safe on a never-started sim. */
void sim_stop(struct sim *s);
/* `enasim ctl --ctl PATH VERB ARGS...`; returns its exit status; *ret_json
 * gets the parsed reply when it printed JSON (caller puts it). */
int sim_ctl(struct sim *s, struct json_object **ret_json, const char *verb, ...);
/* Convenience: the `show` document; NULL on failure. */
struct json_object *sim_show(struct sim *s);
/* Walk a path like "rss.function" in a JSON object; NULL when absent. */
struct json_object *json_path(struct json_object *o, const char *path);

#endif
