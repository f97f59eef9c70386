
/** Hears when other plugins are installed, updated or removed. */
async function on_plugin_event(event: PluginEventInput): Promise<void> {
  await log('info', `${event.plugin} ${event.version} was ${event.type}`);
}
