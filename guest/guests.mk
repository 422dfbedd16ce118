# Guests: the demo guest and the test guests of the boot scenarios (tests/boot/scenarios_guests.py).
# Included by the top Makefile, which provides BUILD, CC, LD, NASM, OBJCOPY and WARN.
#
#   build/guest/NAME.bin   flat guests (raw image for load = 0x100000)
#   build/guest/NAME.elf   multiboot (ELF32) and multiboot2 (ELF64) guests
#
# A guest is a few sources on top of the runtime in guest/lib, built for 32- or 64-bit and
# started by one of four entry stubs: flat64, flat32, mb1 (multiboot v1, ELF32) or mb2
# (multiboot2, ELF64 entered in 32-bit mode). Objects go under build/guest/{32,64}/.

GUEST_DIR := $(BUILD)/guest

GUEST_CFLAGS := -std=gnu11 $(WARN) -O2 -g -Iguest -Iguest/include -ffreestanding -nostdlib \
		-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
		-fcf-protection=none -fno-delete-null-pointer-checks -mgeneral-regs-only
# No SSE or x87 (plinth promises nothing about CR4.OSFXSR or CR0.EM/MP), no red zone in 64-bit
# code (exception handlers run on the same stack).
GUEST_CFLAGS_32 := $(GUEST_CFLAGS) -m32 -march=i686
GUEST_CFLAGS_64 := $(GUEST_CFLAGS) -m64 -mno-red-zone
GUEST_LD_32 := -m elf_i386
GUEST_LD_64 := -m elf_x86_64
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --build-id=none \
		 -T guest/guest.ld

