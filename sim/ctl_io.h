/* SPDX-License-Identifier: MIT */
/* enasim control verbs of the datapath: fault injection, suspend/resume,
 * ENI allowances, and the "io"/"eni" parts of show. Verb functions have the
 * ctl verb-table signature and run with dev->lock held. */
#ifndef ENASIM_CTL_IO_H
#define ENASIM_CTL_IO_H

#include <stddef.h>

struct json_object;
struct sim_device;

/* Same signature as ctl.c's verb functions. */
typedef int sim_ctl_io_verb_fn(struct sim_device *dev, const char *const *args, unsigned int n,
			       struct json_object *reply, char *err, size_t errlen);

/** `corrupt tx-req-id|rx-req-id`: the next completion carries a bad req_id. */
sim_ctl_io_verb_fn sim_ctl_verb_corrupt;
/** `tx-complete on|off`: write TX completions or not. */
sim_ctl_io_verb_fn sim_ctl_verb_tx_complete;
/** `rx-descs N`: the next RX packet spans N descriptors (1..64). */
sim_ctl_io_verb_fn sim_ctl_verb_rx_descs;
/** `swallow-irq on|off`: write completions but fire no IO MSI-X. */
sim_ctl_io_verb_fn sim_ctl_verb_swallow_irq;
/** `suspend` / `resume`: stop / resume processing traffic. */
sim_ctl_io_verb_fn sim_ctl_verb_suspend;
sim_ctl_io_verb_fn sim_ctl_verb_resume;
/** `allowance KIND RATE`: bw-in|bw-out|pps|conntrack|linklocal, 0 = unlimited. */
sim_ctl_io_verb_fn sim_ctl_verb_allowance;
/** `tx-ooo on|off`: complete TX out of order. */
sim_ctl_io_verb_fn sim_ctl_verb_tx_ooo;

/** sim_ctl_io_show() - add "io" (wire, faults, per-queue counters,
 * vectors) and "eni" (allowances and exceeded counters) to @reply. */
void sim_ctl_io_show(struct sim_device *dev, struct json_object *reply);

#endif /* ENASIM_CTL_IO_H */
