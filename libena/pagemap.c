/* SPDX-License-Identifier: MIT */
/* Virtual to physical address translation through /proc/self/pagemap. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "pagemap.h"

#define PAGEMAP_PATH "/proc/self/pagemap"
#define PAGEMAP_BATCH 512 /* entries read per pread: 4 KiB on the stack */

int ena_pagemap_decode(uint64_t entry, uint64_t *ret_pfn)
{
	uint64_t pfn;

	if (!ret_pfn)
		return -EINVAL;
	if (!(entry & ENA_PAGEMAP_PRESENT) || (entry & ENA_PAGEMAP_SWAPPED))
		return -EFAULT;
	pfn = entry & ENA_PAGEMAP_PFN_MASK;
	if (pfn == 0)
		return -EPERM;
	*ret_pfn = pfn;
	return 0;
}

int ena_pagemap_decode_range(const uint64_t *entries, size_t count, uint64_t *ret_pfn)
{
	uint64_t first, pfn;
	int r;

	if (!entries || count == 0 || !ret_pfn)
		return -EINVAL;
	r = ena_pagemap_decode(entries[0], &first);
	if (r < 0)
		return r;
	for (size_t i = 1; i < count; i++) {
		r = ena_pagemap_decode(entries[i], &pfn);
		if (r < 0)
			return r;
		if (pfn != first + i)
			return -EINVAL;
	}
	*ret_pfn = first;
	return 0;
}

static int pagemap_pread(int fd, uint64_t *buf, size_t count, uint64_t first_page)
{
	size_t want = count * sizeof(*buf);
	ssize_t n;

	do
		n = pread(fd, buf, want, (off_t)(first_page * sizeof(*buf)));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EIO;
}

int ena_pagemap_range_phys(const void *va, size_t len, uint64_t *ret_pa)
{
	uint64_t entries[PAGEMAP_BATCH], first_pfn = 0, pfn;
	uintptr_t start = (uintptr_t)va;
	uint64_t page_size, first_page, nr_pages, done = 0;
	int fd, r = 0;

	if (!va || len == 0 || !ret_pa || start + len < start)
		return -EINVAL;
	page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	first_page = start / page_size;
	nr_pages = (start + len - 1) / page_size - first_page + 1;

	fd = open(PAGEMAP_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < nr_pages) {
		size_t batch = nr_pages - done < PAGEMAP_BATCH ? (size_t)(nr_pages - done)
							       : PAGEMAP_BATCH;

		r = pagemap_pread(fd, entries, batch, first_page + done);
		if (r < 0)
			goto close_fd;
		r = ena_pagemap_decode_range(entries, batch, &pfn);
		if (r < 0)
			goto close_fd;
		if (done == 0)
			first_pfn = pfn;
		else if (pfn != first_pfn + done) {
			r = -EINVAL;
			goto close_fd;
		}
		done += batch;
	}
	*ret_pa = first_pfn * page_size + start % page_size;
close_fd:
	close(fd);
	return r;
}

int ena_pagemap_virt_to_phys(const void *va, uint64_t *ret_pa)
{
	return ena_pagemap_range_phys(va, 1, ret_pa);
}
