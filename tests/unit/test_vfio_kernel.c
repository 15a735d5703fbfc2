/* SPDX-License-Identifier: MIT */
/* Kernel-VFIO backend without kernel VFIO: BDF parsing, sysfs lookups on a
 * fake tree, pagemap decoding, region-info decoding, and the open path's
 * failures (with fake /dev and /sys trees and on this machine). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vfio.h>

#include "bus.h"
#include "bus_vfio_kernel.h"
#include "error.h"
#include "pagemap.h"
#include "pci_sysfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* snprintf into a PATH_MAX buffer; a test path never gets truncated. */
static void path_fmt(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < PATH_MAX);
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
	return n - 1; /* the directory's own fd */
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_dirs(const char *path)
{
	char buf[PATH_MAX];

	path_fmt(buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	path_fmt(path, "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void make_link(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];

	path_fmt(path, "%s/%s", dir, name);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static void remove_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	path_fmt(path, "%s/%s", dir, name);
	unlink(path);
}

/* ---- BDF ---- */

static void test_bdf_parse_table(void **state)
{
	static const struct {
		const char *s;
		int r;
		struct ena_pci_bdf bdf;
		const char *canonical;
	} table[] = {
		{ "0000:00:06.0", 0, { 0, 0, 6, 0 }, "0000:00:06.0" },
		{ "00:06.0", 0, { 0, 0, 6, 0 }, "0000:00:06.0" },
		{ "0001:02:03.4", 0, { 1, 2, 3, 4 }, "0001:02:03.4" },
		{ "ABCD:eF:1f.7", 0, { 0xabcd, 0xef, 0x1f, 7 }, "abcd:ef:1f.7" },
		{ "ffff:ff:1f.7", 0, { 0xffff, 0xff, 0x1f, 7 }, "ffff:ff:1f.7" },
		{ "", -EINVAL, { 0 }, NULL },
		{ "0000:00:06", -EINVAL, { 0 }, NULL },
		{ "0000:00:20.0", -EINVAL, { 0 }, NULL }, /* device > 31 */
		{ "0000:00:06.8", -EINVAL, { 0 }, NULL }, /* function > 7 */
		{ "000:00:06.0", -EINVAL, { 0 }, NULL },
		{ "00000:00:06.0", -EINVAL, { 0 }, NULL },
		{ " 0000:00:06.0", -EINVAL, { 0 }, NULL },
		{ "0000:00:06.0 ", -EINVAL, { 0 }, NULL },
		{ "00:06.0\n", -EINVAL, { 0 }, NULL },
		{ "0000-00:06.0", -EINVAL, { 0 }, NULL },
		{ "0000:0g:06.0", -EINVAL, { 0 }, NULL },
		{ "0000:00.06:0", -EINVAL, { 0 }, NULL },
		{ "0:0:6.0", -EINVAL, { 0 }, NULL },
		{ "0000:00:06.00", -EINVAL, { 0 }, NULL },
		{ "pci:0000:00:06.0", -EINVAL, { 0 }, NULL },
		{ "+000:00:06.0", -EINVAL, { 0 }, NULL },
		{ "0x00:06.0", -EINVAL, { 0 }, NULL },
		{ "06.0", -EINVAL, { 0 }, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		struct ena_pci_bdf bdf = { 0x5a5a, 0x5a, 0x5a, 0x5a };
		char buf[ENA_PCI_BDF_STRLEN];

		print_message("bdf \"%s\"\n", table[i].s);
		assert_int_equal(ena_pci_bdf_parse(table[i].s, &bdf), table[i].r);
		if (table[i].r < 0) {
			/* untouched */
			assert_int_equal(bdf.domain, 0x5a5a);
			assert_int_equal(bdf.bus, 0x5a);
			continue;
		}
		assert_int_equal(bdf.domain, table[i].bdf.domain);
		assert_int_equal(bdf.bus, table[i].bdf.bus);
		assert_int_equal(bdf.dev, table[i].bdf.dev);
		assert_int_equal(bdf.fn, table[i].bdf.fn);
		assert_int_equal(ena_pci_bdf_format(&bdf, buf, sizeof(buf)), 0);
		assert_string_equal(buf, table[i].canonical);
	}
	assert_int_equal(ena_pci_bdf_parse(NULL, &(struct ena_pci_bdf){ 0 }), -EINVAL);
}

static void test_bdf_format_limits(void **state)
{
	struct ena_pci_bdf bdf = { 0, 0, 6, 0 };
	char buf[ENA_PCI_BDF_STRLEN];

	assert_int_equal(ena_pci_bdf_format(&bdf, buf, sizeof(buf) - 1), -ENOSPC);
	bdf.dev = 0x20;
	assert_int_equal(ena_pci_bdf_format(&bdf, buf, sizeof(buf)), -EINVAL);
	bdf.dev = 0;
	bdf.fn = 8;
	assert_int_equal(ena_pci_bdf_format(&bdf, buf, sizeof(buf)), -EINVAL);
}

/* ---- sysfs on a fake tree ---- */

struct fake_sysfs {
	char root[PATH_MAX];
	char dev[PATH_MAX]; /* device directory of 0000:00:06.0 */
	struct ena_pci_bdf bdf;
};

static int fake_sysfs_setup(void **state)
{
	struct fake_sysfs *fs = calloc(1, sizeof(*fs));

	assert_non_null(fs);
	path_fmt(fs->root, "/tmp/enad-sysfs-XXXXXX");
	assert_non_null(mkdtemp(fs->root));
	path_fmt(fs->dev, "%s/bus/pci/devices/0000:00:06.0", fs->root);
	make_dirs(fs->dev);
	fs->bdf = (struct ena_pci_bdf){ 0, 0, 6, 0 };

	make_link(fs->dev, "iommu_group", "../../../kernel/iommu_groups/12");
	write_file(fs->dev, "numa_node", "1\n");
	write_file(fs->dev, "resource2_wc", "");
	make_link(fs->dev, "driver", "../../../bus/pci/drivers/vfio-pci");
	write_file(fs->dev, "vendor", "0x1d0f\n");
	write_file(fs->dev, "device", "0xec20\n");
	{
		char vfio_dev[PATH_MAX];

		path_fmt(vfio_dev, "%s/vfio-dev/vfio3", fs->dev);
		make_dirs(vfio_dev);
	}
	*state = fs;
	return 0;
}

static int fake_sysfs_teardown(void **state)
{
	struct fake_sysfs *fs = *state;

	remove_tree(fs->root);
	free(fs);
	return 0;
}

static void test_sysfs_lookups(void **state)
{
	struct fake_sysfs *fs = *state;
	char buf[64], path[PATH_MAX];
	uint16_t vendor = 0, device = 0;
	bool wc = false;
	int group = -7, node = -7;

	assert_int_equal(ena_pci_path(fs->root, &fs->bdf, "numa_node", path, sizeof(path)), 0);
	assert_true(strstr(path, "/bus/pci/devices/0000:00:06.0/numa_node") != NULL);
	strcpy(path, "untouched");
	assert_int_equal(ena_pci_path(fs->root, &fs->bdf, "numa_node", path, 10), -ENAMETOOLONG);
	assert_string_equal(path, "untouched");
	assert_int_equal(ena_pci_path(NULL, &fs->bdf, NULL, path, sizeof(path)), 0);
	assert_string_equal(path, "/sys/bus/pci/devices/0000:00:06.0");

	assert_int_equal(ena_pci_exists(fs->root, &fs->bdf), 0);
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &fs->bdf, &group), 0);
	assert_int_equal(group, 12);
	assert_int_equal(ena_pci_read_numa_node(fs->root, &fs->bdf, &node), 0);
	assert_int_equal(node, 1);
	assert_int_equal(ena_pci_has_resource_wc(fs->root, &fs->bdf, 2, &wc), 0);
	assert_true(wc);
	assert_int_equal(ena_pci_has_resource_wc(fs->root, &fs->bdf, 0, &wc), 0);
	assert_false(wc);
	assert_int_equal(ena_pci_has_resource_wc(fs->root, &fs->bdf, 6, &wc), -EINVAL);
	assert_int_equal(ena_pci_read_driver(fs->root, &fs->bdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	assert_int_equal(ena_pci_read_driver(fs->root, &fs->bdf, buf, 4), -ENOSPC);
	assert_int_equal(ena_pci_read_ids(fs->root, &fs->bdf, &vendor, &device), 0);
	assert_int_equal(vendor, 0x1d0f);
	assert_int_equal(device, 0xec20);
	assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio3");
	assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, 5), -ENOSPC);
}

static void test_sysfs_missing(void **state)
{
	struct fake_sysfs *fs = *state;
	struct ena_pci_bdf other = { 0, 0, 7, 0 };
	char buf[64] = "untouched";
	uint16_t vendor = 7, device = 7;
	int group = -7, node = -7;
	bool wc = true;

	/* a device sysfs does not know */
	assert_int_equal(ena_pci_exists(fs->root, &other), -ENOENT);
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &other, &group), -ENOENT);
	assert_int_equal(group, -7);
	assert_int_equal(ena_pci_read_ids(fs->root, &other, &vendor, &device), -ENOENT);
	assert_int_equal(vendor, 7);

	/* a device without a driver, group, numa_node, vfio-dev */
	remove_file(fs->dev, "driver");
	remove_file(fs->dev, "iommu_group");
	remove_file(fs->dev, "numa_node");
	remove_file(fs->dev, "resource2_wc");
	assert_int_equal(ena_pci_read_driver(fs->root, &fs->bdf, buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "untouched");
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &fs->bdf, &group), -ENOENT);
	assert_int_equal(ena_pci_read_numa_node(fs->root, &fs->bdf, &node), 0);
	assert_int_equal(node, -1); /* unknown */
	assert_int_equal(ena_pci_has_resource_wc(fs->root, &fs->bdf, 2, &wc), 0);
	assert_false(wc);
	{
		char vfio_dev[PATH_MAX];

		path_fmt(vfio_dev, "%s/vfio-dev", fs->dev);
		remove_tree(vfio_dev);
		assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), -ENOENT);
		make_dirs(vfio_dev);
		assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), -ENOENT);
	}
}

