/* SPDX-License-Identifier: MIT */
/*
 * plinth's hypercall ABI, shared structures: the kvm_run area a control guest shares with plinth and
 * the formats of the registers it reads and writes. Included by guests (freestanding, 32- or 64-bit)
 * and by plinth itself. docs/hypercalls.md is the specification.
 *
 * Every structure here has the layout of its Linux KVM namesake (struct kvm_run, kvm_regs,
 * kvm_sregs, kvm_vcpu_events, ...) byte for byte, and its fields keep KVM's names, so that code and
 * people who know KVM read it unchanged; tests/unit/test_kvm_abi.c checks each size and offset
 * against <linux/kvm.h>. The layout is also the same for 32- and 64-bit guests: every 64-bit field
 * is a plinth_u64 (8-byte aligned even where i386 would align it to 4) and padding that the x86-64
 * ABI would insert silently is spelled out as fields. The _Static_asserts at the end catch a
 * compiler that disagrees.
 */
#ifndef PLINTH_GUEST_KVM_H
#define PLINTH_GUEST_KVM_H

#include <stddef.h>
#include <stdint.h>

/* A 64-bit field, aligned to 8 bytes whatever the guest's bitness. */
typedef uint64_t plinth_u64 __attribute__((aligned(8)));

/* ---- registers ----------------------------------------------------------------------------- */

/* The general-purpose registers, RIP and RFLAGS (KVM_GET_REGS order, not the encoding order). */
struct plinth_kvm_regs {
	plinth_u64 rax, rbx, rcx, rdx;
	plinth_u64 rsi, rdi, rsp, rbp;
	plinth_u64 r8, r9, r10, r11;
	plinth_u64 r12, r13, r14, r15;
	plinth_u64 rip, rflags;
};

/* A segment register, its hidden part unpacked: one byte per attribute, each 0 or 1 but type (4
 * bits) and dpl (2 bits). unusable is VMX's "segment unusable" bit. */
struct plinth_kvm_segment {
	plinth_u64 base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type;
	uint8_t present, dpl, db, s, l, g, avl;
	uint8_t unusable;
	uint8_t padding;
};

/* GDTR or IDTR. */
struct plinth_kvm_dtable {
	plinth_u64 base;
	uint16_t limit;
	uint16_t padding[3];
};

/* The number of interrupt vectors, and of 64-bit words in a bitmap of them. */
#define PLINTH_KVM_NR_INTERRUPTS     256
#define PLINTH_KVM_INTR_BITMAP_WORDS ((PLINTH_KVM_NR_INTERRUPTS + 63) / 64)

/* The system registers: segments, descriptor tables, control registers, EFER and the APIC base.
 * interrupt_bitmap has a bit set for an external interrupt waiting to be injected. */
struct plinth_kvm_sregs {
	struct plinth_kvm_segment cs, ds, es, fs, gs, ss;
	struct plinth_kvm_segment tr, ldt;
	struct plinth_kvm_dtable gdt, idt;
	plinth_u64 cr0, cr2, cr3, cr4, cr8;
	plinth_u64 efer;
	plinth_u64 apic_base;
	plinth_u64 interrupt_bitmap[PLINTH_KVM_INTR_BITMAP_WORDS];
};

/* Events in flight: a pending or injected exception, interrupt and NMI, SMM state and a pending
 * triple fault. flags says which of the optional parts are meaningful (KVM's KVM_VCPUEVENT_VALID_*
 * bits). */
struct plinth_kvm_vcpu_events {
	struct {
		uint8_t injected;
		uint8_t nr;
		uint8_t has_error_code;
		uint8_t pending;
		uint32_t error_code;
	} exception;
	struct {
		uint8_t injected;
		uint8_t nr;
		uint8_t soft;
		uint8_t shadow;
	} interrupt;
	struct {
		uint8_t injected;
		uint8_t pending;
		uint8_t masked;
		uint8_t pad;
	} nmi;
	uint32_t sipi_vector;
	uint32_t flags;
	struct {
		uint8_t smm;
		uint8_t pending;
		uint8_t smm_inside_nmi;
		uint8_t latched_init;
	} smi;
	struct {
		uint8_t pending;
	} triple_fault;
	uint8_t reserved[26];
	uint8_t exception_has_payload;
	plinth_u64 exception_payload;
};

/* The register sets that kvm_run carries in its s.regs area (see kvm_valid_regs). */
struct plinth_kvm_sync_regs {
	struct plinth_kvm_regs regs;
	struct plinth_kvm_sregs sregs;
	struct plinth_kvm_vcpu_events events;
};

