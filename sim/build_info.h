/*
 * build_info — which fakepump this is: the version of meson.build and, when it was built
 * from a git checkout, `git describe --always --dirty` of that checkout (Meson's vcs_tag,
 * refreshed at every build; "-dirty" when files had uncommitted changes).
 */
#ifndef FAKEPUMP_BUILD_INFO_H
#define FAKEPUMP_BUILD_INFO_H

/* "0.1.0". */
const char *build_info_version(void);
/* "8d8876b0c1a2-dirty", or "" when not built from git. */
const char *build_info_vcs(void);

#endif