static void test_sysfs_malformed(void **state)
{
	struct fake_sysfs *fs = *state;
	static const struct {
		const char *content;
		int r;
		int node;
	} numa[] = {
		{ "-1\n", 0, -1 },   { "0\n", 0, 0 },	  { "65535\n", 0, 65535 }, { "3", 0, 3 },
		{ "65536\n", -EINVAL, 0 }, { "-2\n", -EINVAL, 0 }, { "abc\n", -EINVAL, 0 },
		{ "\n", -EINVAL, 0 }, { "", -EINVAL, 0 },   { "1 2\n", -EINVAL, 0 },
		{ "1\n2\n", -EINVAL, 0 }, { "+1\n", -EINVAL, 0 },
		{ "1111111111111111111111111111111111111111111111111111111111111111111111\n",
		  -EINVAL, 0 },
	};
	static const struct {
		const char *content;
		int r;
	} ids[] = {
		{ "0x1d0f\n", 0 }, { "0X1D0F\n", 0 }, { "1d0f\n", -EINVAL }, { "0x\n", -EINVAL },
		{ "0x11d0f\n", -EINVAL }, { "0x1g0f\n", -EINVAL }, { "", -EINVAL },
	};
	char buf[64], vfio_dev[PATH_MAX];
	uint16_t vendor, device;
	int group = -7;

	for (size_t i = 0; i < ARRAY_SIZE(numa); i++) {
		int node = -7;

		print_message("numa_node case %zu\n", i);
		write_file(fs->dev, "numa_node", numa[i].content);
		assert_int_equal(ena_pci_read_numa_node(fs->root, &fs->bdf, &node), numa[i].r);
		assert_int_equal(node, numa[i].r == 0 ? numa[i].node : -7);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		print_message("vendor case %zu\n", i);
		write_file(fs->dev, "vendor", ids[i].content);
		vendor = device = 0;
		assert_int_equal(ena_pci_read_ids(fs->root, &fs->bdf, &vendor, &device), ids[i].r);
		if (ids[i].r == 0)
			assert_int_equal(vendor, 0x1d0f);
		else
			assert_int_equal(device, 0); /* untouched */
	}

	make_link(fs->dev, "iommu_group", "../../../kernel/iommu_groups/12a");
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &fs->bdf, &group), -EINVAL);
	make_link(fs->dev, "iommu_group", "../../../kernel/iommu_groups/99999999999");
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &fs->bdf, &group), -EINVAL);
	make_link(fs->dev, "iommu_group", "7/");
	assert_int_equal(ena_pci_read_iommu_group(fs->root, &fs->bdf, &group), 0);
	assert_int_equal(group, 7);

	/* vfio-dev: a second entry, a strange name, the noiommu spelling */
	path_fmt(vfio_dev, "%s/vfio-dev/vfio4", fs->dev);
	make_dirs(vfio_dev);
	assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), -EINVAL);
	path_fmt(vfio_dev, "%s/vfio-dev", fs->dev);
	remove_tree(vfio_dev);
	path_fmt(vfio_dev, "%s/vfio-dev/vfiox", fs->dev);
	make_dirs(vfio_dev);
	assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), -EINVAL);
	path_fmt(vfio_dev, "%s/vfio-dev", fs->dev);
	remove_tree(vfio_dev);
	path_fmt(vfio_dev, "%s/vfio-dev/noiommu-vfio0", fs->dev);
	make_dirs(vfio_dev);
	assert_int_equal(ena_pci_read_vfio_dev(fs->root, &fs->bdf, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "noiommu-vfio0");
}