GUEST_LIB_C := $(sort $(wildcard guest/lib/*.c))
GUEST_LIB_32 := $(GUEST_LIB_C:%.c=$(GUEST_DIR)/32/%.o) $(GUEST_DIR)/32/guest/lib/trap_entry32.asm.o
GUEST_LIB_64 := $(GUEST_LIB_C:%.c=$(GUEST_DIR)/64/%.o) $(GUEST_DIR)/64/guest/lib/trap_entry64.asm.o

# The word size each entry stub (guest/lib/entry_STUB.asm) runs the guest in.
GUEST_ENTRY_BITS_flat64 := 64
GUEST_ENTRY_BITS_flat32 := 32
GUEST_ENTRY_BITS_mb1 := 32
GUEST_ENTRY_BITS_mb2 := 64

# The guests: NAME_ENTRY and NAME_SRCS (.c and .asm files besides the runtime).
hello_ENTRY	:= flat64
hello_SRCS	:= guest/hello.c
chatter_ENTRY	:= flat64
smp_ENTRY	:= flat64
smpbad_ENTRY	:= mb2
benchsmp_ENTRY	:= flat64
benchsmp_SRCS	:= guest/benchsmp.c guest/smp_common.c guest/smp_asm.asm
smpbad_SRCS	:= guest/smpbad.c guest/smp_common.c guest/smp_asm.asm
smp_SRCS	:= guest/smp.c guest/smp_common.c guest/smp_asm.asm
chatter_SRCS	:= guest/chatter.c
cpuid_ENTRY	:= flat64
cpuid_SRCS	:= guest/cpuid.c
pio_ENTRY	:= flat32
pio_SRCS	:= guest/pio.c
mb1_ENTRY	:= mb1
mb1_SRCS	:= guest/mb1.c guest/multiboot_checks.c guest/module_blob.asm
mb2_ENTRY	:= mb2
mb2_SRCS	:= guest/mb2.c guest/multiboot_checks.c guest/module_blob.asm
triple_ENTRY	:= flat64
triple_SRCS	:= guest/triple.c
pastram_ENTRY	:= flat64
pastram_SRCS	:= guest/pastram.c
fillram_ENTRY	:= flat64
fillram_SRCS	:= guest/fillram.c
scanram_ENTRY	:= flat64
scanram_SRCS	:= guest/scanram.c
storm_ENTRY	:= flat64
storm_SRCS	:= guest/storm.c guest/storm_probes.asm
exits_ENTRY	:= flat64
exits_SRCS	:= guest/exits.c
mmio_ENTRY	:= flat64
mmio_SRCS	:= guest/mmio.c
bench_ENTRY	:= flat64
bench_SRCS	:= guest/bench.c guest/bench_control.c guest/bench_loops.asm

hcall_ENTRY	:= flat64
hcall_SRCS	:= guest/hcall.c
vmm_ENTRY	:= flat64
vmm_SRCS	:= guest/vmm.c guest/vmm_payload.asm
ctl32_ENTRY	:= flat32
ctl32_SRCS	:= guest/ctl32.c
ctltest_ENTRY	:= flat64
ctltest_SRCS	:= guest/ctltest.c guest/ctltest_child.asm guest/ring3.asm
pae_ENTRY	:= flat32
pae_SRCS	:= guest/pae.c

GUEST_NAMES := hello chatter smp smpbad benchsmp cpuid pio mb1 mb2 triple pastram fillram scanram storm bench mmio exits hcall \
	       vmm ctltest ctl32 pae

guest_is_flat = $(filter flat%,$($(1)_ENTRY))
guest_file = $(GUEST_DIR)/$(1).$(if $(call guest_is_flat,$(1)),bin,elf)
# Objects of sources $(2) built for $(1) bits, in directory $(GUEST_DIR)/$(3) (default: $(1)).
guest_objs = $(patsubst %.c,$(GUEST_DIR)/$(or $(3),$(1))/%.o,$(filter %.c,$(2))) \
	     $(patsubst %.asm,$(GUEST_DIR)/$(or $(3),$(1))/%.asm.o,$(filter %.asm,$(2)))

# $(1): output ELF, $(2): entry, $(3): the guest's objects. The runtime is an archive, so a
# guest links only the parts it uses.
define guest_link_rule
$(1): $(GUEST_DIR)/$(GUEST_ENTRY_BITS_$(2))/guest/lib/entry_$(2).asm.o $(3) \
      $(GUEST_DIR)/libguest$(GUEST_ENTRY_BITS_$(2)).a guest/guest.ld
	@mkdir -p $$(dir $$@)
	$(LD) $(GUEST_LD_$(GUEST_ENTRY_BITS_$(2))) $(GUEST_LDFLAGS) -o $$@ \
		$$(filter %.o,$$^) $(GUEST_DIR)/libguest$(GUEST_ENTRY_BITS_$(2)).a
endef

# Flat guests link to build/guest/flat/NAME.elf; the .bin holds every byte from the load
# address to the end of .bss (zeros included), so a loader that places page tables or other
# structures after the file cannot put them over the guest's stack.
guest_elf = $(if $(call guest_is_flat,$(1)),$(GUEST_DIR)/flat/$(1).elf,$(GUEST_DIR)/$(1).elf)
guest_bits = $(GUEST_ENTRY_BITS_$($(1)_ENTRY))
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_link_rule,$(call guest_elf,$(g)),$($(g)_ENTRY),\
	$(call guest_objs,$(call guest_bits,$(g)),$($(g)_SRCS)))))

$(GUEST_DIR)/%.bin: $(GUEST_DIR)/flat/%.elf
	$(OBJCOPY) -O binary --set-section-flags .bss=alloc,load,contents $< $@

$(GUEST_DIR)/libguest32.a: $(GUEST_LIB_32)
	rm -f $@
	$(AR) rcs $@ $^

$(GUEST_DIR)/libguest64.a: $(GUEST_LIB_64)
	rm -f $@
	$(AR) rcs $@ $^

$(GUEST_DIR)/32/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS_32) -MMD -MP -c $< -o $@

$(GUEST_DIR)/64/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS_64) -MMD -MP -c $< -o $@

$(GUEST_DIR)/32/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -g -F dwarf -MD $(@:.o=.d) $< -o $@

$(GUEST_DIR)/64/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf $(NASM_GUEST_FLAGS) -MD $(@:.o=.d) $< -o $@

GUEST_TEST_BINS := $(foreach g,$(GUEST_NAMES),$(call guest_file,$(g)))

# Guests written whole in 16-bit assembly, assembled straight to a flat image.
GUEST_RAW16 := sipibad
GUEST_TEST_BINS += $(GUEST_RAW16:%=$(GUEST_DIR)/%.bin)
$(GUEST_RAW16:%=$(GUEST_DIR)/%.bin): $(GUEST_DIR)/%.bin: guest/%.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin $< -o $@

# Shipped in the ISO and the USB image: GUEST_BINS are the files (prerequisites), GUEST_MEDIA
# the FILE=NAME arguments of tools/mkiso and tools/mkusb (NAME is what plinth.cfg uses).
GUEST_BINS := $(GUEST_DIR)/hello.bin
GUEST_MEDIA := $(GUEST_DIR)/hello.bin=guests/hello.bin

BOOT_TEST_DEPS += $(GUEST_TEST_BINS)

.PHONY: guests guests-qemu-check
guests: $(GUEST_TEST_BINS)

# make bench boots the bench guest.
bench: $(GUEST_DIR)/bench.bin

include guest/qemu/qemu.mk

# The vmm guest carries the hello guest as its child's image (incbin, found through -I).
$(GUEST_DIR)/64/guest/vmm_payload.asm.o: NASM_GUEST_FLAGS := -I$(GUEST_DIR)/
$(GUEST_DIR)/64/guest/vmm_payload.asm.o: $(GUEST_DIR)/hello.bin

# NASM's -MD leaves %include'd files out of the dependency files.
$(GUEST_DIR)/32/guest/lib/trap_entry32.asm.o $(GUEST_DIR)/64/guest/lib/trap_entry64.asm.o: guest/lib/trap_stubs.inc
