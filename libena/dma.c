/* SPDX-License-Identifier: MIT */
/* DMA memory: one memfd per allocation (2 MiB hugepages when free), bound to
 * a NUMA node, zeroed and mapped on the bus. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/memfd.h>
#include <numa.h>
#include <numaif.h>

#include "bus.h"
#include "dma.h"
#include "error.h"

#define HUGEPAGE_SIZE (2ul << 20)
#define HUGEPAGES_FREE_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define NUMA_MASK_BITS 1024 /* nodes we can name in an mbind mask */

/* One memfd and its mapping. */
struct dma_backing {
	int fd;
	void *va;
	size_t map_size;
	bool huge;
};

/* Number of free 2 MiB hugepages, or -errno. */
static long hugepages_free(void)
{
	char buf[32];
	long v = 0;
	ssize_t n;
	int fd;

	fd = open(HUGEPAGES_FREE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n && buf[i] != '\n'; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > (1l << 40))
			return -EINVAL;
		v = v * 10 + (buf[i] - '0');
	}
	return v;
}

bool ena_dma_hugepages_available(void)
{
	return hugepages_free() > 0;
}

static size_t round_up(size_t v, size_t align)
{
	return (v + align - 1) / align * align;
}

/* Hugepages when enough are free and rounding up to 2 MiB wastes less than
 * half of the mapping. */
static bool hugepages_suit(size_t size)
{
	size_t map_size = round_up(size, HUGEPAGE_SIZE);
	long free_pages;

	if (size <= map_size / 2)
		return false;
	free_pages = hugepages_free();
	return free_pages > 0 && (size_t)free_pages >= map_size / HUGEPAGE_SIZE;
}

/* Whether libnuma can bind memory here, checking @node exists. */
static int numa_node_check(int node, bool *ret_bind)
{
	if (node == ENA_DMA_NUMA_ANY) {
		*ret_bind = false;
		return 0;
	}
	if (node < 0)
		return ena_error_set(-EINVAL, "DMA allocation: NUMA node %d is invalid (use a node "
				     "number or %d for any)", node, ENA_DMA_NUMA_ANY);
	if (numa_available() < 0) {
		*ret_bind = false; /* no NUMA support: every node is the same */
		return 0;
	}
	if (node >= NUMA_MASK_BITS || node > numa_max_node() ||
	    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)node))
		return ena_error_set(-EINVAL, "DMA allocation: NUMA node %d does not exist here "
				     "(highest node %d)", node, numa_max_node());
	*ret_bind = true;
	return 0;
}

/* Prefer @node for the pages of [va, va+len); they are not faulted in yet. */
static int numa_prefer(void *va, size_t len, int node)
{
	unsigned long mask[NUMA_MASK_BITS / (8 * sizeof(unsigned long))] = { 0 };

	mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
	/* The kernel reads maxnode - 1 bits. */
	if (mbind(va, len, MPOL_PREFERRED, mask, NUMA_MASK_BITS + 1, 0) < 0)
		return -errno;
	return 0;
}

static void dma_backing_destroy(struct dma_backing *b)
{
	munmap(b->va, b->map_size);
	close(b->fd);
}

/* memfd, size, mapping, NUMA policy, populate, zero. Errors are set by the
 * caller for the 4 KiB path; the hugepage path fails quietly (it falls
 * back). */
static int dma_backing_create(size_t size, bool huge, int numa_node, bool bind,
			      struct dma_backing *ret)
{
	size_t page = huge ? HUGEPAGE_SIZE : (size_t)sysconf(_SC_PAGESIZE);
	size_t map_size = round_up(size, page);
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | (huge ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
	const char *step;
	void *va;
	int fd, r;

	fd = memfd_create("ena-dma", flags);
	if (fd < 0) {
		r = -errno;
		step = "memfd_create";
		goto fail;
	}
	if (ftruncate(fd, (off_t)map_size) < 0) {
		r = -errno;
		step = "ftruncate";
		goto close_fd;
	}
	/* The device process maps this fd: a file that could shrink under it
	 * would turn its DMA into SIGBUS. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		r = -errno;
		step = "seal";
		goto close_fd;
	}
	/* With a NUMA policy to set, the pages are faulted in after mbind. */
	va = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | (bind ? 0 : MAP_POPULATE), fd, 0);
	if (va == MAP_FAILED) {
		r = -errno;
		step = "mmap";
		goto close_fd;
	}
	if (bind) {
		r = numa_prefer(va, map_size, numa_node);
		if (r < 0) {
			step = "mbind";
			goto unmap;
		}
		/* Fault in now so a shortage is an error, not a SIGBUS later.
		 * EINVAL: a kernel before 5.14; the memset below faults in. */
		if (madvise(va, map_size, MADV_POPULATE_WRITE) < 0 && errno != EINVAL) {
			r = -errno;
			step = "populate";
			goto unmap;
		}
	}
	memset(va, 0, map_size);

	ret->fd = fd;
	ret->va = va;
	ret->map_size = map_size;
	ret->huge = huge;
	return 0;

unmap:
	munmap(va, map_size);
close_fd:
	close(fd);
fail:
	if (huge)
		return r;
	return ena_error_set(r, "DMA allocation of %zu bytes: %s failed: %s", size, step,
			     strerror(-r));
}

int ena_dma_alloc(struct ena_bus *bus, size_t size, int numa_node, struct ena_dma_mem *ret)
{
	struct dma_backing b;
	uint64_t iova = 0;
	bool bind = false;
	int r;

	if (!bus || !ret)
		return ena_error_set(-EINVAL, "DMA allocation: no bus or no result given");
	if (size == 0 || size > ENA_DMA_MAX_ALLOC)
		return ena_error_set(-EINVAL, "DMA allocation of %zu bytes: the size must be between "
				     "1 and %llu", size, ENA_DMA_MAX_ALLOC);
	r = numa_node_check(numa_node, &bind);
	if (r < 0)
		return r;

	r = -ENOMEM;
	if (hugepages_suit(size))
		r = dma_backing_create(size, true, numa_node, bind, &b);
	if (r < 0) {
		r = dma_backing_create(size, false, numa_node, bind, &b);
		if (r < 0)
			return r;
	}

	r = ena_bus_dma_map(bus, b.fd, 0, b.va, b.map_size, &iova);
	if (r == -EINVAL && !b.huge && b.map_size > (size_t)sysconf(_SC_PAGESIZE) &&
	    hugepages_free() >= (long)(round_up(size, HUGEPAGE_SIZE) / HUGEPAGE_SIZE)) {
		/* The bus wants physically contiguous memory (noiommu). */
		struct dma_backing huge;

		if (dma_backing_create(size, true, numa_node, bind, &huge) == 0) {
			dma_backing_destroy(&b);
			b = huge;
			r = ena_bus_dma_map(bus, b.fd, 0, b.va, b.map_size, &iova);
		}
	}
	if (r < 0)
		goto destroy_backing;
	/* A retry that worked leaves no stale failure sentence behind. */
	ena_error_clear();

	ret->va = b.va;
	ret->iova = iova;
	ret->size = size;
	ret->fd = b.fd;
	ret->map_size = b.map_size;
	ret->bus = bus;
	return 0;

destroy_backing:
	dma_backing_destroy(&b);
	return r;
}

void ena_dma_free(struct ena_dma_mem *mem)
{
	if (!mem)
		return;
	if (mem->va) {
		if (mem->bus)
			ena_bus_dma_unmap(mem->bus, mem->iova, mem->map_size);
		munmap(mem->va, mem->map_size);
		close(mem->fd);
	}
	memset(mem, 0, sizeof(*mem));
}