/* ---- pagemap ---- */

static void test_pagemap_decode_table(void **state)
{
	static const struct {
		uint64_t entry;
		int r;
		uint64_t pfn;
	} table[] = {
		{ ENA_PAGEMAP_PRESENT | 0x1234, 0, 0x1234 },
		{ ENA_PAGEMAP_PRESENT | ENA_PAGEMAP_PFN_MASK, 0, ENA_PAGEMAP_PFN_MASK },
		/* soft-dirty (55), exclusive (56), file (61) are not PFN bits */
		{ ENA_PAGEMAP_PRESENT | 1ull << 55 | 1ull << 56 | 1ull << 61 | 0x42, 0, 0x42 },
		{ 0x1234, -EFAULT, 0 },				 /* not present */
		{ 0, -EFAULT, 0 },
		{ ENA_PAGEMAP_SWAPPED | 0x1234, -EFAULT, 0 },	 /* swapped out */
		{ ENA_PAGEMAP_PRESENT | ENA_PAGEMAP_SWAPPED | 5, -EFAULT, 0 },
		{ ENA_PAGEMAP_PRESENT, -EPERM, 0 },		 /* PFN hidden */
		{ ENA_PAGEMAP_PRESENT | 1ull << 55, -EPERM, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		uint64_t pfn = 0xdead;

		print_message("entry %#llx\n", (unsigned long long)table[i].entry);
		assert_int_equal(ena_pagemap_decode(table[i].entry, &pfn), table[i].r);
		assert_int_equal(pfn, table[i].r == 0 ? table[i].pfn : 0xdead);
	}
}

static void test_pagemap_decode_range(void **state)
{
	const uint64_t P = ENA_PAGEMAP_PRESENT;
	const uint64_t contiguous[] = { P | 100, P | 101, P | 102, P | 103 };
	const uint64_t gap[] = { P | 100, P | 101, P | 103 };
	const uint64_t backwards[] = { P | 100, P | 99 };
	const uint64_t missing[] = { P | 100, 0, P | 102 };
	const uint64_t hidden[] = { P, P, P };
	uint64_t pfn = 0xdead;

	assert_int_equal(ena_pagemap_decode_range(contiguous, 4, &pfn), 0);
	assert_int_equal(pfn, 100);
	assert_int_equal(ena_pagemap_decode_range(contiguous, 1, &pfn), 0);
	pfn = 0xdead;
	assert_int_equal(ena_pagemap_decode_range(gap, 3, &pfn), -EINVAL);
	assert_int_equal(ena_pagemap_decode_range(backwards, 2, &pfn), -EINVAL);
	assert_int_equal(ena_pagemap_decode_range(missing, 3, &pfn), -EFAULT);
	assert_int_equal(ena_pagemap_decode_range(hidden, 3, &pfn), -EPERM);
	assert_int_equal(ena_pagemap_decode_range(contiguous, 0, &pfn), -EINVAL);
	assert_int_equal(pfn, 0xdead);
}

static void test_pagemap_real(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pa = 0, pa2 = 0;
	uint8_t *p;
	int r;

	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	if (mlock(p, (size_t)page) < 0) {
		munmap(p, (size_t)page);
		print_message("skip: mlock not permitted: %s\n", strerror(errno));
		skip();
	}
	p[0] = 1;
	r = ena_pagemap_virt_to_phys(p, &pa);
	if (r == -EPERM || r == -EACCES || r == -ENOENT) {
		munmap(p, (size_t)page);
		print_message("skip: physical addresses are hidden here (%s)\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(pa % (uint64_t)page, 0);
	assert_int_equal(ena_pagemap_virt_to_phys(p + 123, &pa2), 0);
	assert_int_equal(pa2, pa + 123);
	/* one page is always contiguous */
	assert_int_equal(ena_pagemap_range_phys(p + 8, (size_t)page - 8, &pa2), 0);
	assert_int_equal(pa2, pa + 8);
	munmap(p, (size_t)page);

	/* not present: a fresh, untouched mapping */
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(ena_pagemap_virt_to_phys(p, &pa2), -EFAULT);
	munmap(p, (size_t)page);
}

/* ---- region info decoding ---- */

/* A reply buffer: the info header, then capabilities placed by the test. */
struct reply {
	union {
		struct vfio_region_info info;
		uint8_t bytes[1024];
	};
};

static void reply_init(struct reply *r, uint64_t size, uint32_t flags)
{
	memset(r, 0, sizeof(*r));
	r->info.argsz = sizeof(r->bytes);
	r->info.flags = flags;
	r->info.size = size;
	r->info.offset = 0x20000000000ull;
}

/* Put a sparse-mmap capability at @off with @n areas; returns its size. */
static size_t reply_put_sparse(struct reply *r, uint32_t off, uint16_t version, uint32_t next,
			       const struct vfio_region_sparse_mmap_area *areas, uint32_t n)
{
	struct vfio_region_info_cap_sparse_mmap cap = {
		.header = { .id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = version, .next = next },
		.nr_areas = n,
	};

	memcpy(r->bytes + off, &cap, sizeof(cap));
	memcpy(r->bytes + off + sizeof(cap), areas, n * sizeof(*areas));
	return sizeof(cap) + n * sizeof(*areas);
}

#define RW_MMAP \
	(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP)

static void test_region_info_plain(void **state)
{
	struct ena_bus_region_info info;
	struct reply r;

	reply_init(&r, 0x4000, RW_MMAP);
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info), &info), 0);
	assert_int_equal(info.size, 0x4000);
	assert_int_equal(info.flags, ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE | ENA_BUS_REGION_MMAP);
	assert_int_equal(info.nr_areas, 0); /* the whole region */

	reply_init(&r, 256, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE); /* config */
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info), &info), 0);
	assert_int_equal(info.flags, ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE);

	reply_init(&r, 0, 0); /* absent BAR */
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info), &info), 0);
	assert_int_equal(info.size, 0);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.nr_areas, 0);

	/* too short to hold the header */
	info.size = 77;
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info) - 1, &info), -EINVAL);
	assert_int_equal(info.size, 77);
	/* offset + size wraps */
	reply_init(&r, 0x1000, RW_MMAP);
	r.info.offset = UINT64_MAX - 0x10;
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info), &info), -EINVAL);
}

