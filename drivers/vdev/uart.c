// SPDX-License-Identifier: MIT
/*
 * The guest's 16550A. Register behaviour follows the National PC16550D data sheet; where QEMU's
 * model chooses a reset value or an undocumented behaviour, this one does the same, since guests
 * are written against QEMU.
 *
 * Output: printable ASCII (0x20-0x7e) and tab pass through; "\r\n" and "\n" end a line; every
 * other byte (control characters, a lone '\r', DEL, bytes >= 0x80) is shown as '.'.
 */
#include "drivers/vdev/uart.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/errno.h"
#include "core/string.h"

/* Register offsets; DLAB (LCR bit 7) turns offsets 0 and 1 into the divisor latch. */
#define UART_RBR 0 /* read */
#define UART_THR 0 /* write */
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08
#define UART_IER_MASK 0x0f

#define UART_IIR_NO_INT	   0x01
#define UART_IIR_MSI	   0x00
#define UART_IIR_THRI	   0x02
#define UART_IIR_RDI	   0x04
#define UART_IIR_RLSI	   0x06
#define UART_IIR_FIFO_BITS 0xc0

#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR  0x02
#define UART_FCR_DMA_SELECT  0x08
#define UART_FCR_TRIGGER     0xc0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

void uart_init(struct uart *u, struct vm *vm, uint16_t base)
{
	memset(u, 0, sizeof(*u));
	u->vm = vm;
	u->base = base;
	u->mcr = UART_MCR_OUT2;
	u->dll = 12;
}

/* ---- output: bytes to console lines ---- */

static void line_emit(struct uart *u)
{
	vm_console_line(u->vm, u->line, u->line_len);
	u->line_len = 0;
	u->line_cut = true;
}

static void line_append(struct uart *u, char c)
{
	u->line_cut = false;
	u->line[u->line_len++] = c;
	if (u->line_len == UART_LINE_MAX)
		line_emit(u);
}

static void uart_transmit(struct uart *u, uint8_t c)
{
	if (c == '\n') {
		u->cr_pending = false;
		if (u->line_len == 0 && u->line_cut)
			u->line_cut = false; /* the line already went out when it filled up */
		else
			line_emit(u);
		u->line_cut = false;
		return;
	}
	if (u->cr_pending) {
		u->cr_pending = false;
		line_append(u, '.');
	}
	if (c == '\r')
		u->cr_pending = true;
	else
		line_append(u, (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.');
}

void uart_flush(struct uart *u)
{
	u->cr_pending = false;
	if (u->line_len)
		line_emit(u);
}

/* ---- receiver ---- */

static unsigned int rx_capacity(const struct uart *u)
{
	return u->fcr & UART_FCR_ENABLE_FIFO ? UART_RX_FIFO_BYTES : 1;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

bool uart_receive(struct uart *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE;
		/* Without FIFOs the new byte overwrites the holding register; with them it is lost
		 * in the shift register and the FIFO keeps its contents. */
		if (!(u->fcr & UART_FCR_ENABLE_FIFO))
			u->rx[(u->rx_head + u->rx_count - 1) % UART_RX_FIFO_BYTES] = byte;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO_BYTES] = byte;
	u->rx_count++;
	return true;
}

static uint8_t rx_pop(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_RX_FIFO_BYTES;
		u->rx_count--;
	}
	return u->rbr;
}

/* ---- modem lines and interrupts ---- */

/* The modem inputs: outside loopback a terminal that is always there and ready (CTS, DSR and
 * DCD set, as QEMU reports); in loopback the MCR outputs wired back in as the 16550 does. */
static uint8_t msr_inputs(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (m & UART_MCR_RTS ? UART_MSR_CTS : 0) | (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

static void mcr_write(struct uart *u, uint8_t val)
{
	uint8_t before = msr_inputs(u), after, changed;

	u->mcr = val & UART_MCR_MASK;
	after = msr_inputs(u);
	changed = before ^ after;
	if (changed & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI; /* trailing edge only */
	if (changed & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
}

/* The pending interrupt of highest priority, as IIR bits 3:0 show it. */
static uint8_t iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->lsr_errors)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool uart_irq_line(const struct uart *u)
{
	return iir_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
	       !(u->mcr & UART_MCR_LOOP);
}

static void ier_write(struct uart *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & UART_IER_MASK;
	/* Enabling the THRE interrupt while THR is empty (always, here) raises it at once; real
	 * chips and QEMU do this on the rising edge, and Windows and Linux's THRE test rely on it. */
	if ((u->ier & UART_IER_THRI) && !(old & UART_IER_THRI))
		u->thr_ipending = true;
	if (!(u->ier & UART_IER_THRI))
		u->thr_ipending = false;
}

static void fcr_write(struct uart *u, uint8_t val)
{
	/* Changing the FIFO enable clears the FIFOs; the other bits need FIFO enable set. */
	if ((val ^ u->fcr) & UART_FCR_ENABLE_FIFO)
		rx_clear(u);
	if (!(val & UART_FCR_ENABLE_FIFO)) {
		u->fcr = 0;
		return;
	}
	if (val & UART_FCR_CLEAR_RCVR)
		rx_clear(u);
	u->fcr = val & (UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER);
}

static void thr_write(struct uart *u, uint8_t val)
{
	if (u->mcr & UART_MCR_LOOP)
		uart_receive(u, val); /* the serial output is held in mark state: nothing leaves */
	else
		uart_transmit(u, val);
	u->thr_ipending = true; /* the transmitter took the byte at once: THR is empty again */
}

static uint8_t uart_read_reg(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v, id;

	switch (reg) {
	case UART_RBR:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		id = iir_id(u);
		if (id == UART_IIR_THRI)
			u->thr_ipending = false;
		return id | (u->fcr & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO_BITS : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors | (u->rx_count ? UART_LSR_DR : 0);
		u->lsr_errors = 0;
		return v;
	case UART_MSR:
		v = msr_inputs(u) | u->msr_delta;
		u->msr_delta = 0;
		return v;
	default:
		return u->scr;
	}
}

static void uart_write_reg(struct uart *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			thr_write(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			ier_write(u, val);
		break;
	case UART_FCR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		mcr_write(u, val);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break; /* LSR and MSR are read-only (writes are a factory test mode) */
	}
}

static int uart_pio_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct uart *u = dev;

	*val = uart_read_reg(u, (port - u->base) & (UART_NR_PORTS - 1));
	return 0;
}

static int uart_pio_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct uart *u = dev;

	uart_write_reg(u, (port - u->base) & (UART_NR_PORTS - 1), (uint8_t)val);
	return 0;
}

int uart_register(struct uart *u, struct pio_bus *bus)
{
	const struct pio_device d = {
		.name = "uart16550a",
		.base = u->base,
		.count = UART_NR_PORTS,
		.byte_wide = true,
		.read = uart_pio_read,
		.write = uart_pio_write,
		.dev = u,
	};

	return pio_bus_register(bus, &d);
}
