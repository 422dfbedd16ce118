/* SPDX-License-Identifier: MIT */
/* The hypervisor's virtual address space. Shared by C and NASM (only #define lines here). */
#ifndef PLINTH_ARCH_X86_LAYOUT_H
#define PLINTH_ARCH_X86_LAYOUT_H

/* The image is linked at KERNEL_VMA_BASE + IMAGE_LINK_OFFSET (see linker.ld). */
#define KERNEL_VMA_BASE	  0xffffffff80000000
#define IMAGE_LINK_OFFSET 0x200000
#define IMAGE_ALIGN	  0x200000

/* All of physical memory is mapped here (PML4 slots 256 and up), never executable. */
#define DIRECT_MAP_BASE	     0xffff800000000000
#define DIRECT_MAP_MAX_BYTES 0x400000000000 /* 64 TiB: 128 PML4 slots */

#define BOOT_STACK_BYTES 16384

#endif
