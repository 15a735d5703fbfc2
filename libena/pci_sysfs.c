/* SPDX-License-Identifier: MIT */
/* PCI addresses (BDF) and bounded, validated sysfs lookups for one device. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci_sysfs.h"

/* Longest sysfs value we read (ids, numa_node): a few characters. */
#define SYSFS_VALUE_MAX 64

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly @n hex digits at *s; advances *s. */
static int parse_hex_field(const char **s, unsigned int n, unsigned int *ret)
{
	unsigned int v = 0;

	for (unsigned int i = 0; i < n; i++) {
		int d = hex_digit((*s)[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned int)d;
	}
	*s += n;
	*ret = v;
	return 0;
}

int ena_pci_bdf_parse(const char *s, struct ena_pci_bdf *ret)
{
	unsigned int domain = 0, bus, dev, fn;
	const char *p = s;

	if (!s || !ret)
		return -EINVAL;
	/* With a domain the string is 12 characters, without it 7. */
	if (strlen(s) == 12) {
		if (parse_hex_field(&p, 4, &domain) < 0 || *p++ != ':')
			return -EINVAL;
	} else if (strlen(s) != 7) {
		return -EINVAL;
	}
	if (parse_hex_field(&p, 2, &bus) < 0 || *p++ != ':')
		return -EINVAL;
	if (parse_hex_field(&p, 2, &dev) < 0 || *p++ != '.')
		return -EINVAL;
	if (parse_hex_field(&p, 1, &fn) < 0 || *p != '\0')
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;

	ret->domain = (uint16_t)domain;
	ret->bus = (uint8_t)bus;
	ret->dev = (uint8_t)dev;
	ret->fn = (uint8_t)fn;
	return 0;
}

int ena_pci_bdf_format(const struct ena_pci_bdf *bdf, char *buf, size_t len)
{
	int n;

	if (!bdf || !buf || bdf->dev > 0x1f || bdf->fn > 7)
		return -EINVAL;
	if (len < ENA_PCI_BDF_STRLEN)
		return -ENOSPC;
	n = snprintf(buf, len, "%04x:%02x:%02x.%x", bdf->domain, bdf->bus, bdf->dev, bdf->fn);
	return n == ENA_PCI_BDF_STRLEN - 1 ? 0 : -EINVAL;
}

int ena_pci_path(const char *root, const struct ena_pci_bdf *bdf, const char *leaf, char *buf,
		 size_t len)
{
	char name[ENA_PCI_BDF_STRLEN], path[PATH_MAX];
	int n, r;

	if (!buf || len == 0)
		return -EINVAL;
	r = ena_pci_bdf_format(bdf, name, sizeof(name));
	if (r < 0)
		return r;
	if (!root)
		root = ENA_PCI_SYSFS_ROOT;
	if (leaf && leaf[0])
		n = snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, name, leaf);
	else
		n = snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, name);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(buf, path, (size_t)n + 1);
	return 0;
}

/* Read a small sysfs file: one line, at most @len - 1 bytes, the trailing
 * newline removed. Anything longer, empty, or with control characters or
 * a second line is -EINVAL. */
static int read_value(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	if ((size_t)n >= len) /* no room for the NUL: too long */
		return -EINVAL;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n == 0)
		return -EINVAL;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] == 0x7f)
			return -EINVAL;
	return 0;
}

