/*
 * report_pdf — the HTML report printed to PDF by a real browser engine: Debian's
 * `chromium --headless --print-to-pdf` (or $FAKEPUMP_CHROMIUM). The browser runs with a
 * throw-away HOME and profile, every host name resolving to nothing (the report needs no
 * network, and Chromium's own background traffic stays on the machine), no page header or
 * footer; the paper size is the report's @page.
 */
#ifndef FAKEPUMP_REPORT_PDF_H
#define FAKEPUMP_REPORT_PDF_H

#include <stdbool.h>
#include <stddef.h>

/* The browser to print with: $FAKEPUMP_CHROMIUM, else the first of chromium,
 * chromium-browser, google-chrome on PATH. False when there is none. */
bool report_pdf_browser(char *path, size_t cap);

/* Prints html_path to pdf_path, waiting at most timeout_s; false with the reason (and the
 * browser's last lines) in err. */
bool report_pdf_print(const char *browser, const char *html_path, const char *pdf_path,
                      int timeout_s, char *err, size_t errlen);

#endif
