# SPDX-License-Identifier: MIT
# enad: userspace ENA driver, its library and its device emulator.
#
#   make              build everything into build/
#   make check        install deps, build, run every test (unit + integration)
#   make SAN=address  sanitizer build (address, undefined or thread) in build-SAN/
#   make install      PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR ?= /etc
DESTDIR ?=

VERSION := 0.1.0
SOVERSION := 0

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libsystemd json-c libnl-3.0 libnl-route-3.0 numa libevent
LIBENA_PKGS := json-c numa

ifeq ($(SAN),)
B := build
SANFLAGS :=
else
B := build-$(SAN)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
ifeq ($(SAN),undefined)
SANFLAGS += -fno-sanitize-recover=undefined
endif
endif

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -DENAD_VERSION='"$(VERSION)"' -Ilibena/include -Ilibena -Isim
DEPFLAGS = -MMD -MP
ALL_CFLAGS = -std=gnu11 -fPIC -pthread $(WARNFLAGS) $(SANFLAGS) $(CFLAGS) $(CPPFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread
LDLIBS_LIBENA = $(shell $(PKG_CONFIG) --libs $(LIBENA_PKGS) 2>/dev/null) -lpthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

# ---- sources (explicit lists) ----
LIBENA_BUS_SRCS := libena/bus.c libena/error.c
LIBENA_VFIO_USER_SRCS := libena/vfio_user_msg.c libena/bus_vfio_user.c
LIBENA_VFIO_KERNEL_SRCS := libena/bus_vfio_kernel.c libena/pci_sysfs.c libena/pagemap.c
LIBENA_DMA_SRCS := libena/dma.c
LIBENA_COM_SRCS := libena/strings.c libena/mmio.c libena/admin.c libena/aenq.c \
	libena/device.c libena/features.c libena/stats.c libena/rss.c
LIBENA_ETH_SRCS := libena/eth_queue.c libena/eth_tx.c libena/eth_rx.c libena/eth_intr.c \
	libena/eth_stats.c
LIBENA_SRCS := $(LIBENA_BUS_SRCS) $(LIBENA_VFIO_USER_SRCS) $(LIBENA_VFIO_KERNEL_SRCS) \
	$(LIBENA_DMA_SRCS) $(LIBENA_COM_SRCS) $(LIBENA_ETH_SRCS)

SIM_SERVER_SRCS := sim/vfu_server.c
SIM_DEVICE_SRCS := sim/device.c sim/admin.c sim/aenq.c sim/ctl.c sim/options.c
SIM_LIB_SRCS := $(SIM_SERVER_SRCS) $(SIM_DEVICE_SRCS)
SIM_MAIN_SRCS := sim/main.c sim/ctl_client.c

# Unit tests: tests/unit/NAME.c -> $(B)/tests/NAME, linked with libena.a and
# libenasim.a. Each owner lists its tests here.
UNIT_TESTS_BUS := test_vfio_user
UNIT_TESTS_KERNEL := test_vfio_kernel test_dma
UNIT_TESTS_SIM := test_sim_device
UNIT_TESTS_COM := test_strings test_rss test_libena_sim test_datapath
UNIT_TESTS_ETH := test_eth
UNIT_TESTS := $(UNIT_TESTS_BUS) $(UNIT_TESTS_KERNEL) $(UNIT_TESTS_SIM) $(UNIT_TESTS_COM) \
	$(UNIT_TESTS_ETH)

LIBENA_OBJS := $(LIBENA_SRCS:%.c=$(B)/obj/%.o)
SIM_LIB_OBJS := $(SIM_LIB_SRCS:%.c=$(B)/obj/%.o)
SIM_MAIN_OBJS := $(SIM_MAIN_SRCS:%.c=$(B)/obj/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(B)/tests/%)

LIBENA_SO := $(B)/libena.so.$(SOVERSION)
PROGRAMS := $(B)/enasim

.PHONY: all check unit integration deps install uninstall clean
all: $(B)/libena.a $(LIBENA_SO) $(B)/libena.pc $(PROGRAMS) $(UNIT_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/libena.a: $(LIBENA_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBENA_SO): $(LIBENA_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libena.so.$(SOVERSION) $(SANFLAGS) -o $@ $^ $(LDLIBS_LIBENA)
	$(Q)ln -sf libena.so.$(SOVERSION) $(B)/libena.so

$(B)/libena.pc: libena/libena.pc.in
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/libenasim.a: $(SIM_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/enasim: $(SIM_MAIN_OBJS) $(B)/libenasim.a $(B)/libena.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL)

TEST_HARNESS_OBJS := $(B)/obj/tests/unit/sim_harness.o $(B)/obj/tests/unit/pkt.o
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_HARNESS_OBJS) $(B)/libenasim.a $(B)/libena.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_ALL) -lcmocka

# ---- tests ----
check: deps
	$(MAKE) all
	B=$(B) tests/run

unit: all
	B=$(B) tests/run unit

integration: all
	B=$(B) tests/run integration

# libena's kernel-VFIO backend against vfio-pci in a QEMU guest (TCG), with an
# IOMMU (type1) and without (noiommu); tests/integration/vfio_guest.t runs it too.
.PHONY: vfio-guest-test
vfio-guest-test: all
	@rc=0; for mode in iommu noiommu; do B=$(B) tests/vfio-guest/run.sh $$mode || rc=1; done; exit $$rc

# Debian packages needed to build and test (idempotent).
DEB_PACKAGES := build-essential pkg-config libsystemd-dev libjson-c-dev libnl-3-dev \
	libnl-route-3-dev libnuma-dev libevent-dev libinih-dev libcmocka-dev \
	iproute2 iputils-ping iperf3 procps psmisc valgrind mandoc
# vfio-guest-test: the guest, its kernel and initramfs tools; linux-source and
# the headers rebuild vfio.ko with noiommu (Debian builds it without).
DEB_PACKAGES += qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source \
	busybox-static cpio kmod xz-utils
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: all installed"; fi

# ---- install ----
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/ena $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(B)/enasim $(DESTDIR)$(BINDIR)/enasim
	install -m 0644 $(B)/libena.a $(DESTDIR)$(LIBDIR)/libena.a
	install -m 0755 $(LIBENA_SO) $(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION)
	ln -sf libena.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libena.so
	install -m 0644 libena/include/ena/*.h $(DESTDIR)$(INCLUDEDIR)/ena/
	install -m 0644 $(B)/libena.pc $(DESTDIR)$(PKGCONFIGDIR)/libena.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/enasim $(DESTDIR)$(LIBDIR)/libena.a \
		$(DESTDIR)$(LIBDIR)/libena.so $(DESTDIR)$(LIBDIR)/libena.so.$(SOVERSION) \
		$(DESTDIR)$(PKGCONFIGDIR)/libena.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/ena

clean:
	rm -rf build build-address build-undefined build-thread

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
