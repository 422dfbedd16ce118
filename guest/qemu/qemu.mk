# Test-only builds of the guests that run on QEMU without VMX (guest/qemu/check.py says what
# each proves): the 32-bit code as multiboot v1 ELF32 (QEMU's -kernel loads it), the 64-bit code
# as multiboot2 ELF64 booted by GRUB. `make guests-qemu-check` builds and runs them.

GUEST_QEMU_CFLAGS_32 := -DGUEST_QEMU_TEST -DGUEST_QEMU_TEST_MB1 -DPIO_PCI_DEV=31
GUEST_QEMU_CFLAGS_64 := -DGUEST_QEMU_TEST

# NAME_QEMU_ENTRY, NAME_QEMU_SRCS: as for the real guests; guest/qemu/from_multiboot.c runs a
# flat guest's main() from a multiboot entry, guest/qemu/fake_vmcall.c also answers VMCALL.
q-libtest32_QEMU_ENTRY	:= mb1
q-libtest32_QEMU_SRCS	:= guest/qemu/libtest.c guest/qemu/from_multiboot.c
q-libtest64_QEMU_ENTRY	:= mb2
q-libtest64_QEMU_SRCS	:= guest/qemu/libtest.c guest/qemu/from_multiboot.c
q-pio_QEMU_ENTRY	:= mb1
q-pio_QEMU_SRCS		:= guest/pio.c guest/qemu/from_multiboot.c
q-mb1_QEMU_ENTRY	:= mb1
q-mb1_QEMU_SRCS		:= $(mb1_SRCS)
q-mb2_QEMU_ENTRY	:= mb2
q-mb2_QEMU_SRCS		:= $(mb2_SRCS)
q-triple32_QEMU_ENTRY	:= mb1
q-triple32_QEMU_SRCS	:= guest/triple.c guest/qemu/from_multiboot.c
GUEST_QEMU_FLAT64 := hello cpuid triple pastram fillram scanram storm
$(foreach g,$(GUEST_QEMU_FLAT64),$(eval q-$(g)_QEMU_ENTRY := mb2)\
	$(eval q-$(g)_QEMU_SRCS := $($(g)_SRCS) guest/qemu/from_multiboot.c))
q-bench_QEMU_ENTRY	:= mb2
q-bench_QEMU_SRCS	:= $(bench_SRCS) guest/qemu/fake_vmcall.c

GUEST_QEMU_NAMES := q-libtest32 q-libtest64 q-pio q-mb1 q-mb2 q-triple32 \
		    $(GUEST_QEMU_FLAT64:%=q-%) q-bench
GUEST_QEMU_BINS := $(GUEST_QEMU_NAMES:%=$(GUEST_DIR)/qemu/%.elf)

guest_qemu_bits = $(GUEST_ENTRY_BITS_$($(1)_QEMU_ENTRY))
$(foreach g,$(GUEST_QEMU_NAMES),$(eval $(call guest_link_rule,$(GUEST_DIR)/qemu/$(g).elf,$($(g)_QEMU_ENTRY),\
	$(call guest_objs,$(call guest_qemu_bits,$(g)),$($(g)_QEMU_SRCS),qemu$(call guest_qemu_bits,$(g))))))

$(GUEST_DIR)/qemu32/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS_32) $(GUEST_QEMU_CFLAGS_32) -MMD -MP -c $< -o $@

$(GUEST_DIR)/qemu64/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS_64) $(GUEST_QEMU_CFLAGS_64) -MMD -MP -c $< -o $@

$(GUEST_DIR)/qemu32/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -g -F dwarf -MD $(@:.o=.d) $< -o $@

$(GUEST_DIR)/qemu64/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -MD $(@:.o=.d) $< -o $@

guests-qemu-check: $(GUEST_QEMU_BINS)
	$(PYTHON) guest/qemu/check.py $(GUEST_DIR)/qemu
