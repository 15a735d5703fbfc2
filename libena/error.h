/* SPDX-License-Identifier: MIT */
/* Detail for the last libena failure on this thread. Libraries do not log:
 * they return -errno and leave a sentence here for the caller to print. */
#ifndef ENA_ERROR_H
#define ENA_ERROR_H

/**
 * ena_error_set() - record why the current operation fails and return @err.
 * @err: negative errno, returned unchanged so callers can write
 *       `return ena_error_set(-ENODEV, "no %s", path);`
 */
int ena_error_set(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** ena_error_last() - the last recorded sentence on this thread, or "". */
const char *ena_error_last(void);

/** ena_error_clear() - forget the last sentence. */
void ena_error_clear(void);

#endif /* ENA_ERROR_H */