/* Bits of kvm_valid_regs and kvm_dirty_regs, one per member of struct plinth_kvm_sync_regs. */
#define PLINTH_KVM_SYNC_X86_REGS   (1ull << 0)
#define PLINTH_KVM_SYNC_X86_SREGS  (1ull << 1)
#define PLINTH_KVM_SYNC_X86_EVENTS (1ull << 2)
#define PLINTH_KVM_SYNC_X86_VALID_FIELDS \
	(PLINTH_KVM_SYNC_X86_REGS | PLINTH_KVM_SYNC_X86_SREGS | PLINTH_KVM_SYNC_X86_EVENTS)

/* ---- the kvm_run area ---------------------------------------------------------------------- */

/* Why the vCPU stopped running (kvm_run.exit_reason). The numbers are KVM's; plinth uses a subset. */
#define PLINTH_KVM_EXIT_UNKNOWN		0
#define PLINTH_KVM_EXIT_EXCEPTION	1
#define PLINTH_KVM_EXIT_IO		2
#define PLINTH_KVM_EXIT_HYPERCALL	3
#define PLINTH_KVM_EXIT_DEBUG		4
#define PLINTH_KVM_EXIT_HLT		5
#define PLINTH_KVM_EXIT_MMIO		6
#define PLINTH_KVM_EXIT_IRQ_WINDOW_OPEN 7
#define PLINTH_KVM_EXIT_SHUTDOWN	8
#define PLINTH_KVM_EXIT_FAIL_ENTRY	9
#define PLINTH_KVM_EXIT_INTR		10
#define PLINTH_KVM_EXIT_INTERNAL_ERROR	17
#define PLINTH_KVM_EXIT_SYSTEM_EVENT	24

/* io.direction */
#define PLINTH_KVM_EXIT_IO_IN  0
#define PLINTH_KVM_EXIT_IO_OUT 1

/* system_event.type */
#define PLINTH_KVM_SYSTEM_EVENT_SHUTDOWN 1
#define PLINTH_KVM_SYSTEM_EVENT_RESET	 2
#define PLINTH_KVM_SYSTEM_EVENT_CRASH	 3

/* internal.suberror: an instruction could not be emulated; an exit plinth does not handle
 * (data[0] = the VMX exit reason). */
#define PLINTH_KVM_INTERNAL_ERROR_EMULATION		1
#define PLINTH_KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON 4

/* debug.arch: the #DB or #BP that stopped the vCPU. */
struct plinth_kvm_debug_exit_arch {
	uint32_t exception;
	uint32_t pad;
	plinth_u64 pc;
	plinth_u64 dr6;
	plinth_u64 dr7;
};

/* The size of kvm_run's s area. */
#define PLINTH_KVM_SYNC_REGS_SIZE_BYTES 2048

/*
 * The shared area: the control guest fills in the first bytes before running a vCPU; plinth fills
 * in exit_reason and the matching member of the exit union when the vCPU stops. io.data_offset
 * counts from the start of this structure.
 */
struct plinth_kvm_run {
	/* Set by the caller. */
	uint8_t request_interrupt_window;
	uint8_t immediate_exit;
	uint8_t padding1[6];

	/* Set by plinth. */
	uint32_t exit_reason;
	uint8_t ready_for_interrupt_injection;
	uint8_t if_flag;
	uint16_t flags;

	/* Both ways. */
	plinth_u64 cr8;
	plinth_u64 apic_base;

	/* What exit_reason needs said about it. */
	union {
		/* PLINTH_KVM_EXIT_UNKNOWN */
		struct {
			plinth_u64 hardware_exit_reason;
		} hw;
		/* PLINTH_KVM_EXIT_FAIL_ENTRY */
		struct {
			plinth_u64 hardware_entry_failure_reason;
			uint32_t cpu;
			uint32_t pad;
		} fail_entry;
		/* PLINTH_KVM_EXIT_EXCEPTION */
		struct {
			uint32_t exception;
			uint32_t error_code;
		} ex;
		/* PLINTH_KVM_EXIT_IO: size is the access width in bytes, count the repetitions. */
		struct {
			uint8_t direction;
			uint8_t size;
			uint16_t port;
			uint32_t count;
			plinth_u64 data_offset;
		} io;
		/* PLINTH_KVM_EXIT_DEBUG */
		struct {
			struct plinth_kvm_debug_exit_arch arch;
		} debug;
		/* PLINTH_KVM_EXIT_MMIO */
		struct {
			plinth_u64 phys_addr;
			uint8_t data[8];
			uint32_t len;
			uint8_t is_write;
			uint8_t pad[3];
		} mmio;
		/* PLINTH_KVM_EXIT_HYPERCALL: flags is the later, 64-bit name of the longmode word. */
		struct {
			plinth_u64 nr;
			plinth_u64 args[6];
			plinth_u64 ret;
			union {
				struct {
					uint32_t longmode;
					uint32_t pad;
				};
				plinth_u64 flags;
			};
		} hypercall;
		/* PLINTH_KVM_EXIT_INTERNAL_ERROR */
		struct {
			uint32_t suberror;
			uint32_t ndata;
			plinth_u64 data[16];
		} internal;
		/* PLINTH_KVM_EXIT_SYSTEM_EVENT */
		struct {
			uint32_t type;
			uint32_t ndata;
			union {
				plinth_u64 flags;
				plinth_u64 data[16];
			};
		} system_event;
		/* Fixes the union's size. */
		char padding[256];
	};

