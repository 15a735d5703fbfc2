/* SPDX-License-Identifier: MIT */
/* DMA memory against a fake bus: zeroed, rounded, mapped and unmapped once,
 * nothing leaked on errors, hugepages when the test can reserve them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <numa.h>

#include "bus.h"
#include "dma.h"
#include "error.h"

#define MiB (1ul << 20)
#define HUGE_SIZE (2 * MiB)
#define FAKE_IOVA_BASE 0x7700000000ull
#define NR_HUGEPAGES_PATH "/proc/sys/vm/nr_hugepages"

/* ---- a fake bus that records DMA maps ---- */

struct fake_bus {
	int map_calls, unmap_calls;
	int map_fd;
	uint64_t map_fd_offset;
	void *map_va;
	uint64_t map_size;
	off_t fd_size_at_map;
	long fd_blksize_at_map;
	bool memory_zero_at_map;
	uint64_t unmap_iova, unmap_size;
	uint64_t next_iova;
	int map_error;		  /* returned by every dma_map when set */
	bool einval_unless_huge;  /* like noiommu: only contiguous (huge) memory */
};

static int fake_dma_map(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
			uint64_t *ret_iova)
{
	struct fake_bus *fb = bus->priv;
	struct stat st;
	const uint8_t *p = vaddr;

	fb->map_calls++;
	fb->map_fd = fd;
	fb->map_fd_offset = fd_offset;
	fb->map_va = vaddr;
	fb->map_size = size;
	assert_int_equal(fstat(fd, &st), 0);
	fb->fd_size_at_map = st.st_size;
	fb->fd_blksize_at_map = (long)st.st_blksize;
	fb->memory_zero_at_map = true;
	for (uint64_t i = 0; i < size; i++)
		if (p[i]) {
			fb->memory_zero_at_map = false;
			break;
		}
	if (fb->map_error)
		return ena_error_set(fb->map_error, "fake dma_map fails");
	if (fb->einval_unless_huge && size > 4096 && st.st_blksize < (blksize_t)HUGE_SIZE)
		return ena_error_set(-EINVAL, "fake dma_map wants contiguous memory");
	*ret_iova = fb->next_iova;
	fb->next_iova += size;
	return 0;
}

static int fake_dma_unmap(struct ena_bus *bus, uint64_t iova, uint64_t size)
{
	struct fake_bus *fb = bus->priv;

	fb->unmap_calls++;
	fb->unmap_iova = iova;
	fb->unmap_size = size;
	return 0;
}

static const struct ena_bus_ops fake_ops = {
	.name = "fake",
	.dma_map = fake_dma_map,
	.dma_unmap = fake_dma_unmap,
};

struct fixture {
	struct fake_bus fb;
	struct ena_bus *bus;
	long old_nr_hugepages; /* -1: not changed */
};

static int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->fb.next_iova = FAKE_IOVA_BASE;
	fx->old_nr_hugepages = -1;
	fx->bus = ena_bus_alloc(&fake_ops, &fx->fb, "fake");
	assert_non_null(fx->bus);
	*state = fx;
	return 0;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool write_long(const char *path, long v)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	ok = (fclose(f) == 0) && ok;
	return ok;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->old_nr_hugepages >= 0)
		write_long(NR_HUGEPAGES_PATH, fx->old_nr_hugepages);
	ena_bus_close(fx->bus);
	free(fx);
	return 0;
}

static int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;
}

/* Mappings of our memfds ("/memfd:ena-dma (deleted)") in this process. */
static int count_dma_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "memfd:ena-dma"))
			n++;
	fclose(f);
	return n;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- tests ---- */

