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
#include <time.h>
#include <unistd.h>

#include "run_facts.h"
#include "viewer_plugin.h"

/* The module's table, and the executable's copy whose write_png adds a footer. */
static const viewer_api *module_api;
static viewer_api api_with_footer;

/* A picture's provenance when the caller gives none: which fakepump drew it, and when. */
static bool write_png_with_footer(const trace *t, int64_t from_min, int64_t to_min, int width,
                                  int height, const char *title, const char *path, char *err,
                                  size_t errlen)
{
	char footer[300], when[40];
	const time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(footer, sizeof footer, "fakepump %s · drawn %s", run_facts_build(), when);
	const plot_picture pic = {from_min, to_min, width, height, title, footer, path};
	return module_api->write_picture(t, &pic, err, errlen);
}

static const viewer_api *with_footer(const viewer_api *api)
{
	if (!api)
		return NULL;
	module_api = api;
	api_with_footer = *api;
	api_with_footer.write_png = write_png_with_footer;
	return &api_with_footer;
}

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
	return with_footer(entry()); /* the module stays loaded for the life of the process */
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
