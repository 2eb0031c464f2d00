/*
 * viewer_loader (executable side) — finds and loads fakepump-viewer.so with dlopen on
 * first use (see viewer_plugin.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "viewer_plugin.h"

#ifndef FAKEPUMP_VIEWER_INSTALLED
#define FAKEPUMP_VIEWER_INSTALLED "/usr/local/lib/fakepump/fakepump-viewer.so"
#endif

static const viewer_api *try_load(const char *path, char *err, size_t errlen)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(err, errlen, "cannot load the viewer (%s)", dlerror());
		return NULL;
	}
	viewer_plugin_entry entry;
	*(void **)&entry = dlsym(handle, VIEWER_PLUGIN_SYMBOL);
	if (!entry) {
		snprintf(err, errlen, "%s is not the fakepump viewer", path);
		dlclose(handle);
		return NULL;
	}
	return entry(); /* the module stays loaded for the life of the process */
}

const viewer_api *viewer_api_get(char *err, size_t errlen)
{
	static const viewer_api *api;
	if (api)
		return api;
	const char *forced = getenv("FAKEPUMP_VIEWER");
	if (forced && *forced)
		return api = try_load(forced, err, errlen);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char beside[PATH_MAX + 32];
		snprintf(beside, sizeof beside, "%s/fakepump-viewer.so", dirname(exe));
		if (access(beside, R_OK) == 0)
			return api = try_load(beside, err, errlen);
	}
	return api = try_load(FAKEPUMP_VIEWER_INSTALLED, err, errlen);
}