static void test_alloc_zeroed_rounded_mapped(void **state)
{
	struct fixture *fx = *state;
	long page = sysconf(_SC_PAGESIZE);
	struct ena_dma_mem mem = { 0 };
	int fds = count_open_fds();

	assert_int_equal(ena_dma_alloc(fx->bus, 10000, ENA_DMA_NUMA_ANY, &mem), 0);
	assert_non_null(mem.va);
	assert_int_equal(mem.size, 10000);
	assert_int_equal(mem.map_size, (10000 + page - 1) / page * page);
	assert_true(all_zero(mem.va, mem.map_size));
	memset(mem.va, 0xa5, mem.map_size); /* writable to the end */
	assert_int_equal(mem.iova, FAKE_IOVA_BASE);
	assert_ptr_equal(mem.bus, fx->bus);

	/* the memfd itself was mapped, whole, at offset 0 */
	assert_int_equal(fx->fb.map_calls, 1);
	assert_int_equal(fx->fb.map_fd, mem.fd);
	assert_int_equal(fx->fb.map_fd_offset, 0);
	assert_ptr_equal(fx->fb.map_va, mem.va);
	assert_int_equal(fx->fb.map_size, mem.map_size);
	assert_int_equal(fx->fb.fd_size_at_map, (off_t)mem.map_size);
	assert_true(fx->fb.memory_zero_at_map);
	assert_int_equal(fcntl(mem.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(count_open_fds(), fds + 1);
	assert_int_equal(count_dma_mappings(), 1);

	ena_dma_free(&mem);
	assert_int_equal(fx->fb.unmap_calls, 1);
	assert_int_equal(fx->fb.unmap_iova, FAKE_IOVA_BASE);
	assert_int_equal(fx->fb.unmap_size, fx->fb.map_size);
	assert_null(mem.va);
	assert_int_equal(mem.map_size, 0);
	assert_null(mem.bus);
	assert_int_equal(count_open_fds(), fds);
	assert_int_equal(count_dma_mappings(), 0);

	ena_dma_free(&mem); /* twice is fine, and unmaps nothing more */
	assert_int_equal(fx->fb.unmap_calls, 1);
	ena_dma_free(NULL);
}

static void test_alloc_sizes(void **state)
{
	struct fixture *fx = *state;
	long page = sysconf(_SC_PAGESIZE);
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65536, 3 * MiB + 1 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ena_dma_mem mem = { 0 };
		size_t page_round = (sizes[i] + (size_t)page - 1) / (size_t)page * (size_t)page;

		assert_int_equal(ena_dma_alloc(fx->bus, sizes[i], ENA_DMA_NUMA_ANY, &mem), 0);
		assert_int_equal(mem.size, sizes[i]);
		/* page rounded, or 2 MiB rounded when hugepages were free */
		assert_true(mem.map_size == page_round ||
			    mem.map_size == (sizes[i] + HUGE_SIZE - 1) / HUGE_SIZE * HUGE_SIZE);
		assert_true(mem.map_size % (size_t)page == 0);
		assert_int_equal(fx->fb.map_size, mem.map_size);
		assert_true(all_zero(mem.va, mem.map_size));
		((volatile uint8_t *)mem.va)[mem.map_size - 1] = 1;
		ena_dma_free(&mem);
		assert_int_equal(fx->fb.unmap_size, fx->fb.map_size);
	}
	assert_int_equal(fx->fb.map_calls, fx->fb.unmap_calls);
}

static void test_alloc_bad_sizes(void **state)
{
	struct fixture *fx = *state;
	struct ena_dma_mem mem, before;
	int fds = count_open_fds();

	memset(&mem, 0x5a, sizeof(mem));
	before = mem;
	ena_error_clear();
	assert_int_equal(ena_dma_alloc(fx->bus, 0, ENA_DMA_NUMA_ANY, &mem), -EINVAL);
	assert_non_null(strstr(ena_error_last(), "size"));
	assert_int_equal(ena_dma_alloc(fx->bus, ENA_DMA_MAX_ALLOC + 1, ENA_DMA_NUMA_ANY, &mem), -EINVAL);
	assert_int_equal(ena_dma_alloc(fx->bus, SIZE_MAX, ENA_DMA_NUMA_ANY, &mem), -EINVAL);
	assert_int_equal(ena_dma_alloc(fx->bus, 4096, -5, &mem), -EINVAL);
	assert_int_equal(ena_dma_alloc(NULL, 4096, ENA_DMA_NUMA_ANY, &mem), -EINVAL);
	assert_int_equal(ena_dma_alloc(fx->bus, 4096, ENA_DMA_NUMA_ANY, NULL), -EINVAL);
	assert_memory_equal(&mem, &before, sizeof(mem)); /* untouched */
	assert_int_equal(fx->fb.map_calls, 0);
	assert_int_equal(count_open_fds(), fds);
}

static void test_map_error_releases_everything(void **state)
{
	struct fixture *fx = *state;
	struct ena_dma_mem mem, before;
	int fds = count_open_fds();

	memset(&mem, 0x5a, sizeof(mem));
	before = mem;
	fx->fb.map_error = -EIO;
	assert_int_equal(ena_dma_alloc(fx->bus, 3 * 4096, ENA_DMA_NUMA_ANY, &mem), -EIO);
	assert_int_equal(fx->fb.map_calls, 1);
	assert_int_equal(fx->fb.unmap_calls, 0); /* never mapped: nothing to unmap */
	assert_memory_equal(&mem, &before, sizeof(mem));
	assert_int_equal(count_open_fds(), fds);
	assert_int_equal(count_dma_mappings(), 0);
	assert_non_null(strstr(ena_error_last(), "fake dma_map fails"));

	/* a bus that wants contiguous memory, with hugepages not available */
	if (!ena_dma_hugepages_available()) {
		fx->fb.map_error = 0;
		fx->fb.einval_unless_huge = true;
		assert_int_equal(ena_dma_alloc(fx->bus, 64 * 1024, ENA_DMA_NUMA_ANY, &mem), -EINVAL);
		assert_memory_equal(&mem, &before, sizeof(mem));
		assert_int_equal(count_open_fds(), fds);
		assert_int_equal(count_dma_mappings(), 0);
	}
}

static void test_numa_node(void **state)
{
	struct fixture *fx = *state;
	struct ena_dma_mem mem = { 0 };
	int fds = count_open_fds();

	/* node 0 always exists (or NUMA is unsupported, and the node is ignored) */
	assert_int_equal(ena_dma_alloc(fx->bus, 8192, 0, &mem), 0);
	assert_true(all_zero(mem.va, mem.map_size));
	ena_dma_free(&mem);
	if (numa_available() >= 0) {
		assert_int_equal(ena_dma_alloc(fx->bus, 8192, numa_max_node() + 1, &mem), -EINVAL);
		assert_non_null(strstr(ena_error_last(), "NUMA node"));
	}
	assert_int_equal(count_open_fds(), fds);
	assert_int_equal(count_dma_mappings(), 0);
}

/* Reserve a few 2 MiB hugepages for the test; skip if we cannot. */
static void reserve_hugepages(struct fixture *fx, long want_free)
{
	long old = read_long(NR_HUGEPAGES_PATH);
	long free_pages;

	if (old < 0 || geteuid() != 0) {
		print_message("skip: cannot reserve hugepages (need root and %s)\n", NR_HUGEPAGES_PATH);
		skip();
	}
	fx->old_nr_hugepages = old;
	if (!write_long(NR_HUGEPAGES_PATH, old + want_free)) {
		print_message("skip: writing %s failed: %s\n", NR_HUGEPAGES_PATH, strerror(errno));
		skip();
	}
	free_pages = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	if (free_pages < want_free) {
		print_message("skip: only %ld hugepages free after asking for %ld more\n", free_pages,
			      want_free);
		skip();
	}
}

static void test_hugepages(void **state)
{
	struct fixture *fx = *state;
	struct ena_dma_mem a = { 0 }, b = { 0 }, c = { 0 };
	int fds = count_open_fds();

	reserve_hugepages(fx, 4);
	assert_true(ena_dma_hugepages_available());

	/* 2 MiB: one hugepage */
	assert_int_equal(ena_dma_alloc(fx->bus, HUGE_SIZE, ENA_DMA_NUMA_ANY, &a), 0);
	assert_int_equal(a.map_size, HUGE_SIZE);
	assert_int_equal(fx->fb.fd_blksize_at_map, (long)HUGE_SIZE);
	assert_true(all_zero(a.va, a.map_size));
	memset(a.va, 0x11, a.map_size);

	/* 3 MiB + 1: two hugepages, bound to node 0 */
	assert_int_equal(ena_dma_alloc(fx->bus, 3 * MiB + 1, 0, &b), 0);
	assert_int_equal(b.map_size, 2 * HUGE_SIZE);
	assert_int_equal(fx->fb.fd_blksize_at_map, (long)HUGE_SIZE);
	assert_true(all_zero(b.va, b.map_size));

	/* 8 KiB: not worth a hugepage */
	assert_int_equal(ena_dma_alloc(fx->bus, 8192, ENA_DMA_NUMA_ANY, &c), 0);
	assert_int_equal(c.map_size, 8192);
	assert_true(fx->fb.fd_blksize_at_map < (long)HUGE_SIZE);
	ena_dma_free(&c);

	/* 4 KiB pages refused (noiommu-like bus): retried on the last hugepage */
	fx->fb.einval_unless_huge = true;
	fx->fb.map_calls = 0;
	assert_int_equal(ena_dma_alloc(fx->bus, 64 * 1024, ENA_DMA_NUMA_ANY, &c), 0);
	assert_int_equal(fx->fb.map_calls, 2);
	assert_int_equal(c.map_size, HUGE_SIZE);
	assert_int_equal(c.size, 64 * 1024);
	assert_true(all_zero(c.va, c.map_size));

	/* no hugepage left: larger requests fall back to 4 KiB pages */
	fx->fb.einval_unless_huge = false;
	if (!ena_dma_hugepages_available()) {
		struct ena_dma_mem d = { 0 };

		assert_int_equal(ena_dma_alloc(fx->bus, HUGE_SIZE, ENA_DMA_NUMA_ANY, &d), 0);
		assert_int_equal(d.map_size, HUGE_SIZE);
		assert_true(fx->fb.fd_blksize_at_map < (long)HUGE_SIZE);
		ena_dma_free(&d);
	}

	ena_dma_free(&a);
	ena_dma_free(&b);
	ena_dma_free(&c);
	assert_int_equal(count_open_fds(), fds);
	assert_int_equal(count_dma_mappings(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_zeroed_rounded_mapped, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_sizes, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_bad_sizes, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_map_error_releases_everything, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_numa_node, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hugepages, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
