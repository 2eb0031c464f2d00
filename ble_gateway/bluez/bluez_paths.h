/*
 * ble_gateway/bluez_paths.h — BlueZ's D-Bus object paths: which device belongs to which
 * adapter. bluetoothd names an adapter /org/bluez/hciN and its devices
 * /org/bluez/hciN/dev_XX_XX_XX_XX_XX_XX (BlueZ doc/device-api.txt, "Object path").
 *
 * Pure (strings only). Must never: count a device of hci10 as one of hci1 (a prefix is not
 * a parent: the adapter's path must be followed by "/dev_").
 */
#ifndef FAKEPUMP_BLUEZ_PATHS_H
#define FAKEPUMP_BLUEZ_PATHS_H

#include <stdbool.h>

/* Is `device_path` a device of the adapter at `adapter_path`? False when either is NULL or
 * the adapter's path is empty. */
bool bluez_path_is_device_of(const char *adapter_path, const char *device_path);

#endif
