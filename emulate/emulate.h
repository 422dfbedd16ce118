/* SPDX-License-Identifier: MIT */
/*
 * The x86 instruction emulator: decodes and executes one guest instruction (typically the one
 * that touched an MMIO page). It knows nothing of VMX: every piece of guest state comes and goes
 * through struct emul_ops. General-purpose registers, RIP and RFLAGS are fetched through
 * ops->read_gpr the first time the instruction needs them and only the ones the instruction
 * modified are written back through ops->write_gpr. See docs/emulator.md.
 */
#ifndef PLINTH_EMULATE_EMULATE_H
#define PLINTH_EMULATE_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register numbers: the x86 encoding for the GPRs, then RIP and RFLAGS. */
enum emul_reg {
	EMUL_REG_RAX,
	EMUL_REG_RCX,
	EMUL_REG_RDX,
	EMUL_REG_RBX,
	EMUL_REG_RSP,
	EMUL_REG_RBP,
	EMUL_REG_RSI,
	EMUL_REG_RDI,
	EMUL_REG_R8,
	EMUL_REG_R9,
	EMUL_REG_R10,
	EMUL_REG_R11,
	EMUL_REG_R12,
	EMUL_REG_R13,
	EMUL_REG_R14,
	EMUL_REG_R15,
	EMUL_REG_RIP,
	EMUL_REG_RFLAGS,
	EMUL_NR_REGS
};

#define EMUL_NR_GPRS 16

/* Segment registers, in the x86 encoding (ModRM.reg of MOV Sreg). */
enum emul_seg {
	EMUL_SEG_ES,
	EMUL_SEG_CS,
	EMUL_SEG_SS,
	EMUL_SEG_DS,
	EMUL_SEG_FS,
	EMUL_SEG_GS,
	EMUL_SEG_NONE = 7
};

/* The processor mode the instruction runs in; the caller derives it from CR0.PE, RFLAGS.VM,
 * EFER.LMA and CS.L/CS.D (SDM Vol. 3A 2.2). */
enum emul_mode {
	EMUL_MODE_REAL,
	EMUL_MODE_VM86,
	EMUL_MODE_PROT16,
	EMUL_MODE_PROT32,
	EMUL_MODE_PROT64
};

/* Results of decode and execute. */
enum emul_result {
	EMUL_OK = 0, /* executed and written back */
	EMUL_FAULT, /* an architectural exception is in ctxt->fault (and was injected) */
	EMUL_UNSUPPORTED, /* not implemented: nothing executed; ctxt->insn->bytes says what */
	EMUL_TRUNCATED, /* decode only: the instruction continues past the bytes given */
	EMUL_ERROR, /* an op failed for a reason that is not the guest's fault */
	EMUL_MMIO, /* from ops->read_phys/write_phys: that address is not RAM */
};

/* Exception vectors the emulator raises (SDM Vol. 3A 6.15). */
#define EMUL_VEC_DE 0
#define EMUL_VEC_UD 6
#define EMUL_VEC_NM 7
#define EMUL_VEC_SS 12
#define EMUL_VEC_GP 13
#define EMUL_VEC_PF 14
#define EMUL_VEC_AC 17

struct emul_fault {
	uint8_t vector;
	bool error_code_valid;
	uint32_t error_code;
	uint64_t cr2; /* #PF only */
};

/* Access kinds for ops->translate (the bits a page walk checks). */
#define EMUL_ACC_READ  0
#define EMUL_ACC_WRITE (1u << 0)
#define EMUL_ACC_FETCH (1u << 1)
#define EMUL_ACC_IMPL  (1u << 2) /* implicit supervisor access (descriptor tables) */

/* A segment register as the VMCS holds it: access rights in the VMX layout (SDM Vol. 3C 24.4.1:
 * type 3:0, S 4, DPL 6:5, P 7, L 13, D/B 14, G 15, unusable 16). limit is the byte limit. */
struct emul_segment {
	uint64_t base;
	uint32_t limit;
	uint32_t attr;
	uint16_t selector;
};

#define EMUL_SEGATTR_TYPE(a)  ((a)&0xf)
#define EMUL_SEGATTR_S	      (1u << 4)
#define EMUL_SEGATTR_P	      (1u << 7)
#define EMUL_SEGATTR_DB	      (1u << 14)
#define EMUL_SEGATTR_UNUSABLE (1u << 16)

/* 16 bytes of an XMM register; no vector types: the hypervisor is built with -mno-sse. */
struct emul_xmm {
	uint64_t q[2];
};

struct emul_ctxt;

