
/** Adds a property to resources as they are served (the stored resource is not changed). */
export function on_resource_get(): i32 {
  const get = readResourceGet();
  const viewer = get.agent;
  extend(Json.newObject().set("https://example.com/{{namespace}}/{{name}}/served-to", viewer === null ? "anyone" : viewer));
  return 0;
}
