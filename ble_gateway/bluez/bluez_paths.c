/*
 * bluez_paths — BlueZ's object paths (see bluez_paths.h).
 */
#include <string.h>

#include "bluez_paths.h"

bool bluez_path_is_device_of(const char *adapter_path, const char *device_path)
{
	if (!adapter_path || !device_path)
		return false;
	const size_t n = strlen(adapter_path);
	return n && strncmp(device_path, adapter_path, n) == 0 &&
	       strncmp(device_path + n, "/dev_", 5) == 0;
}