/*
 * Everything the emulator needs from outside. Ops that can fail return an enum emul_result:
 * EMUL_OK, EMUL_FAULT with *fault filled in (or ctxt->fault for the ops without a fault
 * argument), or EMUL_ERROR.
 */
struct emul_ops {
	/* reg is an enum emul_reg (GPRs, RIP, RFLAGS). Called at most once per register and
	 * instruction, and only for registers the instruction uses. */
	uint64_t (*read_gpr)(struct emul_ctxt *ctxt, unsigned int reg);
	/* Called once per modified register, after the instruction completed (or, for a REP
	 * string instruction interrupted by a fault, for the iterations that completed). */
	void (*write_gpr)(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val);

	/* Linear to guest-physical through the guest's paging: EMUL_OK, or EMUL_FAULT with the
	 * #PF in *fault. NULL means the linear address is the physical address. Called per page. */
	int (*translate)(struct emul_ctxt *ctxt, uint64_t la, unsigned int access, uint64_t *gpa,
			 struct emul_fault *fault);
	/* Guest RAM by physical address, within one page. EMUL_MMIO sends the access to
	 * mmio_read/mmio_write instead. */
	int (*read_phys)(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len);
	int (*write_phys)(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len);
	/* Emulated devices by physical address, within one page; len is 1..16. */
	int (*mmio_read)(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len);
	int (*mmio_write)(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len);

	/* Port I/O; len is 1, 2 or 4. The op checks I/O permission (IOPL, TSS bitmap) and may
	 * return EMUL_FAULT with ctxt->fault set. */
	int (*pio_in)(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t *val);
	int (*pio_out)(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t val);

	/* Segment registers; only called outside 64-bit mode, or for FS and GS in 64-bit mode. */
	void (*get_segment)(struct emul_ctxt *ctxt, unsigned int seg, struct emul_segment *s);
	unsigned int (*get_cpl)(struct emul_ctxt *ctxt);
	/* CR0, CR2, CR3, CR4 (for the alignment check and the page walk). May be NULL. */
	uint64_t (*get_cr)(struct emul_ctxt *ctxt, unsigned int cr);

	/* The SSE moves: 16 bytes of XMM register n (0..15). */
	void (*read_xmm)(struct emul_ctxt *ctxt, unsigned int n, struct emul_xmm *val);
	void (*write_xmm)(struct emul_ctxt *ctxt, unsigned int n, const struct emul_xmm *val);

	/* Raise ctxt->fault in the guest; RIP stays at the faulting instruction. */
	void (*inject_fault)(struct emul_ctxt *ctxt, const struct emul_fault *fault);
};

/* Operand kinds and sizes of a decoded instruction (see emulate/decode.c for the tables). */
struct emul_opcode {
	uint32_t flags;
	uint8_t dst, src, src2; /* operand descriptors: EMUL_OPK_* | size << 5 */
	uint8_t exec; /* executor class (enum emul_exec in internal.h) */
	uint8_t sub; /* class parameter: ALU operation, condition code, ... */
	uint8_t group; /* with EMUL_F_GROUP / EMUL_F_PREFIX: the sub-table */
};

/* An operand as far as decoding fixes it: its kind (OPT_* of internal.h), size, register, segment,
 * immediate value, and how to form its address. The executor adds register values. */
struct emul_opd {
	uint8_t type;
	uint8_t size; /* bytes */
	uint8_t reg; /* GPR or XMM number */
	bool hi8; /* AH, CH, DH, BH */
	uint8_t seg; /* memory operands */
	uint8_t addr; /* memory operands: EMUL_ADDR_MODRM or EMUL_ADDR_MOFFS */
	uint64_t val; /* immediates */
};

#define EMUL_ADDR_MODRM 1
#define EMUL_ADDR_MOFFS 2

/* A decoded instruction. */
struct emul_insn {
	uint8_t bytes[15];
	uint8_t nbytes; /* bytes available to the decoder (at most 15) */
	uint8_t len; /* instruction length; 0 if decode stopped before the end */
	uint8_t map; /* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opcode;
	uint8_t op_bytes; /* operand size: 2, 4, 8 */
	uint8_t ad_bytes; /* address size: 2, 4, 8 */
	uint8_t rex; /* 0 or 0x40..0x4f (the REX byte in effect) */
	uint8_t rep; /* 0, 0xf2, 0xf3 (the last one) */
	uint8_t mandatory; /* SSE prefix selecting the row: 0, 0x66, 0xf2, 0xf3 */
	bool opsize_prefix; /* 66 seen */
	bool adsize_prefix; /* 67 seen */
	bool lock;
	uint8_t seg_override; /* EMUL_SEG_NONE if none (or an ignored one in 64-bit mode) */
	bool has_modrm;
	uint8_t modrm, sib;
	uint8_t mod, reg, rm; /* reg and rm with REX.R / REX.B */
	/* The memory operand (ModRM or moffs): base/index are GPR numbers or -1. */
	bool has_mem;
	bool rip_relative;
	int8_t base, index;
	uint8_t scale;
	uint8_t seg; /* effective segment of the memory operand */
	int64_t disp;
	uint64_t imm; /* the immediate, sign- or zero-extended as the row says */
	uint8_t imm_bytes;
	struct emul_opcode op; /* the table row, groups and prefix tables resolved */
	struct emul_opd opd[3]; /* dst, src, src2 of op */
};

