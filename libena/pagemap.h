/* SPDX-License-Identifier: MIT */
/* Virtual to physical address translation through /proc/self/pagemap. */
#ifndef ENA_PAGEMAP_H
#define ENA_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define ENA_PAGEMAP_PRESENT (1ull << 63)
#define ENA_PAGEMAP_SWAPPED (1ull << 62)
#define ENA_PAGEMAP_PFN_MASK ((1ull << 55) - 1) /* bits 0-54 */

/**
 * ena_pagemap_decode() - page frame number of one pagemap entry.
 * @entry: the 64-bit entry for one page.
 * @ret_pfn: receives the PFN; untouched on failure.
 *
 * Return: 0; -EFAULT when the page is not present (or swapped out); -EPERM
 * when it is present but the PFN reads as zero, which is how the kernel hides
 * PFNs from a process without CAP_SYS_ADMIN.
 */
int ena_pagemap_decode(uint64_t entry, uint64_t *ret_pfn);

/**
 * ena_pagemap_decode_range() - check that consecutive pagemap entries
 * describe physically consecutive pages.
 * @entries: the entries of pages n, n+1, ... n+@count-1.
 * @count: number of entries, > 0.
 * @ret_pfn: receives the PFN of the first page; untouched on failure.
 *
 * Return: 0; -EINVAL when the pages are not physically contiguous (or
 * @count is 0); otherwise the first ena_pagemap_decode() error.
 */
int ena_pagemap_decode_range(const uint64_t *entries, size_t count, uint64_t *ret_pfn);

/**
 * ena_pagemap_virt_to_phys() - physical address of one byte of our memory.
 * @va: the address; its page must be present (touched, ideally locked).
 * @ret_pa: receives the physical address; untouched on failure.
 *
 * Return: 0, -EFAULT (not present), -EPERM (no CAP_SYS_ADMIN), or the
 * open/read error of /proc/self/pagemap.
 */
int ena_pagemap_virt_to_phys(const void *va, uint64_t *ret_pa);

/**
 * ena_pagemap_range_phys() - physical address of [va, va+len) if, and only
 * if, the whole range is physically contiguous.
 * @va: start of the range; @len: its length (> 0).
 * @ret_pa: receives the physical address of @va; untouched on failure.
 *
 * Return: 0; -EINVAL when the range is not physically contiguous; or the
 * errors of ena_pagemap_virt_to_phys().
 */
int ena_pagemap_range_phys(const void *va, size_t len, uint64_t *ret_pa);

#endif /* ENA_PAGEMAP_H */
