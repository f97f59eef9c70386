
/** Adds a property to resources as they are served (the stored resource is not changed). */
export function on_resource_get(): number {
  const get = readResourceGet();
  extend({ 'https://example.com/{{namespace}}/{{name}}/served-to': get.agent ?? 'anyone' });
  return 0;
}
