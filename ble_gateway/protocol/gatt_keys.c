/* gatt_keys — see gatt_keys.h. */
#include <string.h>

#include "gatt_keys.h"

static const char *const keys[GATT_CHAR_COUNT] = {
    [GATT_IDD_STATUS_CHANGED] = "idd_status_changed",
    [GATT_IDD_STATUS] = "idd_status",
    [GATT_IDD_ANNUNCIATION_STATUS] = "idd_annunciation_status",
    [GATT_IDD_FEATURES] = "idd_features",
    [GATT_IDD_STATUS_READER_CP] = "idd_status_reader_cp",
    [GATT_IDD_COMMAND_CP] = "idd_command_cp",
    [GATT_IDD_COMMAND_DATA] = "idd_command_data",
    [GATT_IDD_RACP] = "idd_racp",
    [GATT_IDD_HISTORY_DATA] = "idd_history_data",
    [GATT_CGM_MEASUREMENT] = "cgm_measurement",
    [GATT_CGM_FEATURE] = "cgm_feature",
    [GATT_CGM_STATUS] = "cgm_status",
    [GATT_CGM_SESSION_START_TIME] = "cgm_session_start_time",
    [GATT_CGM_SESSION_RUN_TIME] = "cgm_session_run_time",
    [GATT_CGM_RACP] = "cgm_racp",
    [GATT_CGM_SOCP] = "cgm_socp",
    [GATT_DIS_MANUFACTURER_NAME] = "dis_manufacturer_name",
    [GATT_DIS_MODEL_NUMBER] = "dis_model_number",
    [GATT_DIS_SERIAL_NUMBER] = "dis_serial_number",
    [GATT_DIS_HARDWARE_REVISION] = "dis_hardware_revision",
    [GATT_DIS_FIRMWARE_REVISION] = "dis_firmware_revision",
    [GATT_DIS_SOFTWARE_REVISION] = "dis_software_revision",
    [GATT_DIS_SYSTEM_ID] = "dis_system_id",
    [GATT_DIS_PNP_ID] = "dis_pnp_id",
    [GATT_BAS_BATTERY_LEVEL] = "battery_level",
    [GATT_CTS_CURRENT_TIME] = "current_time",
};

const char *gatt_char_key(gatt_char_id id)
{
	return (unsigned)id < GATT_CHAR_COUNT ? keys[id] : "none";
}

bool gatt_char_from_key(const char *key, gatt_char_id *out)
{
	for (int i = 0; key && i < GATT_CHAR_COUNT; i++)
		if (strcmp(keys[i], key) == 0) {
			*out = (gatt_char_id)i;
			return true;
		}
	return false;
}
