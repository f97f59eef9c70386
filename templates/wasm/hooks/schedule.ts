
/** Runs on the "hourly" schedule declared in plugin.json. */
export function on_schedule(): i32 {
  const event = readSchedule();
  log(LogLevel.Info, "schedule " + event.schedule + " fired");
  return 0;
}
