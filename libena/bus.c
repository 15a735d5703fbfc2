/* SPDX-License-Identifier: MIT */
/* The bus object common to both VFIO backends: device-string dispatch,
 * region info cache, mappings, doorbell eventfds and register access. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "bus.h"
#include "error.h"

struct ena_bus *ena_bus_alloc(const struct ena_bus_ops *ops, void *priv, const char *name)
{
	struct ena_bus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return NULL;
	bus->ops = ops;
	bus->priv = priv;
	snprintf(bus->name, sizeof(bus->name), "%s", name ? name : "");
	return bus;
}

int ena_bus_open(const char *devstr, struct ena_bus **ret)
{
	if (!devstr || !ret)
		return -EINVAL;
	if (strncmp(devstr, "vfio-user:", 10) == 0) {
		if (devstr[10] == '\0')
			return ena_error_set(-EINVAL, "device '%s': missing socket path after 'vfio-user:'",
					     devstr);
		return ena_bus_vfio_user_open(devstr + 10, ret);
	}
	if (strncmp(devstr, "pci:", 4) == 0)
		return ena_bus_vfio_kernel_open(devstr + 4, ret);
	return ena_error_set(-EINVAL,
			     "device '%s': expected 'pci:DOMAIN:BUS:DEV.FN' or 'vfio-user:PATH'", devstr);
}

void ena_bus_close(struct ena_bus *bus)
{
	if (!bus)
		return;
	for (unsigned int i = 0; i < bus->nr_maps; i++)
		munmap(bus->maps[i].va, bus->maps[i].size);
	bus->nr_maps = 0;
	bus->nr_iofds = 0; /* the backend owns the fds and closes them */
	if (bus->ops && bus->ops->destroy)
		bus->ops->destroy(bus);
	free(bus);
}

const struct ena_bus_region_info *ena_bus_region(struct ena_bus *bus, unsigned int index)
{
	struct ena_bus_region_info info;
	int r;

	if (index >= ENA_BUS_MAX_REGIONS) {
		errno = EINVAL;
		return NULL;
	}
	if (bus->region_known[index])
		return &bus->regions[index];

	memset(&info, 0, sizeof(info));
	r = bus->ops->region_info(bus, index, &info);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	/* The backend is trusted to parse the device's answer, but keep our own
	 * invariants: areas inside the region and within our array. */
	if (info.nr_areas > ENA_BUS_MAX_AREAS)
		info.nr_areas = ENA_BUS_MAX_AREAS;
	for (unsigned int i = 0; i < info.nr_areas; i++) {
		const struct ena_bus_area *a = &info.areas[i];

		if (a->size == 0 || a->offset > info.size || a->size > info.size - a->offset) {
			errno = EPROTO;
			ena_error_set(-EPROTO, "%s: region %u mmap area %u [%#llx+%#llx] outside region of %#llx bytes",
				      bus->name, index, i, (unsigned long long)a->offset,
				      (unsigned long long)a->size, (unsigned long long)info.size);
			return NULL;
		}
	}
	bus->regions[index] = info;
	bus->region_known[index] = true;
	return &bus->regions[index];
}

static int bus_add_mapping(struct ena_bus *bus, unsigned int index, uint64_t off, uint64_t size,
			   bool wc)
{
	void *va;
	int r;

	if (bus->nr_maps >= ENA_BUS_MAX_REGIONS * ENA_BUS_MAX_AREAS)
		return -ENOSPC;
	r = bus->ops->region_mmap(bus, index, off, size, wc, &va);
	if (r < 0)
		return r;
	bus->maps[bus->nr_maps++] = (struct ena_bus_mapping){
		.region = index, .offset = off, .size = size, .va = va,
	};
	return 0;
}

int ena_bus_map_region(struct ena_bus *bus, unsigned int index, bool write_combine)
{
	const struct ena_bus_region_info *info = ena_bus_region(bus, index);
	unsigned int n = 0;
	int r;

	if (!info)
		return -errno;
	for (unsigned int i = 0; i < bus->nr_maps; i++)
		if (bus->maps[i].region == index)
			return -EALREADY;

	if (info->size && (info->flags & ENA_BUS_REGION_MMAP)) {
		if (info->nr_areas == 0) {
			r = bus_add_mapping(bus, index, 0, info->size, write_combine);
			if (r < 0)
				return r;
		}
		for (unsigned int i = 0; i < info->nr_areas; i++) {
			r = bus_add_mapping(bus, index, info->areas[i].offset, info->areas[i].size,
					    write_combine);
			if (r < 0)
				return r;
		}
	}

	if (bus->ops->region_ioeventfds) {
		r = bus->ops->region_ioeventfds(bus, index, bus->iofds + bus->nr_iofds,
						ENA_BUS_MAX_IOEVENTFDS - bus->nr_iofds, &n);
		if (r < 0)
			return r;
		if (n > ENA_BUS_MAX_IOEVENTFDS - bus->nr_iofds)
			return -EPROTO;
		bus->nr_iofds += n;
	}
	return 0;
}

