/* SPDX-License-Identifier: MIT */
/*
 * The parts of the ELF format (System V ABI, "ELF-64 Object File Format") the guest loaders
 * read: file and program headers of 32- and 64-bit little-endian executables. Field names keep
 * the specification's names; the structures are read with memcpy from untrusted images, never
 * through casts.
 */
#ifndef PLINTH_CORE_ELF_H
#define PLINTH_CORE_ELF_H

#include <stdint.h>
#include "core/compiler.h"

#define EI_NIDENT   16
#define EI_MAG0	    0 /* 0x7f 'E' 'L' 'F' */
#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define EM_386	    3
#define EM_X86_64   62
#define PT_LOAD	    1
#define PF_X	    0x1
#define PF_W	    0x2
#define PF_R	    0x4

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52);
STATIC_ASSERT(sizeof(struct elf64_ehdr) == 64);
STATIC_ASSERT(sizeof(struct elf32_phdr) == 32);
STATIC_ASSERT(sizeof(struct elf64_phdr) == 56);

#endif