	/* Which sets of s.regs are meaningful (set by plinth) and which the caller changed; bits are
	 * PLINTH_KVM_SYNC_X86_*. */
	plinth_u64 kvm_valid_regs;
	plinth_u64 kvm_dirty_regs;
	union {
		struct plinth_kvm_sync_regs regs;
		char padding[PLINTH_KVM_SYNC_REGS_SIZE_BYTES];
	} s;
};

/* The run area is one 4 KiB page: the data of an IO exit sits behind struct plinth_kvm_run, at
 * io.data_offset = this (KVM puts it in the page after; it is the same word either way). */
#define PLINTH_KVM_RUN_AREA_BYTES      4096
#define PLINTH_KVM_RUN_IO_DATA_OFFSET 2560

/* GET_REG_LIST's buffer (struct kvm_reg_list): n in = room, n out = how many ids there are. */
struct plinth_kvm_reg_list {
	plinth_u64 n;
	plinth_u64 reg[];
};

/* ---- ONE_REG register ids ------------------------------------------------------------------ */

/*
 * A register id for reading or writing one register, in KVM's ONE_REG form: bits 56-63 are the
 * architecture (x86), bits 52-55 the value's size as log2 of its bytes, bits 32-39 the register's
 * type, bits 0-31 its index within the type; bits 40-51 are zero. The value travels in a buffer of
 * PLINTH_KVM_REG_SIZE(id) bytes.
 */
#define PLINTH_KVM_REG_X86	  0x2000000000000000ull
#define PLINTH_KVM_REG_SIZE_SHIFT 52
#define PLINTH_KVM_REG_SIZE_MASK  0x00f0000000000000ull
#define PLINTH_KVM_REG_SIZE_U8	  0x0000000000000000ull
#define PLINTH_KVM_REG_SIZE_U16	  0x0010000000000000ull
#define PLINTH_KVM_REG_SIZE_U32	  0x0020000000000000ull
#define PLINTH_KVM_REG_SIZE_U64	  0x0030000000000000ull
#define PLINTH_KVM_REG_SIZE_U128  0x0040000000000000ull
#define PLINTH_KVM_REG_SIZE_U256  0x0050000000000000ull
/* The value's size in bytes. */
#define PLINTH_KVM_REG_SIZE(id) \
	(1u << (unsigned int)(((id)&PLINTH_KVM_REG_SIZE_MASK) >> PLINTH_KVM_REG_SIZE_SHIFT))

#define PLINTH_KVM_X86_REG_TYPE_SHIFT 32
#define PLINTH_KVM_X86_REG_TYPE_MASK  0x000000ff00000000ull
#define PLINTH_KVM_X86_REG_INDEX_MASK 0x00000000ffffffffull
#define PLINTH_KVM_X86_REG_TYPE(id) \
	((uint32_t)(((id)&PLINTH_KVM_X86_REG_TYPE_MASK) >> PLINTH_KVM_X86_REG_TYPE_SHIFT))
#define PLINTH_KVM_X86_REG_INDEX(id) ((uint32_t)((id)&PLINTH_KVM_X86_REG_INDEX_MASK))
#define PLINTH_KVM_X86_REG_ID(type, size, index)                                             \
	(PLINTH_KVM_REG_X86 | (size) | ((uint64_t)(type) << PLINTH_KVM_X86_REG_TYPE_SHIFT) | \
	 (uint64_t)(uint32_t)(index))

