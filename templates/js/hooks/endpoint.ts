
/** GET /plugins/{{namespace}}/{{name}}/hello?name=you → {"message": "Hello, you!"} */
export function handle_request(): number {
  const req = readRequest();
  if (req.route === '/hello') {
    const config = getConfig();
    const greeting = config.ok && typeof config.value.greeting === 'string' ? config.value.greeting : 'Hello';
    const message = `${greeting}, ${req.param('name', 'world')}!`;
    log('info', `greeted: ${message}`);
    respondJson(200, { message });
  } else {
    respondText(404, `no such route: ${req.route}`);
  }
  return 0;
}
