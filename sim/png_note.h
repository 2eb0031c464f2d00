/*
 * png_note — adds a text note (a PNG tEXt chunk, keyword and Latin-1 text) to a PNG file
 * already written, so that what a picture shows can be read by a program too: an
 * interrupted run's picture carries "interrupted at d1 04:03" in its title for people and
 * in a "Comment" note for tests and tools (`exiftool`, Python's PIL `info`).
 *
 * Follows: PNG (ISO/IEC 15948, https://www.w3.org/TR/png/) §5.3 chunk layout, §11.3.3.2
 * tEXt (keyword 1 to 79 bytes), Annex D CRC-32. Must never: leave a file that is not a PNG
 * (the note is written to a new file that replaces the old one only when complete).
 */
#ifndef FAKEPUMP_PNG_NOTE_H
#define FAKEPUMP_PNG_NOTE_H

#include <stdbool.h>
#include <stddef.h>

/* Inserts the note before IEND. False with err filled when the file is not a PNG or
 * cannot be rewritten (the file is then as it was). */
bool png_note_add(const char *path, const char *keyword, const char *text, char *err,
                  size_t errlen);

#endif