/*
 * The types. MSR (2) follows the x86 encoding proposed for Linux (type in bits 32-39, MSR index in
 * bits 0-31; Linux 6.1's uapi has no such macro yet). The others are plinth's own:
 *   1 GPR: index 0-15 is the register number in instruction-encoding order (RAX RCX RDX RBX RSP
 *          RBP RSI RDI R8..R15), 16 RIP, 17 RFLAGS; 64-bit values.
 *   3 CR:  index 0, 2, 3, 4, 8 is the control register's number, 0x100 is EFER; 64-bit values.
 *   4 SEG: index 0-7 is ES CS SS DS FS GS LDTR TR (the first six in encoding order), 8 GDTR,
 *          9 IDTR. The value is a struct plinth_kvm_segment (24 bytes) or, for GDTR and IDTR, a
 *          struct plinth_kvm_dtable (16 bytes); neither is a power of two, so these ids have size
 *          U256 and the structure sits at the start of a 32-byte buffer (union
 *          plinth_kvm_one_reg_seg). The bytes after it are zero when plinth writes the buffer and
 *          must be zero when the guest does.
 */
#define PLINTH_KVM_X86_REG_TYPE_GPR 1
#define PLINTH_KVM_X86_REG_TYPE_MSR 2
#define PLINTH_KVM_X86_REG_TYPE_CR  3
#define PLINTH_KVM_X86_REG_TYPE_SEG 4

/* GPR indexes. */
#define PLINTH_KVM_GPR_RAX    0
#define PLINTH_KVM_GPR_RCX    1
#define PLINTH_KVM_GPR_RDX    2
#define PLINTH_KVM_GPR_RBX    3
#define PLINTH_KVM_GPR_RSP    4
#define PLINTH_KVM_GPR_RBP    5
#define PLINTH_KVM_GPR_RSI    6
#define PLINTH_KVM_GPR_RDI    7
#define PLINTH_KVM_GPR_R8     8
#define PLINTH_KVM_GPR_R9     9
#define PLINTH_KVM_GPR_R10    10
#define PLINTH_KVM_GPR_R11    11
#define PLINTH_KVM_GPR_R12    12
#define PLINTH_KVM_GPR_R13    13
#define PLINTH_KVM_GPR_R14    14
#define PLINTH_KVM_GPR_R15    15
#define PLINTH_KVM_GPR_RIP    16
#define PLINTH_KVM_GPR_RFLAGS 17

/* CR index of EFER. */
#define PLINTH_KVM_CR_EFER 0x100

/* SEG indexes. */
#define PLINTH_KVM_SEG_ES   0
#define PLINTH_KVM_SEG_CS   1
#define PLINTH_KVM_SEG_SS   2
#define PLINTH_KVM_SEG_DS   3
#define PLINTH_KVM_SEG_FS   4
#define PLINTH_KVM_SEG_GS   5
#define PLINTH_KVM_SEG_LDTR 6
#define PLINTH_KVM_SEG_TR   7
#define PLINTH_KVM_SEG_GDTR 8
#define PLINTH_KVM_SEG_IDTR 9

#define PLINTH_KVM_REG_GPR(n) \
	PLINTH_KVM_X86_REG_ID(PLINTH_KVM_X86_REG_TYPE_GPR, PLINTH_KVM_REG_SIZE_U64, (n))
#define PLINTH_KVM_REG_RIP    PLINTH_KVM_REG_GPR(PLINTH_KVM_GPR_RIP)
#define PLINTH_KVM_REG_RFLAGS PLINTH_KVM_REG_GPR(PLINTH_KVM_GPR_RFLAGS)
#define PLINTH_KVM_REG_MSR(index) \
	PLINTH_KVM_X86_REG_ID(PLINTH_KVM_X86_REG_TYPE_MSR, PLINTH_KVM_REG_SIZE_U64, (index))
#define PLINTH_KVM_REG_CR(n) \
	PLINTH_KVM_X86_REG_ID(PLINTH_KVM_X86_REG_TYPE_CR, PLINTH_KVM_REG_SIZE_U64, (n))
#define PLINTH_KVM_REG_EFER PLINTH_KVM_REG_CR(PLINTH_KVM_CR_EFER)
#define PLINTH_KVM_REG_SEG(n) \
	PLINTH_KVM_X86_REG_ID(PLINTH_KVM_X86_REG_TYPE_SEG, PLINTH_KVM_REG_SIZE_U256, (n))
#define PLINTH_KVM_REG_GDTR PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GDTR)
#define PLINTH_KVM_REG_IDTR PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_IDTR)

/* The 32-byte value of a SEG id. */
union plinth_kvm_one_reg_seg {
	struct plinth_kvm_segment seg;
	struct plinth_kvm_dtable dt;
	uint8_t bytes[32];
};

/* ---- layout checks (the same for -m32 and -m64) --------------------------------------------- */