static void test_region_info_sparse(void **state)
{
	const struct vfio_region_sparse_mmap_area areas[] = {
		{ .offset = 0x1000, .size = 0x1000 }, /* doorbells */
		{ .offset = 0x3000, .size = 0x1000 },
		{ .offset = 0x2000, .size = 0 },      /* empty: dropped */
		{ .offset = 0x2800, .size = 0x100 },  /* unaligned: dropped */
	};
	struct ena_bus_region_info info;
	struct reply r;
	size_t len;

	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, areas, 4);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_true(info.flags & ENA_BUS_REGION_MMAP);
	assert_int_equal(info.nr_areas, 2);
	assert_int_equal(info.areas[0].offset, 0x1000);
	assert_int_equal(info.areas[0].size, 0x1000);
	assert_int_equal(info.areas[1].offset, 0x3000);

	/* the chain is cut short by len */
	assert_int_equal(ena_vfio_region_info_decode(&r, len - 1, &info), -EINVAL);
	assert_int_equal(ena_vfio_region_info_decode(&r, sizeof(r.info) + 4, &info), -EINVAL);

	/* an unknown capability first, then the sparse one */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = 40;
	{
		struct vfio_info_cap_header other = { .id = 0x77, .version = 9, .next = 64 };

		memcpy(r.bytes + 40, &other, sizeof(other));
	}
	len = 64 + reply_put_sparse(&r, 64, 1, 0, areas, 1);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_int_equal(info.nr_areas, 1);
	assert_int_equal(info.areas[0].offset, 0x1000);

	/* MMAP without the flag: areas are irrelevant */
	reply_init(&r, 0x4000, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, areas, 2);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_int_equal(info.flags, ENA_BUS_REGION_READ);
	assert_int_equal(info.nr_areas, 0);
}

