/*
 * bluez_paths: which BlueZ device object belongs to which adapter (bluez_paths.h).
 */
#include <criterion/criterion.h>

#include "bluez_paths.h"

Test(bluez_paths, a_device_of_the_adapter_is_its_own)
{
	cr_assert(
	    bluez_path_is_device_of("/org/bluez/hci0", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"));
	cr_assert(
	    bluez_path_is_device_of("/org/bluez/hci12", "/org/bluez/hci12/dev_00_11_22_33_44_55"));
}

Test(bluez_paths, a_device_of_an_adapter_whose_name_extends_it_is_not)
{
	cr_assert_not(
	    bluez_path_is_device_of("/org/bluez/hci1", "/org/bluez/hci10/dev_AA_BB_CC_DD_EE_FF"));
	cr_assert_not(
	    bluez_path_is_device_of("/org/bluez/hci1", "/org/bluez/hci1x/dev_AA_BB_CC_DD_EE_FF"));
}

Test(bluez_paths, the_adapter_and_its_other_objects_are_not_devices)
{
	cr_assert_not(bluez_path_is_device_of("/org/bluez/hci0", "/org/bluez/hci0"));
	cr_assert_not(bluez_path_is_device_of("/org/bluez/hci0", "/org/bluez/hci0/"));
	cr_assert_not(bluez_path_is_device_of("/org/bluez/hci0", "/org/bluez/hci0/adv0"));
	cr_assert_not(bluez_path_is_device_of("/org/bluez/hci0", "/org/bluez/hci1/dev_AA"));
}

Test(bluez_paths, no_adapter_owns_nothing)
{
	cr_assert_not(bluez_path_is_device_of("", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"));
	cr_assert_not(bluez_path_is_device_of(NULL, "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"));
	cr_assert_not(bluez_path_is_device_of("/org/bluez/hci0", NULL));
}