/*
 * The last instruction decoded, kept by the caller (one per vCPU). Decoding is a pure function
 * of the mode and the bytes, so an instruction whose mode and fetched bytes are those of the
 * last one reuses its decode: a driver's MMIO loop runs the same few instructions. Nothing can
 * be stale; a different byte anywhere in the 15 fetched means a fresh decode.
 */
struct emul_decode_cache {
	bool valid;
	enum emul_mode mode;
	struct emul_insn insn;
};

/*
 * What a VM exit told the caller about the access that trapped (KVM's gpa_available): the CPU's
 * own walk took linear page la_page to guest-physical page gpa_page, passing its checks for a
 * write (write) or a read and setting its A/D bits, and that physical page is a device's. Data
 * accesses to la_page that the CPU's checks cover skip ops->translate; accesses to gpa_page go
 * straight to mmio_read/mmio_write.
 */
struct emul_exit_hint {
	bool mmio; /* gpa_page is a device's */
	bool la_valid; /* la_page's translation is known */
	bool write; /* the CPU checked it for a write */
	uint64_t la_page, gpa_page; /* address >> 12 */
};

struct emul_ctxt {
	const struct emul_ops *ops;
	void *opaque; /* the caller's (a vCPU) */
	enum emul_mode mode;

	/* On-demand register file: a register is valid once fetched, dirty once written. */
	uint64_t _regs[EMUL_NR_GPRS];
	uint64_t rip;
	uint64_t rflags;
	uint32_t regs_valid; /* bit n: enum emul_reg n */
	uint32_t regs_dirty;

	/* The decoded instruction: own_insn, or the decode cache's when that was reused. */
	struct emul_insn *insn;
	struct emul_insn own_insn;
	struct emul_fault fault;

	/* Iterations of a REP string instruction done per call; RIP stays on the instruction
	 * (the guest re-executes it) until RCX reaches 0. 0 means the default. */
	unsigned int rep_batch;
	/* Bits of RFLAGS the instruction left architecturally undefined (for tests). */
	uint32_t flags_undefined;
	/* Used and refilled by emul_run when not NULL; emul_init sets NULL. */
	struct emul_decode_cache *decode_cache;
	/* Set by the caller after emul_init (which clears it). */
	struct emul_exit_hint hint;
};

/* Reset ctxt for one instruction. */
static inline void emul_init(struct emul_ctxt *ctxt, const struct emul_ops *ops, void *opaque,
			     enum emul_mode mode)
{
	ctxt->ops = ops;
	ctxt->opaque = opaque;
	ctxt->mode = mode;
	ctxt->regs_valid = 0;
	ctxt->regs_dirty = 0;
	ctxt->rep_batch = 0;
	ctxt->flags_undefined = 0;
	ctxt->insn = &ctxt->own_insn;
	ctxt->own_insn.len = 0;
	ctxt->own_insn.nbytes = 0;
	ctxt->decode_cache = NULL;
	ctxt->hint.mmio = ctxt->hint.la_valid = false;
}

/* Decode the instruction in bytes[0..len). EMUL_OK, EMUL_UNSUPPORTED, EMUL_TRUNCATED, or
 * EMUL_FAULT (#UD for an invalid LOCK or register form, #GP for more than 15 bytes) with
 * ctxt->fault set but not injected. Reads no register and calls no op. */
int emul_decode(struct emul_ctxt *ctxt, const uint8_t *bytes, unsigned int len);

/* Execute the decoded instruction and write back the dirty registers. On EMUL_FAULT the fault
 * has been injected through ops->inject_fault and RIP is unchanged. */
int emul_execute(struct emul_ctxt *ctxt);