static void test_region_info_sparse_nothing_mappable(void **state)
{
	const struct vfio_region_sparse_mmap_area areas[] = { { .offset = 0x1000, .size = 0x1000 } };
	struct ena_bus_region_info info;
	struct reply r;
	size_t len;

	/* zero areas: nothing may be mapped */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, areas, 0);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_int_equal(info.flags, ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE);
	assert_int_equal(info.nr_areas, 0);

	/* a version we do not know: do not guess, use read/write */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 2, 0, areas, 1);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_false(info.flags & ENA_BUS_REGION_MMAP);
}

static void test_region_info_sparse_many(void **state)
{
	struct vfio_region_sparse_mmap_area areas[ENA_BUS_MAX_AREAS + 3];
	struct ena_bus_region_info info;
	struct reply r;
	size_t len;

	for (unsigned int i = 0; i < ARRAY_SIZE(areas); i++)
		areas[i] = (struct vfio_region_sparse_mmap_area){ .offset = i * 0x2000ull, .size = 0x1000 };
	reply_init(&r, 0x100000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, areas, ARRAY_SIZE(areas));
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), 0);
	assert_int_equal(info.nr_areas, ENA_BUS_MAX_AREAS); /* the rest stays trapped */
	assert_int_equal(info.areas[ENA_BUS_MAX_AREAS - 1].offset, (ENA_BUS_MAX_AREAS - 1) * 0x2000ull);
}

