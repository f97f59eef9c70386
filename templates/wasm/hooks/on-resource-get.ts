
/** Adds a property to every resource as it is served (the stored resource is not changed). */
export function on_resource_get(): i32 {
  const get = readResourceGet();
  extend(Json.newObject().set("https://example.com/{{namespace}}/{{name}}/served-by", "{{namespace}}/{{name}}"));
  log(LogLevel.Debug, "served " + get.subject);
  return 0;
}
