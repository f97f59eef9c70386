
/** Hears when other plugins are installed, updated or removed. */
export function on_plugin_event(): number {
  const event = readPluginEvent();
  log('info', `${event.plugin} ${event.version} was ${event.type}`);
  return 0;
}