static void test_region_info_malformed(void **state)
{
	const struct vfio_region_sparse_mmap_area inside[] = { { .offset = 0x1000, .size = 0x1000 } };
	const struct vfio_region_sparse_mmap_area outside[] = { { .offset = 0x3000, .size = 0x2000 } };
	const struct vfio_region_sparse_mmap_area wrap[] = { { .offset = 0x1000, .size = UINT64_MAX } };
	struct ena_bus_region_info info = { .size = 77 };
	struct reply r;
	size_t len;

	/* area beyond the region */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, outside, 1);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), -EINVAL);
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, wrap, 1);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), -EINVAL);

	/* more areas claimed than the buffer holds (and a count that would overflow) */
	len = sizeof(r.info) + reply_put_sparse(&r, sizeof(r.info), 1, 0, inside, 1);
	{
		uint32_t n = 2;

		memcpy(r.bytes + sizeof(r.info) + 8, &n, sizeof(n));
		assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), -EINVAL);
		n = UINT32_MAX;
		memcpy(r.bytes + sizeof(r.info) + 8, &n, sizeof(n));
		assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), -EINVAL);
	}

	/* cap_offset inside the header, or past the buffer */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = 8;
	assert_int_equal(ena_vfio_region_info_decode(&r, 256, &info), -EINVAL);
	r.info.cap_offset = 4096;
	assert_int_equal(ena_vfio_region_info_decode(&r, 256, &info), -EINVAL);
	r.info.cap_offset = 0xfffffff0u;
	assert_int_equal(ena_vfio_region_info_decode(&r, 256, &info), -EINVAL);

	/* a chain that loops back */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = 64;
	{
		struct vfio_info_cap_header a = { .id = 0x77, .version = 1, .next = 80 };
		struct vfio_info_cap_header b = { .id = 0x78, .version = 1, .next = 64 };

		memcpy(r.bytes + 64, &a, sizeof(a));
		memcpy(r.bytes + 80, &b, sizeof(b));
	}
	assert_int_equal(ena_vfio_region_info_decode(&r, 256, &info), -EINVAL);

	/* two sparse capabilities */
	reply_init(&r, 0x4000, RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	r.info.cap_offset = sizeof(r.info);
	reply_put_sparse(&r, sizeof(r.info), 1, 64, inside, 1);
	len = 64 + reply_put_sparse(&r, 64, 1, 0, inside, 1);
	assert_int_equal(ena_vfio_region_info_decode(&r, len, &info), -EINVAL);

	assert_int_equal(info.size, 77); /* untouched through every failure */
}

