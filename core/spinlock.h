/* SPDX-License-Identifier: MIT */
/* Ticket spinlock: FIFO fair, so no CPU starves printing while others print. */
#ifndef PLINTH_CORE_SPINLOCK_H
#define PLINTH_CORE_SPINLOCK_H

#include <stdint.h>

typedef struct {
	uint32_t next;
	uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

static inline void spin_lock(spinlock_t *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__asm__ volatile("pause" ::: "memory");
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Interrupt-safe forms: the console is used from exception handlers too. */
static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_unlock(l);
	if (flags & (1u << 9))
		__asm__ volatile("sti" ::: "memory");
}

#endif
