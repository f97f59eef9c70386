
/** Runs on the "hourly" schedule declared in plugin.json. */
export function on_schedule(): number {
  const event = readSchedule();
  log('info', `schedule ${event.schedule} fired`);
  return 0;
}