/* ---- open path ---- */

#define SENTINEL_BUS ((struct ena_bus *)(uintptr_t)0x5a5a5a5a)

static void test_open_this_machine(void **state)
{
	struct ena_bus *bus = SENTINEL_BUS;
	int fds = count_open_fds();
	const char *msg;
	int r;

	if (access("/dev/vfio/vfio", F_OK) == 0 || access("/dev/iommu", F_OK) == 0) {
		print_message("skip: this machine has kernel VFIO; the test is for one without\n");
		skip();
	}
	ena_error_clear();
	r = ena_bus_vfio_kernel_open("0000:00:06.0", &bus);
	assert_true(r < 0);
	assert_int_equal(r, -ENODEV);
	assert_ptr_equal(bus, SENTINEL_BUS);
	assert_int_equal(count_open_fds(), fds);
	msg = ena_error_last();
	print_message("error: %s\n", msg);
	assert_non_null(strstr(msg, "kernel VFIO is not available here"));
	assert_non_null(strstr(msg, "0000:00:06.0"));
	assert_non_null(strstr(msg, "load vfio-pci"));
	assert_non_null(strstr(msg, "bind"));
	assert_non_null(strstr(msg, "vfio-user"));

	/* through the generic entry point as well */
	r = ena_bus_open("pci:0000:00:06.0", &bus);
	assert_int_equal(r, -ENODEV);
	assert_ptr_equal(bus, SENTINEL_BUS);
}

static void test_open_bad_bdf(void **state)
{
	struct ena_bus *bus = SENTINEL_BUS;

	ena_error_clear();
	assert_int_equal(ena_bus_vfio_kernel_open("0000:00:06", &bus), -EINVAL);
	assert_ptr_equal(bus, SENTINEL_BUS);
	assert_non_null(strstr(ena_error_last(), "is not a PCI address"));
	assert_int_equal(ena_bus_vfio_kernel_open(NULL, &bus), -EINVAL);
	assert_int_equal(ena_bus_vfio_kernel_open("0000:00:06.0", NULL), -EINVAL);
}

struct fake_root {
	char root[PATH_MAX];
	char sys[PATH_MAX];
	char dev[PATH_MAX];
	char pci[PATH_MAX]; /* sysfs dir of 0000:00:06.0 */
	struct ena_vfio_kernel_paths paths;
};

static int fake_root_setup(void **state)
{
	struct fake_root *fr = calloc(1, sizeof(*fr));

	assert_non_null(fr);
	path_fmt(fr->root, "/tmp/enad-vfio-XXXXXX");
	assert_non_null(mkdtemp(fr->root));
	path_fmt(fr->sys, "%s/sys", fr->root);
	path_fmt(fr->dev, "%s/dev", fr->root);
	make_dirs(fr->sys);
	make_dirs(fr->dev);
	path_fmt(fr->pci, "%s/bus/pci/devices/0000:00:06.0", fr->sys);
	fr->paths.sysfs_root = fr->sys;
	fr->paths.dev_root = fr->dev;
	*state = fr;
	return 0;
}