void *ena_bus_region_ptr(struct ena_bus *bus, unsigned int index, uint64_t off, size_t len)
{
	for (unsigned int i = 0; i < bus->nr_maps; i++) {
		const struct ena_bus_mapping *m = &bus->maps[i];

		if (m->region == index && off >= m->offset && len <= m->size &&
		    off - m->offset <= m->size - len)
			return m->va + (off - m->offset);
	}
	return NULL;
}

int ena_bus_kick_fd(struct ena_bus *bus, unsigned int index, uint64_t off)
{
	for (unsigned int i = 0; i < bus->nr_iofds; i++) {
		const struct ena_bus_ioeventfd *e = &bus->iofds[i];

		if (e->region == index && off >= e->offset && off - e->offset < e->size)
			return e->fd;
	}
	return -1;
}

int ena_bus_read32(struct ena_bus *bus, unsigned int index, uint64_t off, uint32_t *ret)
{
	volatile uint32_t *p = ena_bus_region_ptr(bus, index, off, 4);
	uint32_t v;
	int r;

	if (p) {
		*ret = *p;
		return 0;
	}
	r = bus->ops->region_read(bus, index, off, &v, sizeof(v));
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int ena_bus_write32(struct ena_bus *bus, unsigned int index, uint64_t off, uint32_t val)
{
	volatile uint32_t *p = ena_bus_region_ptr(bus, index, off, 4);
	int fd;

	if (!p)
		return bus->ops->region_write(bus, index, off, &val, sizeof(val));

	*p = val;
	fd = ena_bus_kick_fd(bus, index, off);
	if (fd >= 0) {
		const uint64_t one = 1;

		/* Release: the store above must be visible before the kick. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		if (write(fd, &one, sizeof(one)) != sizeof(one))
			return -errno;
	}
	return 0;
}

int ena_bus_config_read(struct ena_bus *bus, uint64_t off, void *buf, size_t len)
{
	return bus->ops->region_read(bus, ENA_BUS_CONFIG_REGION, off, buf, len);
}

int ena_bus_config_write(struct ena_bus *bus, uint64_t off, const void *buf, size_t len)
{
	return bus->ops->region_write(bus, ENA_BUS_CONFIG_REGION, off, buf, len);
}

int ena_bus_enable_bus_master(struct ena_bus *bus)
{
	uint16_t cmd;
	int r;

	r = ena_bus_config_read(bus, PCI_COMMAND, &cmd, sizeof(cmd));
	if (r < 0)
		return ena_error_set(r, "%s: read PCI command register: %s", bus->name, strerror(-r));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	r = ena_bus_config_write(bus, PCI_COMMAND, &cmd, sizeof(cmd));
	if (r < 0)
		return ena_error_set(r, "%s: enable bus master: %s", bus->name, strerror(-r));
	return 0;
}

int ena_bus_irq_count(struct ena_bus *bus, unsigned int *ret)
{
	return bus->ops->irq_count(bus, ret);
}

int ena_bus_irq_set(struct ena_bus *bus, unsigned int start, unsigned int count, const int *fds)
{
	return bus->ops->irq_set(bus, start, count, fds);
}

int ena_bus_dma_map(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
		    uint64_t *ret_iova)
{
	return bus->ops->dma_map(bus, fd, fd_offset, vaddr, size, ret_iova);
}

int ena_bus_dma_unmap(struct ena_bus *bus, uint64_t iova, uint64_t size)
{
	return bus->ops->dma_unmap(bus, iova, size);
}

int ena_bus_reset(struct ena_bus *bus)
{
	return bus->ops->reset ? bus->ops->reset(bus) : -EOPNOTSUPP;
}

int ena_bus_poll(struct ena_bus *bus)
{
	return bus->ops->poll ? bus->ops->poll(bus) : 0;
}
