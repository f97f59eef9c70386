
/** Runs on the "hourly" schedule declared in plugin.json. */
async function on_schedule(event: ScheduleInput): Promise<void> {
  await log('info', `schedule ${event.schedule} fired`);
}