/* The last path component of the target of a symlink. */
static int read_link_base(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EINVAL;
	if (strlen(base) >= len)
		return -ENOSPC;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

/* A non-negative decimal number up to @max, digits only. */
static int parse_decimal(const char *s, long max, long *ret)
{
	long v = 0;

	if (!s[0])
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

int ena_pci_exists(const char *root, const struct ena_pci_bdf *bdf)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	r = ena_pci_path(root, bdf, NULL, path, sizeof(path));
	if (r < 0)
		return r;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int ena_pci_read_iommu_group(const char *root, const struct ena_pci_bdf *bdf, int *ret)
{
	char path[PATH_MAX], base[NAME_MAX + 1];
	long group;
	int r;

	if (!ret)
		return -EINVAL;
	r = ena_pci_path(root, bdf, "iommu_group", path, sizeof(path));
	if (r < 0)
		return r;
	r = read_link_base(path, base, sizeof(base));
	if (r < 0)
		return r;
	r = parse_decimal(base, INT_MAX, &group);
	if (r < 0)
		return r;
	*ret = (int)group;
	return 0;
}

int ena_pci_read_numa_node(const char *root, const struct ena_pci_bdf *bdf, int *ret)
{
	char path[PATH_MAX], value[SYSFS_VALUE_MAX];
	long node;
	int r;

	if (!ret)
		return -EINVAL;
	r = ena_pci_path(root, bdf, "numa_node", path, sizeof(path));
	if (r < 0)
		return r;
	r = read_value(path, value, sizeof(value));
	if (r == -ENOENT) {
		*ret = -1;
		return 0;
	}
	if (r < 0)
		return r;
	if (!strcmp(value, "-1")) {
		*ret = -1;
		return 0;
	}
	r = parse_decimal(value, 65535, &node);
	if (r < 0)
		return r;
	*ret = (int)node;
	return 0;
}

int ena_pci_has_resource_wc(const char *root, const struct ena_pci_bdf *bdf, unsigned int bar,
			    bool *ret)
{
	char path[PATH_MAX], leaf[32];
	struct stat st;
	int r;

	if (!ret || bar > 5)
		return -EINVAL;
	snprintf(leaf, sizeof(leaf), "resource%u_wc", bar);
	r = ena_pci_path(root, bdf, leaf, path, sizeof(path));
	if (r < 0)
		return r;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		*ret = false;
		return 0;
	}
	*ret = S_ISREG(st.st_mode);
	return 0;
}

int ena_pci_read_driver(const char *root, const struct ena_pci_bdf *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	int r;

	if (!buf || len == 0)
		return -EINVAL;
	r = ena_pci_path(root, bdf, "driver", path, sizeof(path));
	if (r < 0)
		return r;
	return read_link_base(path, buf, len);
}

/* "0x" followed by 1..4 hex digits. */
static int parse_id(const char *s, uint16_t *ret)
{
	unsigned int v = 0;
	size_t n;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	s += 2;
	n = strlen(s);
	if (n == 0 || n > 4)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned int)d;
	}
	*ret = (uint16_t)v;
	return 0;
}

static int read_id(const char *root, const struct ena_pci_bdf *bdf, const char *leaf,
		   uint16_t *ret)
{
	char path[PATH_MAX], value[SYSFS_VALUE_MAX];
	int r;

	r = ena_pci_path(root, bdf, leaf, path, sizeof(path));
	if (r < 0)
		return r;
	r = read_value(path, value, sizeof(value));
	if (r < 0)
		return r;
	return parse_id(value, ret);
}

int ena_pci_read_ids(const char *root, const struct ena_pci_bdf *bdf, uint16_t *ret_vendor,
		     uint16_t *ret_device)
{
	uint16_t vendor, device;
	int r;

	if (!ret_vendor || !ret_device)
		return -EINVAL;
	r = read_id(root, bdf, "vendor", &vendor);
	if (r < 0)
		return r;
	r = read_id(root, bdf, "device", &device);
	if (r < 0)
		return r;
	*ret_vendor = vendor;
	*ret_device = device;
	return 0;
}

/* "vfio" or "noiommu-vfio" followed by a decimal minor. */
static bool vfio_dev_name_valid(const char *name)
{
	long minor;

	if (!strncmp(name, "noiommu-", 8))
		name += 8;
	if (strncmp(name, "vfio", 4))
		return false;
	return parse_decimal(name + 4, INT_MAX, &minor) == 0;
}

int ena_pci_read_vfio_dev(const char *root, const struct ena_pci_bdf *bdf, char *buf, size_t len)
{
	char path[PATH_MAX], found[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *dir;
	int r = 0;

	if (!buf || len == 0)
		return -EINVAL;
	r = ena_pci_path(root, bdf, "vfio-dev", path, sizeof(path));
	if (r < 0)
		return r;
	dir = opendir(path); /* opendir uses O_CLOEXEC */
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (found[0] || !vfio_dev_name_valid(de->d_name)) {
			r = -EINVAL;
			goto close_dir;
		}
		snprintf(found, sizeof(found), "%s", de->d_name);
	}
	if (!found[0]) {
		r = -ENOENT;
		goto close_dir;
	}
	if (strlen(found) >= len) {
		r = -ENOSPC;
		goto close_dir;
	}
	memcpy(buf, found, strlen(found) + 1);
close_dir:
	closedir(dir);
	return r;
}