/* Fetch the instruction at CS:RIP through the ops, decode it and execute it. */
int emul_run(struct emul_ctxt *ctxt);
/* As emul_run, with the 15 bytes at CS:RIP fetched by the caller, who knows they are what the
 * emulator's own fetch would read (KVM's insn/insn_len from decode assists): plinth reads them
 * through the vCPU's last fetch walk. */
int emul_run_fetched(struct emul_ctxt *ctxt, const uint8_t bytes[15]);

/* Register accessors for ops implementations and the executor: on-demand fetch. */
/* reg's slot in the on-demand register file. */
static inline uint64_t *emul_reg_slot(struct emul_ctxt *ctxt, unsigned int reg)
{
	if (reg < EMUL_NR_GPRS)
		return &ctxt->_regs[reg];
	return reg == EMUL_REG_RIP ? &ctxt->rip : &ctxt->rflags;
}

static inline uint64_t emul_reg_read(struct emul_ctxt *ctxt, unsigned int reg)
{
	uint64_t *slot = emul_reg_slot(ctxt, reg);

	if (!(ctxt->regs_valid & (1u << reg))) {
		*slot = ctxt->ops->read_gpr(ctxt, reg);
		ctxt->regs_valid |= 1u << reg;
	}
	return *slot;
}

static inline void emul_reg_write(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	*emul_reg_slot(ctxt, reg) = val;
	ctxt->regs_valid |= 1u << reg;
	ctxt->regs_dirty |= 1u << reg;
}
/* A register value the caller has already (RIP, after fetching the code itself): valid without
 * a read_gpr call. */
static inline void emul_reg_preset(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	*emul_reg_slot(ctxt, reg) = val;
	ctxt->regs_valid |= 1u << reg;
}

/* Write back the dirty registers through ops->write_gpr and clear regs_dirty. */
void emul_writeback(struct emul_ctxt *ctxt);

/* A short name for a result, for log lines. */
const char *emul_result_name(int result);

/*
 * The guest page walk (emulate/paging.c, docs/emulator.md "The guest page walk"): a caller's
 * ops->translate fills a struct emul_paging from the vCPU and calls emul_paging_translate().
 */

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define EMUL_PFERR_P	(1u << 0) /* 0: not present; 1: protection or reserved bit */
#define EMUL_PFERR_W	(1u << 1) /* the access was a write */
#define EMUL_PFERR_U	(1u << 2) /* a user-mode access (CPL 3, not implicit) */
#define EMUL_PFERR_RSVD (1u << 3) /* a reserved bit was set in a paging-structure entry */
#define EMUL_PFERR_I	(1u << 4) /* an instruction fetch (with SMEP or PAE/4-level and NXE) */

/* The control-register, EFER, RFLAGS and paging-entry bits the walk reads (SDM vol. 3A 2.5,
 * 4.x), for callers filling struct emul_paging and for tests building page tables. */
#define EMUL_CR0_PE    (1ull << 0)
#define EMUL_CR0_WP    (1ull << 16)
#define EMUL_CR0_PG    (1ull << 31)
#define EMUL_CR4_PSE   (1ull << 4)
#define EMUL_CR4_PAE   (1ull << 5)
#define EMUL_CR4_LA57  (1ull << 12)
#define EMUL_CR4_SMEP  (1ull << 20)
#define EMUL_CR4_SMAP  (1ull << 21)
#define EMUL_EFER_LME  (1ull << 8)
#define EMUL_EFER_LMA  (1ull << 10)
#define EMUL_EFER_NXE  (1ull << 11)
#define EMUL_RFLAGS_AC (1ull << 18)
#define EMUL_PTE_P     (1ull << 0)
#define EMUL_PTE_RW    (1ull << 1)
#define EMUL_PTE_US    (1ull << 2)
#define EMUL_PTE_A     (1ull << 5)
#define EMUL_PTE_D     (1ull << 6)
#define EMUL_PTE_PS    (1ull << 7)
#define EMUL_PTE_XD    (1ull << 63)

/*
 * One remembered walk: a one-entry TLB that is never stale. It holds what the walk's answer
 * depended on (the paging controls, CPL, access kind, linear page) and where the
 * paging-structure quadwords it used live, with the values they had after its A/D updates. A
 * later walk with the same key only re-reads those quadwords: if each still holds what it held,
 * a full walk would read the same entries, pass the same checks and set no bit, so its answer
 * is reused. Any change to an entry (a remap, a cleared A bit) sends the next walk down the full
 * path. Only successful walks whose entries all have a host pointer (pg->pte_ptr) are
 * remembered, and no PAE walk (its PDPTEs are registers loaded with CR3, not entries). Whoever
 * frees or remaps guest RAM clears valid.
 */
