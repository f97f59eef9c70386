
/** Hears when other plugins are installed, updated or removed. */
export function on_plugin_event(): i32 {
  const event = readPluginEvent();
  log(LogLevel.Info, event.plugin + " " + event.version + " was " + event.type);
  return 0;
}
