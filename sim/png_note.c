/*
 * png_note — see png_note.h. The whole file is read (a 1600×900 plot is about 100 KB),
 * the chunk is spliced in before the 12-byte IEND, and the result goes to PATH.tmp, then
 * rename(2) over PATH.
 */
#include "png_note.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const unsigned char iend_chunk[12] = {0,   0,   0,    0,    'I',  'E',
                                             'N', 'D', 0xAE, 0x42, 0x60, 0x82};

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 17;
			unsigned char *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
		}
		const size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	const bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

bool png_note_add(const char *path, const char *keyword, const char *text, char *err, size_t errlen)
{
	const size_t klen = strlen(keyword), tlen = strlen(text);
	if (klen < 1 || klen > 79) {
		snprintf(err, errlen, "%s: a PNG note's keyword is 1 to 79 bytes", path);
		return false;
	}
	size_t len = 0;
	unsigned char *png = read_all(path, &len);
	if (!png) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return false;
	}
	if (len < sizeof png_signature + sizeof iend_chunk ||
	    memcmp(png, png_signature, sizeof png_signature) != 0 ||
	    memcmp(png + len - sizeof iend_chunk, iend_chunk, sizeof iend_chunk) != 0) {
		free(png);
		snprintf(err, errlen, "%s: not a PNG file ending in IEND", path);
		return false;
	}
	/* length, "tEXt", keyword, NUL, text, CRC over type and data */
	const size_t data_len = klen + 1 + tlen;
	unsigned char *chunk = malloc(12 + data_len);
	if (!chunk) {
		free(png);
		snprintf(err, errlen, "%s: out of memory", path);
		return false;
	}
	put_be32(chunk, (uint32_t)data_len);
	memcpy(chunk + 4, "tEXt", 4);
	memcpy(chunk + 8, keyword, klen);
	chunk[8 + klen] = 0;
	memcpy(chunk + 9 + klen, text, tlen);
	/* A chunk's CRC covers its type and data (PNG spec, 5.3): zlib's CRC-32 is PNG's. */
	put_be32(chunk + 8 + data_len,
	         (uint32_t)crc32(crc32(0L, Z_NULL, 0), chunk + 4, (uInt)(4 + data_len)));

	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *out = fopen(tmp, "wb");
	bool ok = out != NULL;
	if (ok) {
		const size_t body = len - sizeof iend_chunk;
		ok = fwrite(png, 1, body, out) == body &&
		     fwrite(chunk, 1, 12 + data_len, out) == 12 + data_len &&
		     fwrite(iend_chunk, 1, sizeof iend_chunk, out) == sizeof iend_chunk;
		ok = fclose(out) == 0 && ok;
		ok = ok && rename(tmp, path) == 0;
		if (!ok)
			remove(tmp);
	}
	if (!ok)
		snprintf(err, errlen, "%s: cannot write the note: %s", path, strerror(errno));
	free(chunk);
	free(png);
	return ok;
}
