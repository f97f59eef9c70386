
/** Adds a property to resources as they are served (the stored resource is not changed). */
function on_resource_get(get: ResourceGetInput): { set: Record<string, string> } {
  return { set: { 'https://example.com/{{namespace}}/{{name}}/served-to': get.agent ?? 'anyone' } };
}
