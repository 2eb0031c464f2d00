/*
 * wire.h — bounded little-endian readers and writers for the protocol codecs (private to
 * ble_gateway). A reader never reads past its length: a short read sets `bad` and returns
 * zero, so a decoder can read a whole layout and check once; a writer never writes past
 * its capacity: an overflow sets `bad` and writes nothing more.
 * After BlueZ src/shared/util.h (get_le16/put_le16 …), with the bound built in.
 */
#ifndef FAKEPUMP_BLE_WIRE_H
#define FAKEPUMP_BLE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool bad; /* a read went past len */
} wire_reader;

static inline wire_reader wire_reader_init(const uint8_t *buf, size_t len)
{
	wire_reader r = {buf, len, 0, false};
	return r;
}

static inline size_t wire_left(const wire_reader *r)
{
	return r->bad ? 0 : r->len - r->pos;
}

/* True when every read fitted and every byte was consumed. */
static inline bool wire_done(const wire_reader *r)
{
	return !r->bad && r->pos == r->len;
}

static inline bool wire_take(wire_reader *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t wire_u8(wire_reader *r)
{
	if (!wire_take(r, 1))
		return 0;
	return r->buf[r->pos++];
}

static inline uint16_t wire_u16(wire_reader *r)
{
	if (!wire_take(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->buf[r->pos] | (r->buf[r->pos + 1] << 8));
	r->pos += 2;
	return v;
}

static inline uint32_t wire_u24(wire_reader *r)
{
	if (!wire_take(r, 3))
		return 0;
	uint32_t v = (uint32_t)r->buf[r->pos] | ((uint32_t)r->buf[r->pos + 1] << 8) |
	             ((uint32_t)r->buf[r->pos + 2] << 16);
	r->pos += 3;
	return v;
}

static inline uint32_t wire_u32(wire_reader *r)
{
	if (!wire_take(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->buf[r->pos] | ((uint32_t)r->buf[r->pos + 1] << 8) |
	             ((uint32_t)r->buf[r->pos + 2] << 16) | ((uint32_t)r->buf[r->pos + 3] << 24);
	r->pos += 4;
	return v;
}

typedef struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool bad; /* a write did not fit */
} wire_writer;

static inline wire_writer wire_writer_init(uint8_t *buf, size_t cap)
{
	wire_writer w = {buf, cap, 0, false};
	return w;
}

static inline bool wire_room(wire_writer *w, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = true;
		return false;
	}
	return true;
}

static inline void wire_put_u8(wire_writer *w, uint8_t v)
{
	if (wire_room(w, 1))
		w->buf[w->len++] = v;
}

static inline void wire_put_u16(wire_writer *w, uint16_t v)
{
	if (!wire_room(w, 2))
		return;
	w->buf[w->len++] = (uint8_t)(v & 0xFF);
	w->buf[w->len++] = (uint8_t)(v >> 8);
}

static inline void wire_put_u24(wire_writer *w, uint32_t v)
{
	if (!wire_room(w, 3))
		return;
	w->buf[w->len++] = (uint8_t)(v & 0xFF);
	w->buf[w->len++] = (uint8_t)((v >> 8) & 0xFF);
	w->buf[w->len++] = (uint8_t)((v >> 16) & 0xFF);
}

static inline void wire_put_u32(wire_writer *w, uint32_t v)
{
	if (!wire_room(w, 4))
		return;
	for (int i = 0; i < 4; i++)
		w->buf[w->len++] = (uint8_t)((v >> (8 * i)) & 0xFF);
}

static inline void wire_put_bytes(wire_writer *w, const uint8_t *p, size_t n)
{
	if (!wire_room(w, n))
		return;
	for (size_t i = 0; i < n; i++)
		w->buf[w->len++] = p[i];
}

#endif