static int fake_root_teardown(void **state)
{
	struct fake_root *fr = *state;

	remove_tree(fr->root);
	free(fr);
	return 0;
}

/* Open through the fake roots; it must fail with @err, leave the bus and
 * the fd count alone, and say @words. */
static void expect_open_failure(struct fake_root *fr, int err, const char *words)
{
	struct ena_bus *bus = SENTINEL_BUS;
	int fds = count_open_fds();
	int r;

	ena_error_clear();
	r = ena_bus_vfio_kernel_open_at(&fr->paths, "00:06.0", &bus);
	print_message("open: %d: %s\n", r, ena_error_last());
	assert_int_equal(r, err);
	assert_ptr_equal(bus, SENTINEL_BUS);
	assert_int_equal(count_open_fds(), fds);
	assert_non_null(strstr(ena_error_last(), words));
}

static void test_open_fake_trees(void **state)
{
	struct fake_root *fr = *state;
	char vfio[PATH_MAX];

	/* nothing in /dev */
	expect_open_failure(fr, -ENODEV, "kernel VFIO is not available here");

	/* a container node, but no such PCI device */
	path_fmt(vfio, "%s/vfio", fr->dev);
	make_dirs(vfio);
	write_file(vfio, "vfio", "");
	expect_open_failure(fr, -ENOENT, "no PCI device 0000:00:06.0");

	/* the device is bound to no driver, then to the kernel's ena driver */
	make_dirs(fr->pci);
	expect_open_failure(fr, -ENODEV, "bound to no driver");
	make_link(fr->pci, "driver", "../../../bus/pci/drivers/ena");
	expect_open_failure(fr, -EBUSY, "is bound to ena, not vfio-pci");

	/* vfio-pci, but no IOMMU group */
	make_link(fr->pci, "driver", "../../../bus/pci/drivers/vfio-pci");
	expect_open_failure(fr, -ENODEV, "has no IOMMU group");

	/* a group without its /dev node */
	make_link(fr->pci, "iommu_group", "../../../kernel/iommu_groups/12");
	expect_open_failure(fr, -ENODEV, "no VFIO group node");

	/* both nodes exist but are not VFIO: the first ioctl fails, nothing leaks */
	write_file(vfio, "12", "");
	expect_open_failure(fr, -ENOTTY, "VFIO_GET_API_VERSION on");

	/* the noiommu spelling of the group is found too */
	remove_file(vfio, "12");
	write_file(vfio, "noiommu-12", "");
	expect_open_failure(fr, -ENOTTY, "VFIO_GET_API_VERSION on");

	/* /dev/iommu alone (no container) with no usable cdev */
	remove_file(vfio, "vfio");
	write_file(fr->dev, "iommu", "");
	remove_file(vfio, "noiommu-12");
	write_file(vfio, "12", "");
	expect_open_failure(fr, -ENODEV, "has no VFIO container");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse_table),
		cmocka_unit_test(test_bdf_format_limits),
		cmocka_unit_test_setup_teardown(test_sysfs_lookups, fake_sysfs_setup, fake_sysfs_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_missing, fake_sysfs_setup, fake_sysfs_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_malformed, fake_sysfs_setup, fake_sysfs_teardown),
		cmocka_unit_test(test_pagemap_decode_table),
		cmocka_unit_test(test_pagemap_decode_range),
		cmocka_unit_test(test_pagemap_real),
		cmocka_unit_test(test_region_info_plain),
		cmocka_unit_test(test_region_info_sparse),
		cmocka_unit_test(test_region_info_sparse_nothing_mappable),
		cmocka_unit_test(test_region_info_sparse_many),
		cmocka_unit_test(test_region_info_malformed),
		cmocka_unit_test(test_open_this_machine),
		cmocka_unit_test(test_open_bad_bdf),
		cmocka_unit_test_setup_teardown(test_open_fake_trees, fake_root_setup, fake_root_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