#define EMUL_WALK_MAX_LEVELS 5

struct emul_walk_cache {
	bool valid;
	/* The key: the bits of CR0, CR4, EFER and RFLAGS the walk reads (they do not overlap),
	 * CPL 3 and the access kind, in one word; CR3; the linear page (la >> 12). */
	uint64_t ctl;
	uint64_t cr3;
	uint64_t la_page;
	uint64_t gpa_page; /* the answer: its guest-physical page (>> 12) */
	unsigned int n;
	const uint64_t *pte[EMUL_WALK_MAX_LEVELS];
	uint64_t q[EMUL_WALK_MAX_LEVELS];
};

/* The key of a remembered walk (see struct emul_walk_cache), from the walk's inputs. */
#define EMUL_WALK_KEY_CR0 (EMUL_CR0_PG | EMUL_CR0_WP)
#define EMUL_WALK_KEY_CR4 \
	(EMUL_CR4_PSE | EMUL_CR4_PAE | EMUL_CR4_LA57 | EMUL_CR4_SMEP | EMUL_CR4_SMAP)
#define EMUL_WALK_KEY_EFER  (EMUL_EFER_LMA | EMUL_EFER_NXE)
#define EMUL_WALK_KEY_CPL3  (1ull << 32)
#define EMUL_WALK_KEY_SHIFT 33 /* the access kind */
static inline uint64_t emul_walk_key(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t rflags,
				     unsigned int cpl, unsigned int access)
{
	return (cr0 & EMUL_WALK_KEY_CR0) | (cr4 & EMUL_WALK_KEY_CR4) | (efer & EMUL_WALK_KEY_EFER) |
	       (rflags & EMUL_RFLAGS_AC) | (cpl == 3 ? EMUL_WALK_KEY_CPL3 : 0) |
	       ((uint64_t)access << EMUL_WALK_KEY_SHIFT);
}

/* Does the walk remembered in c answer la under key ctl and cr3? Re-reads its entries. */
static inline bool emul_walk_cache_hit(const struct emul_walk_cache *c, uint64_t ctl, uint64_t cr3,
				       uint64_t la)
{
	if (!c->valid || c->la_page != la >> 12 || c->cr3 != cr3 || c->ctl != ctl)
		return false;
	for (unsigned int i = 0; i < c->n; i++)
		if (__atomic_load_n(c->pte[i], __ATOMIC_RELAXED) != c->q[i])
			return false;
	return true;
}

struct emul_paging {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rflags; /* only AC is used (SMAP) */
	unsigned int cpl;
	unsigned int maxphyaddr; /* physical-address width M; 0 means 52 */
	/* PAE paging: the four PDPTEs the processor loaded with CR3 (the VMCS guest PDPTEs);
	 * NULL means read them from memory at CR3. */
	const uint64_t *pdptes;
	void *opaque; /* passed to the two ops */
	/* The 8-byte aligned quadword at guest-physical gpa: EMUL_OK, or any other result, which
	 * the walk returns as is. */
	int (*read_pte)(void *opaque, uint64_t gpa, uint64_t *val);
	/* Set Accessed/Dirty: replace the quadword at gpa by new_val if it still holds old
	 * (atomically if the implementation can), setting *done. EMUL_OK, or any other result,
	 * which the walk returns. When the quadword changed (*done false) the walk restarts.
	 * NULL: the walk sets no A/D bit. */
	int (*cmpxchg_pte)(void *opaque, uint64_t gpa, uint64_t old, uint64_t new_val, bool *done);
	/* Consulted and refilled by the walk when not NULL (see struct emul_walk_cache). */
	struct emul_walk_cache *cache;
	/* For the cache: a host pointer to the aligned quadword at gpa that stays valid while
	 * the cache does, or NULL. */
	const uint64_t *(*pte_ptr)(void *opaque, uint64_t gpa);
};

/* Translate la for access (EMUL_ACC_*) through the guest's paging as described by *pg:
 * EMUL_OK with *gpa, after setting the A bits of the entries used and the D bit of the leaf on a
 * write; EMUL_FAULT with the #PF in *fault (error code and CR2 = la), no bit set; or a failed
 * op's result. With CR0.PG = 0 the physical address is la & 0xffffffff. */
int emul_paging_translate(const struct emul_paging *pg, uint64_t la, unsigned int access,
			  uint64_t *gpa, struct emul_fault *fault);

/* Whether insn is a string instruction (MOVS, STOS, ...: a REP form keeps its completed
 * iterations when a later one fails). */
bool emul_insn_is_string(const struct emul_insn *insn);

#endif