_Static_assert(sizeof(struct plinth_kvm_regs) == 144, "kvm_regs size");
_Static_assert(offsetof(struct plinth_kvm_regs, rip) == 128, "kvm_regs.rip");
_Static_assert(sizeof(struct plinth_kvm_segment) == 24, "kvm_segment size");
_Static_assert(offsetof(struct plinth_kvm_segment, limit) == 8, "kvm_segment.limit");
_Static_assert(offsetof(struct plinth_kvm_segment, selector) == 12, "kvm_segment.selector");
_Static_assert(offsetof(struct plinth_kvm_segment, unusable) == 22, "kvm_segment.unusable");
_Static_assert(sizeof(struct plinth_kvm_dtable) == 16, "kvm_dtable size");
_Static_assert(sizeof(struct plinth_kvm_sregs) == 312, "kvm_sregs size");
_Static_assert(offsetof(struct plinth_kvm_sregs, gdt) == 192, "kvm_sregs.gdt");
_Static_assert(offsetof(struct plinth_kvm_sregs, cr0) == 224, "kvm_sregs.cr0");
_Static_assert(offsetof(struct plinth_kvm_sregs, interrupt_bitmap) == 280,
	       "kvm_sregs.interrupt_bitmap");
_Static_assert(sizeof(struct plinth_kvm_vcpu_events) == 64, "kvm_vcpu_events size");
_Static_assert(offsetof(struct plinth_kvm_vcpu_events, sipi_vector) == 16,
	       "kvm_vcpu_events.sipi_vector");
_Static_assert(offsetof(struct plinth_kvm_vcpu_events, triple_fault) == 28,
	       "kvm_vcpu_events.triple_fault");
_Static_assert(offsetof(struct plinth_kvm_vcpu_events, exception_has_payload) == 55,
	       "kvm_vcpu_events.exception_has_payload");
_Static_assert(offsetof(struct plinth_kvm_vcpu_events, exception_payload) == 56,
	       "kvm_vcpu_events.exception_payload");
_Static_assert(sizeof(struct plinth_kvm_sync_regs) == 520, "kvm_sync_regs size");
_Static_assert(sizeof(struct plinth_kvm_debug_exit_arch) == 32, "kvm_debug_exit_arch size");
_Static_assert(sizeof(struct plinth_kvm_run) == 2352, "kvm_run size");
_Static_assert(offsetof(struct plinth_kvm_run, exit_reason) == 8, "kvm_run.exit_reason");
_Static_assert(offsetof(struct plinth_kvm_run, cr8) == 16, "kvm_run.cr8");
_Static_assert(offsetof(struct plinth_kvm_run, hw) == 32, "kvm_run exit union");
_Static_assert(offsetof(struct plinth_kvm_run, io.data_offset) == 40, "kvm_run.io.data_offset");
_Static_assert(offsetof(struct plinth_kvm_run, mmio.is_write) == 52, "kvm_run.mmio.is_write");
_Static_assert(offsetof(struct plinth_kvm_run, hypercall.longmode) == 96,
	       "kvm_run.hypercall.longmode");
_Static_assert(offsetof(struct plinth_kvm_run, internal.data) == 40, "kvm_run.internal.data");
_Static_assert(offsetof(struct plinth_kvm_run, system_event.data) == 40,
	       "kvm_run.system_event.data");
_Static_assert(sizeof(((struct plinth_kvm_run *)0)->fail_entry) == 16, "kvm_run.fail_entry size");
_Static_assert(sizeof(((struct plinth_kvm_run *)0)->io) == 16, "kvm_run.io size");
_Static_assert(sizeof(((struct plinth_kvm_run *)0)->mmio) == 24, "kvm_run.mmio size");
_Static_assert(sizeof(((struct plinth_kvm_run *)0)->hypercall) == 72, "kvm_run.hypercall size");
_Static_assert(sizeof(((struct plinth_kvm_run *)0)->system_event) == 136,
	       "kvm_run.system_event size");
_Static_assert(_Alignof(struct plinth_kvm_run) == 8 && _Alignof(struct plinth_kvm_sregs) == 8,
	       "8-byte alignment on 32-bit guests too");
_Static_assert(offsetof(struct plinth_kvm_run, kvm_valid_regs) == 288, "kvm_run.kvm_valid_regs");
_Static_assert(offsetof(struct plinth_kvm_run, kvm_dirty_regs) == 296, "kvm_run.kvm_dirty_regs");
_Static_assert(offsetof(struct plinth_kvm_run, s) == 304, "kvm_run.s");
_Static_assert(PLINTH_KVM_RUN_IO_DATA_OFFSET >= sizeof(struct plinth_kvm_run),
	       "IO data behind the run structure");
_Static_assert(sizeof(union plinth_kvm_one_reg_seg) == 32, "ONE_REG segment buffer");

#endif
